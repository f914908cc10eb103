"""Portal download throughput with the delivery record (SHA-256 while streaming) versus
the previous code path (a plain generator, nothing hashed or recorded), in the same run.

    .venv/bin/python bench/bench_downloads.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_downloads.py

Each case is a full request through the Django test client (rule 9 checks, the access
event, the stream read to its end) of one file; best of several runs. No socket: the
test client's "sending" is a loop over the chunks in this thread, so the previous path
is a file read (a memcpy) and the hashing, which runs beside the sending in a real
server (services/stream_hash.py), has almost nothing here to hide behind. What a
portal download costs over HTTP: bench_downloads_http.py (gunicorn). Target: the
ratio recorded / previous at or above 0.9 (README, "Proof of delivery").
"""

import os
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = "sqlite://:memory:"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from _previous_stream import previous_iter  # noqa: E402


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run():
    import tempfile

    from django.core.files.base import ContentFile
    from django.test import Client as TestClient
    from django.test import override_settings

    from tests.conftest import otp_login
    from tests.factories import DocumentFactory, PortalFactory, PortalUserFactory, UserFactory
    from wagtail_clientportal import services
    from wagtail_clientportal.models import DeliveryEvent
    from wagtail_clientportal.portal.views import downloads
    from wagtail_clientportal.services import stream_hash

    call_command("migrate", verbosity=0)
    media = tempfile.mkdtemp()
    with override_settings(MEDIA_ROOT=media, ALLOWED_HOSTS=["*"]):
        admin = UserFactory(username="bench@example.com", is_superuser=True)
        portal = PortalFactory()
        member = PortalUserFactory(client=portal.client, portals=[portal])
        client = TestClient()
        otp_login(client, member.user)
        for size_mb, repeat in ((32, 5), (1, 40)):
            body = os.urandom(size_mb * 1024 * 1024)
            doc = DocumentFactory(file=ContentFile(body, name=f"bench{size_mb}.pdf"))
            [share] = services.share_items(admin, [portal], [doc]).created
            url = f"/portal/p/{portal.pk}/file/{share.pk}/"

            def fetch(url=url, repeat=repeat, body=body):
                for _ in range(repeat):
                    response = client.get(url)
                    assert sum(len(c) for c in response.streaming_content) == len(body)

            def previous(fetch=fetch):
                with mock.patch.object(
                    downloads, "_iter", lambda h, s, n, tracker=None: previous_iter(h, s, n)
                ):
                    fetch()

            def inline(fetch=fetch):
                # The record, the hash computed in the sending thread.
                with override_settings(WAGTAILCLIENTPORTAL_HASH_THREADS=0):
                    fetch()

            def pool(fetch=fetch):
                # The record, the hash on the per-process pool (services/stream_hash.py).
                with override_settings(WAGTAILCLIENTPORTAL_HASH_THREADS=2):
                    fetch()

            results, cpu = {}, {}
            cases = (("previous", previous), ("inline", inline), ("pool", pool))
            for name, fn in cases * 3:
                start, used = time.perf_counter(), time.process_time()
                fn()
                elapsed = time.perf_counter() - start
                results[name] = min(results.get(name, float("inf")), elapsed)
                cpu[name] = min(cpu.get(name, float("inf")), time.process_time() - used)
            mb = size_mb * repeat
            prev, inl, on_pool = (mb / results[k] for k in ("previous", "inline", "pool"))
            print(
                f"{size_mb:>3} MiB × {repeat:<3} previous {prev:7.1f} MiB/s   recorded, "
                f"hash inline {inl:7.1f} MiB/s (ratio {inl / prev:.2f}), "
                f"on the pool {on_pool:7.1f} MiB/s (ratio {on_pool / prev:.2f})"
            )
            ms = {k: cpu[k] / repeat * 1000 for k in cpu}
            print(
                f"{'':16}CPU per download (all threads): previous {ms['previous']:6.1f} ms, "
                f"inline {ms['inline']:6.1f} ms (ratio {ms['previous'] / ms['inline']:.2f}), "
                f"pool {ms['pool']:6.1f} ms (ratio {ms['previous'] / ms['pool']:.2f})"
            )
        print(f"default here: {stream_hash.workers()} hashing threads (0: inline)")
        record_cost(share, member)
        print(f"delivery records written: {DeliveryEvent.objects.count()}")


def record_cost(share, member, n=200):
    """What the record alone costs per download: a tracker over a 100-byte stream and its
    chained insert (the transaction, the head of the chain, the hash of the record)."""
    from django.test import RequestFactory

    from wagtail_clientportal.services import delivery

    request = RequestFactory().get("/")

    def one():
        tracker = delivery.DeliveryTracker.for_request(
            request,
            share,
            member,
            kind="download",
            file_size=100,
            start=0,
            length=100,
            ranged=False,
        )
        tracker.update(b"x" * 100)
        assert tracker.finish() is not None

    for _ in range(20):
        one()
    start = time.perf_counter()
    for _ in range(n):
        one()
    per_record = (time.perf_counter() - start) / n * 1000
    print(f"one delivery record (tracker, chained insert): {per_record:.2f} ms")


if __name__ == "__main__":
    main()
