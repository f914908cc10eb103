"""The WSGI application the HTTP download bench starts under gunicorn: the test project,
with the previous (unrecorded) download stream when ``BENCH_STREAM=previous``; else
recorded, the hash in the sending thread (``inline``) or on the pool (``pool``)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

if os.environ.get("BENCH_STREAM") == "previous":
    import _previous_stream  # noqa: E402 (bench/ is gunicorn's --chdir)

    _previous_stream.install()
else:
    from django.conf import settings  # noqa: E402

    settings.WAGTAILCLIENTPORTAL_HASH_THREADS = 2 if os.environ["BENCH_STREAM"] == "pool" else 0
