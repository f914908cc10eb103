"""gunicorn behind nginx: sync workers (nginx buffers slow clients and sends the files)."""

import os

bind = os.environ.get("CLIENTPORTAL_GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("CLIENTPORTAL_GUNICORN_WORKERS", "4"))
worker_class = "sync"
# A request that hangs is killed and logged instead of holding a worker for ever.
timeout = 30
graceful_timeout = 10
# Recycle workers now and then (a leak in any library cannot grow without bound).
max_requests = 2000
max_requests_jitter = 200
# Django and Wagtail are imported once, in the master, and every worker is forked from
# it: a worker recycled by max_requests starts at once instead of spending about 1.4 s
# of CPU importing them again while its requests wait. Nothing opens a database
# connection at import (when_ready below checks); each worker opens its own, and
# redis-py's pool starts afresh in a forked process. A new release of the code needs a
# restart of gunicorn, not a HUP.
preload_app = True

# Only nginx on this machine talks to gunicorn; the X-Forwarded-* it sets are trusted.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-" if os.environ.get("CLIENTPORTAL_GUNICORN_ACCESSLOG") else None
errorlog = "-"
# gunicorn 25+: its control socket next to the other run files, not in $HOME.
control_socket = os.environ.get("CLIENTPORTAL_GUNICORN_CONTROL", "gunicorn.ctl")


def when_ready(server):
    """Refuse to fork workers that would share the master's database connection."""
    from django.db import connections

    shared = [c.alias for c in connections.all(initialized_only=True) if c.connection]
    if shared:
        raise RuntimeError(f"database connections opened before fork: {shared}")
