"""A person's RODO export, their erasure and the retention command at 10,000 and 100,000 rows.

    .venv/bin/python bench/bench_rodo.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_rodo.py

Each is measured at n and 10 n access events of one person, in the same run: the
export's peak memory (``tracemalloc``, the stream consumed and dropped) should stay
flat, the erasure's and retention's statement counts flat too (set-based: the
retention deletes 1,000 rows per statement, so its count grows by n / 1,000 only).
"""

import time
import tracemalloc

import _harness

_harness.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main():
    with _harness.test_database():
        run()


def person_with(events: int, client, portal, tag: str, at):
    from django.contrib.auth import get_user_model
    from wagtail.documents import get_document_model

    from wagtail_clientportal.models import AccessEvent, PortalUser, Share

    login = get_user_model().objects.create(username=f"{tag}@klient.pl", email=f"{tag}@klient.pl")
    person = PortalUser.objects.create(
        user=login, client=client, first_name="Żaneta", last_name=tag
    )
    person.portals.add(portal)
    doc = get_document_model().objects.create(title=f"Dokument {tag}", file="d.pdf")
    share = Share.objects.create(portal=portal, document=doc, portal_name=portal.name)
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                share=share,
                portal_user=person,
                user=login,
                action="download",
                at=at,
                user_email=login.email,
                user_name=f"Żaneta {tag}",
                client_name=client.name,
                portal_name=portal.name,
                item_kind="document",
                item_title=doc.title,
                ip_address="192.0.2.1",
            )
            for _ in range(events)
        ],
        batch_size=2000,
    )
    return person


def run():
    import datetime

    from django.contrib.auth import get_user_model
    from django.test.utils import override_settings
    from django.utils import timezone

    from wagtail_clientportal.models import Client, Portal
    from wagtail_clientportal.services import erasure, person_export, retention

    call_command("migrate", verbosity=0)
    dpo = get_user_model().objects.create_superuser("iod", "iod@example.com", "x")
    client = Client.objects.create(name="Klient")
    portal = Portal.objects.create(client=client, name="Dokumenty")
    print(f"database: {connection.vendor}")
    old = timezone.now() - datetime.timedelta(days=800)
    for n in (10_000, 100_000):
        person = person_with(n, client, portal, f"p{n}", timezone.now())
        tracemalloc.start()
        start = time.perf_counter()
        size = sum(len(c) for c in person_export.person_export_zip(dpo, person))
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"export, {n:,} events: {elapsed:.2f} s, peak {peak / 2**20:.1f} MiB, "
            f"ZIP {size / 2**10:.0f} KiB"
        )
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            erasure.erase_person(dpo, person)
        print(
            f"erase, {n:,} events: {time.perf_counter() - start:.2f} s, {len(queries)} statements"
        )
        person_with(n, client, portal, f"r{n}", old)
        start = time.perf_counter()
        with override_settings(WAGTAILCLIENTPORTAL_RETENTION_ACCESS_EVENTS_DAYS=365):
            with CaptureQueriesContext(connection) as queries:
                [access, *_] = retention.enforce(dry_run=False)
        print(
            f"retention, {access.count:,} old events: {time.perf_counter() - start:.2f} s, "
            f"{len(queries)} statements"
        )


if __name__ == "__main__":
    main()
