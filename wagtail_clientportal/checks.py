"""System checks for configurations that would expose shared files."""

from django.conf import settings
from django.core.checks import Warning, register
from django.utils.translation import gettext_lazy as _


@register()
def check_document_serving(app_configs, **kwargs):
    errors = []
    if getattr(settings, "WAGTAILDOCS_SERVE_METHOD", None) == "direct":
        errors.append(
            Warning(
                _("WAGTAILDOCS_SERVE_METHOD = 'direct' exposes shared documents at public URLs."),
                hint=_(
                    "Use 'serve_view' (the default for local storage) so the client portal can "
                    "refuse downloads through Wagtail's own document URL."
                ),
                id="wagtail_clientportal.W001",
            )
        )
    return errors
