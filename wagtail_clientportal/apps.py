from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailClientPortalAppConfig(AppConfig):
    name = "wagtail_clientportal"
    label = "wagtail_clientportal"
    verbose_name = _("Client portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Checks and receivers, the anymail delivery-status one included: every process
        # with the app installed (web, worker) records webhook events.
        from . import checks, signals  # noqa: F401
        from .notifications import tracking  # noqa: F401
        from .staff import roles

        roles.register_policies()
