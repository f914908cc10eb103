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


@register()
def check_password_validators(app_configs, **kwargs):
    """Without validators, activation, reset and change accept any password ("1234")."""
    if getattr(settings, "AUTH_PASSWORD_VALIDATORS", None):
        return []
    return [
        Warning(
            _("AUTH_PASSWORD_VALIDATORS is empty: portal users may choose any password."),
            hint=_(
                "Set Django's password validators (at least MinimumLengthValidator and "
                "CommonPasswordValidator); the portal's password forms use them."
            ),
            id="wagtail_clientportal.W003",
        )
    ]


PLACEHOLDER_HOSTS = ("example.com", "example.org", "example.net")


@register()
def check_base_url(app_configs, **kwargs):
    """Activation, reset and new-item emails link to this address: it must be the real one."""
    from urllib.parse import urlsplit

    configured = getattr(settings, "WAGTAILCLIENTPORTAL_BASE_URL", None) or getattr(
        settings, "WAGTAILADMIN_BASE_URL", None
    )
    host = (urlsplit(configured).hostname or "") if configured else ""
    placeholder = any(host == h or host.endswith("." + h) for h in PLACEHOLDER_HOSTS)
    if configured and host and not placeholder:
        return []
    return [
        Warning(
            _("The address used in the portal's emails is missing or a placeholder."),
            hint=_(
                "Set WAGTAILCLIENTPORTAL_BASE_URL (or WAGTAILADMIN_BASE_URL) to the public "
                "address of the site, e.g. https://portal.kancelaria.pl."
            ),
            id="wagtail_clientportal.W004",
        )
    ]


@register()
def check_receipt_signing(app_configs, **kwargs):
    """A signer that cannot sign would send every receipt unsigned: say so at start-up."""
    from django.core.exceptions import ImproperlyConfigured

    from .services import receipt_signing

    try:
        signer = receipt_signing.signer()
        problems = signer.problems() if signer is not None else []
    except ImproperlyConfigured as error:
        problems = [str(error)]
    return [
        Error(
            _("WAGTAILCLIENTPORTAL_RECEIPT_SIGNING cannot sign receipts."),
            hint=problem,
            id="wagtail_clientportal.E002",
        )
        for problem in problems
    ]
