"""What every bench script does first: the test project's settings on an in-memory
SQLite database unless ``DATABASE_URL`` says otherwise, a throw-away test database,
and a best-of-N timer. Imported by the scripts (``bench/`` is on ``sys.path`` when a
script runs); call ``setup()`` before importing anything from Django.
"""

import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = "sqlite://:memory:"
    import django

    django.setup()


@contextlib.contextmanager
def test_database():
    """A fresh test database for the run, destroyed afterwards (as pytest-django does)."""
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def timed(fn, repeat: int = 3) -> float:
    """The best of ``repeat`` runs of ``fn()``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def analyze() -> None:
    """Fresh planner statistics after a bulk insert, as autovacuum keeps them on a live
    database: without them PostgreSQL plans 100,000 new rows as if the table were empty."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def process_cpu(pid, children: bool = False) -> float | None:
    """CPU seconds a process has used so far, from ``/proc/<pid>/stat`` (user + system;
    with ``children``, also its reaped children's, so that a recycled worker's CPU is not
    lost), or ``None`` if it has ended or is not on this machine."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # the command may hold spaces
    except OSError:
        return None
    ticks = fields[11:15] if children else fields[11:13]
    return sum(int(value) for value in ticks) / os.sysconf("SC_CLK_TCK")
