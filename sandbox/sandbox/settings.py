"""Settings of the sandbox: a small Wagtail site of a Polish law firm with the client portal.

Development defaults everywhere (SQLite, console email, DEBUG on); the environment
overrides what a deployment would change: DATABASE_URL, DJANGO_SECRET_KEY,
DJANGO_DEBUG and DJANGO_ALLOWED_HOSTS. SANDBOX_PORT (set by ``make demo PORT=…``)
is the port the demo is served on; links in emails follow it, or SANDBOX_BASE_URL
when the demo is reached through another address.
"""

import os
from pathlib import Path

import dj_database_url

from wagtail_clientportal.compat import HAS_MAILERS, IMMEDIATE_TASK_BACKEND

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-sandbox-only-never-deploy-this")
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

INSTALLED_APPS = [
    "sandbox.demo",
    "wagtail_clientportal",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_otp",
    "django_otp.plugins.otp_email",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Puts is_verified() on request.user; the portal refuses users without a verified code.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail_clientportal.context_processors.firm",
            ]
        },
    }
]

# SQLite next to manage.py unless DATABASE_URL points elsewhere (e.g. postgres://...).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=600
    )
}

# On PostgreSQL, Wagtail's search index uses full-text fields from django.contrib.postgres.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    INSTALLED_APPS.append("django.contrib.postgres")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", "Polski"), ("en", "English")]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

# Django 6.1 replaces EMAIL_BACKEND with MAILERS (setting both is an error).
# The console shows activation links and one-time codes during development, decoded
# (sandbox/mail.py): Django's own console backend prints quoted-printable.
if HAS_MAILERS:
    MAILERS = {"default": {"BACKEND": "sandbox.mail.EmailBackend"}}
else:  # Django 5.2 and 6.0
    EMAIL_BACKEND = "sandbox.mail.EmailBackend"
DEFAULT_FROM_EMAIL = "Kancelaria Nowak i Wspólnicy <portal@kancelaria-nowak.example>"

# Tasks run at once, in the request: no worker to start. Wagtail's own tasks use the
# django-tasks backport on "default"; the portal's outbox uses Django's own
# django.tasks on its alias (the backport on Django 5.2; see docs/notifications.md
# for a real worker).
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "clientportal": {"BACKEND": IMMEDIATE_TASK_BACKEND},
}
WAGTAILCLIENTPORTAL_TASK_BACKEND = "clientportal"

WAGTAIL_SITE_NAME = "Kancelaria Nowak i Wspólnicy"
SANDBOX_PORT = os.environ.get("SANDBOX_PORT") or "8000"
WAGTAILADMIN_BASE_URL = os.environ.get("SANDBOX_BASE_URL") or f"http://127.0.0.1:{SANDBOX_PORT}"
# Passkeys: WebAuthn refuses IP addresses as its relying party, so in the demo they work
# at http://localhost:<port> (a secure context like 127.0.0.1), not at 127.0.0.1.
OTP_WEBAUTHN_RP_ID = "localhost"
OTP_WEBAUTHN_RP_NAME = "Kancelaria Nowak i Wspólnicy"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"http://localhost:{SANDBOX_PORT}"]
WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = os.environ.get("SANDBOX_PASSKEY_LOGIN", "1") == "1"
# Offline machines: no avatar requests to Gravatar, no check for a newer Wagtail.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "rtf", "txt", "xlsx", "zip"]

# Versions, invoices and settlements live here, outside MEDIA_ROOT: no public URL at all.
WAGTAILCLIENTPORTAL_PRIVATE_ROOT = BASE_DIR / "private"
WAGTAILCLIENTPORTAL_FIRM_NAME = "Kancelaria Nowak i Wspólnicy"
# Payment details and the Polish payment QR code on unpaid invoices (a test number).
WAGTAILCLIENTPORTAL_FIRM_BANK_ACCOUNT = "PL61 1090 1014 0000 0712 1981 2874"
WAGTAILCLIENTPORTAL_FIRM_NIP = "5260250274"
