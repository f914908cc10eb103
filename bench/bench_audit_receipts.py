"""The audit ZIP's receipts/ and files/: time per receipt, and memory bounded by a chunk.

    .venv/bin/python bench/bench_audit_receipts.py          # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python bench/bench_audit_receipts.py

Each run measures against a baseline of the same run: the ZIP of a portal with 50
share × person pairs against one with 500 (JSON receipts only, so the ratio is the
cost of a pair), 50 pairs with their PDFs (what ``AUDIT_EXPORT_RECEIPT_PDFS`` bounds),
and the delivered files (``files=True``) of 10 files of 1 MiB against 10 of 8 MiB:
the peak memory (``tracemalloc``) stays the same while the ZIP grows eightfold.
"""

import os
import tempfile
import time
import tracemalloc

import _harness

_harness.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402


def main():
    media = tempfile.mkdtemp(prefix="bench-receipts-")
    try:
        with (
            _harness.test_database(),
            override_settings(MEDIA_ROOT=media, WAGTAILCLIENTPORTAL_PRIVATE_ROOT=media),
        ):
            run()
    finally:
        import shutil

        shutil.rmtree(media, ignore_errors=True)


def portal_with(client, name, admin, *, pairs, file_size=1024):
    """A portal with ``pairs`` share × person pairs, each with one complete download."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone
    from wagtail.documents import get_document_model

    from wagtail_clientportal.models import Portal, Share
    from wagtail_clientportal.services import delivery
    from wagtail_clientportal.test_utils import PortalUserFactory

    Document = get_document_model()
    portal = Portal.objects.create(client=client, name=name)
    people = [
        PortalUserFactory(client=client, portals=[portal], first_name="Żaneta") for _ in range(5)
    ]
    shares = []
    content = os.urandom(file_size)
    for i in range(max(1, pairs // len(people))):
        doc = Document.objects.create(
            title=f"Dokument {name} {i}", file=ContentFile(content, name=f"d{i}.bin")
        )
        shares.append(Share.objects.create(portal=portal, document=doc, shared_by=admin))
    sha = hashlib.sha256(content).hexdigest()
    now = timezone.now()
    for n in range(pairs):
        share, person = shares[n // len(people) % len(shares)], people[n % len(people)]
        delivery._append(
            share,
            person,
            kind="download",
            status="complete",
            at=now,
            finished_at=now,
            file_size=file_size,
            bytes_sent=file_size,
            sha256=sha,
            ip_address="192.0.2.1",
            user_agent="bench",
        )
    return portal


def measure(admin, portal, *, files=False, trace=True):
    """Time, peak traced memory and ZIP size; ``trace=False``: time only (``tracemalloc``
    slows pure-Python code such as fpdf2's font subsetting several times over)."""
    from wagtail_clientportal.services import audit_export

    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    size = sum(len(c) for c in audit_export.portal_audit_zip(admin, portal, files=files))
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    return elapsed, peak, size


def show(label, result):
    elapsed, peak, size = result
    print(f"{label}: {elapsed:.2f} s, peak {peak / 2**20:.1f} MiB, ZIP {size / 2**20:.1f} MiB")


def run():
    from django.contrib.auth import get_user_model

    from wagtail_clientportal.models import Client

    call_command("migrate", verbosity=0)
    admin = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    client = Client.objects.create(name="Klient")
    print(f"database: {connection.vendor}")
    small = portal_with(client, "p50", admin, pairs=50)
    big = portal_with(client, "p500", admin, pairs=500)
    with override_settings(WAGTAILCLIENTPORTAL_AUDIT_EXPORT_RECEIPT_PDFS=0):
        base = measure(admin, small)
        show("50 pairs, JSON receipts only (baseline)", base)
        tenfold = measure(admin, big)
        show("500 pairs, JSON receipts only", tenfold)
    print(f"  time x{tenfold[0] / base[0]:.2f}, peak memory x{tenfold[1] / base[1]:.2f}")
    with override_settings(WAGTAILCLIENTPORTAL_AUDIT_EXPORT_RECEIPT_PDFS=0):
        plain = measure(admin, small, trace=False)
    with override_settings(WAGTAILCLIENTPORTAL_AUDIT_EXPORT_RECEIPT_PDFS=20):
        pdfs = measure(admin, small, trace=False)
        traced = measure(admin, small)
    print(f"50 pairs, JSON only, untraced: {plain[0]:.2f} s")
    print(f"50 pairs with 20 PDFs, untraced: {pdfs[0]:.2f} s, ZIP {pdfs[2] / 2**20:.1f} MiB")
    print(f"  one PDF: {(pdfs[0] - plain[0]) / 20 * 1000:.0f} ms")
    show("50 pairs with 20 PDFs, traced", traced)
    with override_settings(WAGTAILCLIENTPORTAL_AUDIT_EXPORT_RECEIPT_PDFS=0):
        ones = portal_with(client, "f1", admin, pairs=50, file_size=2**20)
        one = measure(admin, ones, files=True)
        show("10 files of 1 MiB (files=True, baseline)", one)
        eight = measure(
            admin, portal_with(client, "f8", admin, pairs=50, file_size=8 * 2**20), files=True
        )
        show("10 files of 8 MiB", eight)
    print(f"  ZIP x{eight[2] / one[2]:.1f}, peak memory x{eight[1] / one[1]:.2f}")


if __name__ == "__main__":
    main()
