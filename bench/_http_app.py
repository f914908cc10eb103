"""The WSGI application the HTTP download bench starts under gunicorn: the test project,
with the previous (unrecorded) download stream when ``BENCH_STREAM=previous``, the hash
computed in the sending thread (no pool) when ``BENCH_STREAM=inline``."""

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
elif os.environ.get("BENCH_STREAM") == "inline":
    from wagtail_clientportal.services import stream_hash  # noqa: E402

    stream_hash.THREADED_MIN = float("inf")
