from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _repair_search_index(sender, using, plan=None, **kwargs):
    """SQLite drops a table's triggers when a migration rebuilds it: put the search
    index's back (``search_index.repair``)."""
    from django.db import connections

    from . import search_index
    from .models import Share

    if plan is not None and not plan:
        return  # nothing was migrated (a test flush, an up-to-date database)
    search_index.repair(connections[using], Share._meta.db_table)


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
        post_migrate.connect(_repair_search_index, sender=self)
