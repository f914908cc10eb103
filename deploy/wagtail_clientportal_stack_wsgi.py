"""The WSGI entry point gunicorn loads for the reference stack."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deploy.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
