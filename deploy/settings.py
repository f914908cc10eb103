"""Settings of the reference stack: the sandbox site as production would run it.

What changes against the zero-setup default (SQLite, local memory, tasks inline):
PostgreSQL, Redis for throttling and sessions, the outbox on django-tasks-db's
workers, files handed to nginx after the check, the client address from nginx.
Every path and address comes from the environment that deploy/stack.py sets.
"""

import os

from sandbox.settings import *  # noqa: F403
from sandbox.settings import INSTALLED_APPS

env = os.environ

DEBUG = False
SECRET_KEY = env["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost", *env.get("CLIENTPORTAL_ALLOWED_HOSTS", "").split()]
CSRF_TRUSTED_ORIGINS = [env["CLIENTPORTAL_PUBLIC_URL"]]
WAGTAILADMIN_BASE_URL = env["CLIENTPORTAL_PUBLIC_URL"]

import dj_database_url  # noqa: E402

DATABASES = {"default": dj_database_url.parse(env["DATABASE_URL"], conn_max_age=60)}
# Parameters bound by the server, and each statement a connection repeats (every request
# runs the same few) prepared after its second run: PostgreSQL then plans it once per
# connection, not per request; planning was most of its CPU for a download's reads.
# Not behind PgBouncer in transaction mode (prepared statements live in one session);
# restart the workers after a migration, as with any deploy.
# (Added to what DATABASE_URL sets there, such as sslmode.)
DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.postgres", "django_tasks_db"]
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))

# One Redis shared by every process: login throttling must count across workers.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.get("CLIENTPORTAL_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "KEY_PREFIX": env.get("CLIENTPORTAL_REDIS_PREFIX", "clientportal"),
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

# Wagtail's own tasks stay inline; the outbox goes to the database workers (db_worker).
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "clientportal": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
WAGTAILCLIENTPORTAL_TASK_BACKEND = "clientportal"
WAGTAILCLIENTPORTAL_NOTIFY_STUCK_AFTER = int(env.get("CLIENTPORTAL_STUCK_AFTER", 15 * 60))

MAILERS = {
    "default": {"BACKEND": env.get("CLIENTPORTAL_MAIL_BACKEND", "deploy.mail.CaptureBackend")}
}

MEDIA_ROOT = env["CLIENTPORTAL_MEDIA_ROOT"]
STATIC_ROOT = env["CLIENTPORTAL_STATIC_ROOT"]
WAGTAILCLIENTPORTAL_PRIVATE_ROOT = env["CLIENTPORTAL_PRIVATE_ROOT"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# Files leave through nginx after the check (deploy/nginx.conf, "internal" locations).
WAGTAILCLIENTPORTAL_SERVE_METHOD = env.get("CLIENTPORTAL_SERVE_METHOD", "x-accel-redirect")
WAGTAILCLIENTPORTAL_X_ACCEL_LOCATIONS = {
    WAGTAILCLIENTPORTAL_PRIVATE_ROOT: "/_protected/private/",
    MEDIA_ROOT: "/_protected/media/",
}

# nginx replaces X-Forwarded-For with the address it saw: one trusted proxy.
WAGTAILCLIENTPORTAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
WAGTAILCLIENTPORTAL_TRUSTED_PROXIES = 1
# The load test's 50 users share one address: raise the per-address login limit there only.
WAGTAILCLIENTPORTAL_LOGIN_IP_LIMIT = int(env.get("CLIENTPORTAL_LOGIN_IP_LIMIT", 20))

LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
