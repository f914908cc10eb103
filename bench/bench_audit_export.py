"""The audit ZIP of a portal with 10,000 shares and 100,000 access events: time and memory.

    .venv/bin/python bench/bench_audit_export.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python bench/bench_audit_export.py

Peak memory is measured with ``tracemalloc`` around consuming the stream (the ZIP's
bytes are counted and dropped, as a streaming response would send them), next to
the same export of a portal with a tenth of the rows (the baseline, same run):
bounded memory means the two peaks are close while the sizes differ tenfold. Last,
the big portal's ZIP built the way a task builds it (``audit_export_jobs.build``,
into a temporary file, then the private storage), and the client's ZIP
(``client_audit_export``) over both portals and a third one deleted after its
shares and events were written (its history kept, SET_NULL).
"""

import time
import tracemalloc

import _harness

_harness.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def main():
    with _harness.test_database():
        run()


def fill(portal, shares, events, admin):
    from django.utils import timezone
    from wagtail.documents import get_document_model

    from wagtail_clientportal.models import AccessEvent, Share

    Document = get_document_model()
    docs = Document.objects.bulk_create(
        [Document(title=f"Dokument {portal.pk}-{i}", file=f"d{i}.pdf") for i in range(shares)],
        batch_size=1000,
    )
    now = timezone.now()
    rows = Share.objects.bulk_create(
        [
            Share(portal=portal, document=d, shared_by=admin, shared_at=now, portal_name="P")
            for d in docs
        ],
        batch_size=1000,
    )
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                share=rows[i % shares],
                action="download",
                user_email=f"osoba{i % 200}@klient.pl",
                user_name="Żaneta Łukasiewicz",
                client_name="Klient",
                portal_name="P",
                item_kind="document",
                item_title=f"Dokument {i % shares}",
                ip_address="192.0.2.1",
            )
            for i in range(events)
        ],
        batch_size=2000,
    )


def measure(admin, portal=None, client=None):
    from wagtail_clientportal.services import audit_export, client_audit_export

    tracemalloc.start()
    start = time.perf_counter()
    if client is not None:
        stream = client_audit_export.client_audit_zip(admin, client)
    else:
        stream = audit_export.portal_audit_zip(admin, portal)
    size = sum(len(chunk) for chunk in stream)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, size


def run():
    from django.contrib.auth import get_user_model

    from wagtail_clientportal import services
    from wagtail_clientportal.models import Client, Portal

    call_command("migrate", verbosity=0)
    admin = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    client = Client.objects.create(name="Klient")
    small = Portal.objects.create(client=client, name="Mały")
    big = Portal.objects.create(client=client, name="Duży")
    fill(small, 1_000, 10_000, admin)
    fill(big, 10_000, 100_000, admin)
    print(f"database: {connection.vendor}")
    peaks = []
    for label, portal in (("1,000 shares / 10,000 events", small), ("10,000 / 100,000", big)):
        elapsed, peak, size = measure(admin, portal)
        peaks.append(peak)
        print(f"{label}: {elapsed:.2f} s, peak {peak / 2**20:.1f} MiB, ZIP {size / 2**20:.1f} MiB")
    print(f"peak memory, 10x the rows: x{peaks[1] / peaks[0]:.2f} of the baseline")
    # The same big portal through the task (written to a temporary file, then storage).
    from wagtail_clientportal.models import AuditExport
    from wagtail_clientportal.services import audit_export_jobs

    export = AuditExport.objects.create(
        requested_by=admin, scope="portal", object_id=big.pk, object_name=big.name
    )
    tracemalloc.start()
    start = time.perf_counter()
    audit_export_jobs.build(export.pk)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    export.refresh_from_db()
    print(
        f"10,000 / 100,000 by the task ({export.status}, {export.rows_done:,} rows): "
        f"{elapsed:.2f} s, peak {peak / 2**20:.1f} MiB, ZIP {export.size / 2**20:.1f} MiB"
    )
    gone = Portal.objects.create(client=client, name="Usunięty")
    fill(gone, 1_000, 10_000, admin)
    services.delete_portal(admin, gone)
    elapsed, peak, size = measure(admin, client=client)
    print(
        f"client ZIP, 3 portals (1 deleted), 12,000 shares / 120,000 events: {elapsed:.2f} s, "
        f"peak {peak / 2**20:.1f} MiB, ZIP {size / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
