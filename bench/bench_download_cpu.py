"""CPU time and database round trips of one small portal download, against Wagtail's own
document serve view in the same run: a measure that machine load does not move much.

    .venv/bin/python bench/bench_download_cpu.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python bench/bench_download_cpu.py        # PostgreSQL (test_bench)

A 20 KiB file, fetched N times through the Django test client (every middleware, the
guard, rule 9, the access event and the chained delivery record; the body read to its
end), with ``WAGTAILCLIENTPORTAL_SERVE_METHOD`` set to ``"stream"`` and to
``"x-accel-redirect"`` (the offload: nginx would send the bytes); the baseline is the
same bytes as a public, unshared Wagtail document through ``wagtaildocs_serve`` with
``WAGTAILDOCS_SERVE_METHOD = "serve_view"``, fetched by the same logged-in client, and
the same bytes in a collection Wagtail shows to logged-in people only (what Wagtail
itself does to keep a file private: its view then also reads the restriction's
collection and checks the login).
``time.process_time()`` (CPU of this process, all threads) over N requests, best of
several rounds, rounds alternating between the cases; round trips of one request by
``CaptureQueriesContext``. On PostgreSQL also the database's CPU per request: its
backend process's time from ``/proc`` (the server runs on this machine), where the
writes of the delivery records show. One database connection for the run, as the stack keeps
them (deploy/settings.py, ``conn_max_age``) and as Django's test cases do: the test
settings' ``conn_max_age=0`` would otherwise open a new connection per request and
make connecting the largest cost of every case (asserted after the run). Sessions
stay in the database (the test settings; the stack keeps them in Redis). On PostgreSQL
the stack's connection options too: parameters bound by the server and every repeated
statement prepared (deploy/settings.py). Wall-clock
req/s under load: bench_load.py (the stack).
The test client's own work is in every case alike; a real server adds its own.
"""

import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as TestClient  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

SIZE = 20 * 1024
N = int(os.environ.get("BENCH_N", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def _fetch(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if response.streaming:
        b"".join(response.streaming_content)
    response.close()


def main():
    from django.core.management import call_command

    with _harness.test_database():
        call_command("migrate", verbosity=0)
        # A persistent connection, as the stack's (deploy/settings.py): Django's test client
        # reconnects ``close_old_connections`` around every request, so disconnecting that
        # signal is not enough; with no age limit the handler keeps the connection open.
        connection.settings_dict["CONN_MAX_AGE"] = None
        if connection.vendor == "postgresql":
            # The stack's options (deploy/settings.py): each repeated statement prepared.
            options = connection.settings_dict.setdefault("OPTIONS", {})
            options.update(server_side_binding=True, prepare_threshold=2)
        connection.close()
        run()


def run():
    media = tempfile.mkdtemp(prefix="clientportal-bench-cpu-")
    try:
        measure(media)
    finally:
        shutil.rmtree(media, ignore_errors=True)


def backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (``/proc``), or
    ``None`` (SQLite, or a server elsewhere)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return _harness.process_cpu(pid)


def measure(media):
    from deploy.seed import login_collection
    from tests.conftest import otp_login
    from tests.factories import DocumentFactory, PortalFactory, PortalUserFactory, UserFactory
    from wagtail_clientportal import services

    body = os.urandom(SIZE)
    with override_settings(MEDIA_ROOT=media, WAGTAILDOCS_SERVE_METHOD="serve_view"):
        admin = UserFactory(username="bench@example.com", is_superuser=True)
        portal = PortalFactory()
        member = PortalUserFactory(client=portal.client, portals=[portal])
        shared = DocumentFactory(file=ContentFile(body, name="shared.pdf"))
        [share] = services.share_items(admin, [portal], [shared]).created
        public = DocumentFactory(file=ContentFile(body, name="public.pdf"))
        closed = DocumentFactory(
            file=ContentFile(body, name="closed.pdf"), collection=login_collection()
        )
        client = TestClient()
        otp_login(client, member.user)
        portal_url = reverse("wagtail_clientportal:download", args=[portal.pk, share.pk])
        wagtail_url = reverse("wagtaildocs_serve", args=[public.pk, public.filename])
        closed_url = reverse("wagtaildocs_serve", args=[closed.pk, closed.filename])
        stream = override_settings(WAGTAILCLIENTPORTAL_SERVE_METHOD="stream")
        xaccel = override_settings(
            WAGTAILCLIENTPORTAL_SERVE_METHOD="x-accel-redirect",
            WAGTAILCLIENTPORTAL_X_ACCEL_LOCATIONS={media: "/_protected/"},
        )
        cases = {
            "Wagtail serve view": (wagtail_url, override_settings()),
            "Wagtail, logged-in only": (closed_url, override_settings()),
            "portal, stream": (portal_url, stream),
            "portal, x-accel-redirect": (portal_url, xaccel),
        }
        queries, cpu, db_cpu = {}, {}, {}
        for name, (url, settings) in cases.items():
            with settings:
                for _ in range(20):  # warm up: imports, caches, the stored file's hash
                    _fetch(client, url)
                with CaptureQueriesContext(connection) as captured:
                    _fetch(client, url)
                queries[name] = len(captured)
        one_connection = connection.connection
        for _ in range(ROUNDS):
            for name, (url, settings) in cases.items():
                with settings:
                    used, db_used = time.process_time(), backend_cpu()
                    for _ in range(N):
                        _fetch(client, url)
                    per = (time.process_time() - used) / N * 1000
                    if db_used is not None:
                        db_per = (backend_cpu() - db_used) / N * 1000
                        db_cpu[name] = min(db_cpu.get(name, float("inf")), db_per)
                cpu[name] = min(cpu.get(name, float("inf")), per)
        assert connection.connection is one_connection, "the database was reconnected"
        base = cpu["Wagtail serve view"]
        vendor = connection.vendor
        print(f"{SIZE // 1024} KiB, {N} requests × best of {ROUNDS} rounds, {vendor}")
        for name in cases:
            database = f"  database {db_cpu[name]:5.2f} ms" if name in db_cpu else ""
            print(
                f"  {name:<26} {cpu[name]:6.2f} ms CPU/request  {queries[name]:3d} round trips"
                f"  Wagtail/this {base / cpu[name]:.2f}×{database}"
            )


if __name__ == "__main__":
    main()
