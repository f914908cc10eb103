"""Settings of the test project: a minimal Wagtail host with a custom document model."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "tests.testapp",
    "wagtail_clientportal",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_otp",
    "django_otp.plugins.otp_email",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",  # the production worker, run for real on PostgreSQL
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail_clientportal.context_processors.firm",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'test.sqlite3'}", conn_max_age=0
    )
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", "Polski"), ("en", "English")]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static-collected"
MEDIA_ROOT = Path(
    os.environ.get("CLIENTPORTAL_TEST_MEDIA", "/tmp/wagtail-clientportal-tests/media")
)
MEDIA_URL = "/media/"
WAGTAILCLIENTPORTAL_PRIVATE_ROOT = MEDIA_ROOT.parent / "private"

WAGTAIL_SITE_NAME = "Test"
WAGTAILADMIN_BASE_URL = "http://testserver"
WAGTAILDOCS_DOCUMENT_MODEL = "testapp.CaseDocument"

MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

# As a real host should have them: the portal's password forms refuse "1234" (checks W003).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Passkeys (django-otp-webauthn). WebAuthn needs a secure context and a domain as the
# relying party: "localhost" (pytest-django's live server runs at http://localhost:<port>;
# the browser tests put that origin in ALLOWED_ORIGINS, the other tests' software
# authenticator answers for this one).
OTP_WEBAUTHN_RP_ID = "localhost"
OTP_WEBAUTHN_RP_NAME = "Test"
OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://localhost:8000"]
