"""System checks for configurations that would expose shared files."""

from django.conf import settings
from django.core.checks import Error, Warning, register
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


LOCAL_ONLY_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register()
def check_throttle_cache(app_configs, **kwargs):
    """Failures are counted in a cache; a per-process one lets attackers spread their tries."""
    from . import conf

    alias = conf.throttle_cache()
    if alias not in settings.CACHES:
        # Every portal login would fail on the missing cache: say so at start-up.
        return [
            Error(
                _("WAGTAILCLIENTPORTAL_THROTTLE_CACHE names a cache that is not in CACHES."),
                id="wagtail_clientportal.E001",
            )
        ]
    if settings.DEBUG:
        return []
    backend = settings.CACHES[alias].get("BACKEND", "")
    if backend not in LOCAL_ONLY_CACHES:
        return []
    return [
        Warning(
            _("The cache used for login throttling is local to one process."),
            hint=_(
                "Set WAGTAILCLIENTPORTAL_THROTTLE_CACHE to a cache shared by every web process "
                "(Redis, Memcached or the database cache)."
            ),
            id="wagtail_clientportal.W002",
        )
    ]
