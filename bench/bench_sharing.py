"""Sharing and listing at the scale DESIGN names, as ratios against baselines in the same run.

    .venv/bin/python bench/bench_sharing.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_sharing.py

1. ``share_items`` of 1,000 documents onto one portal versus the naive baseline
   (one ``Share.objects.create`` per item in one transaction): the service's
   bulk path should be several times faster, in a bounded number of queries.
2. Reading the newest page (50) of active shares on a portal holding 10,000
   shares versus one holding 100: the ratio shows the listing does not grow
   with the portal (the partial index on (portal, -shared_at) serves it).
"""

import _harness

_harness.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

timed = _harness.timed


def main():
    with _harness.test_database():
        run()


def run():
    from django.contrib.auth import get_user_model
    from wagtail.documents import get_document_model

    from wagtail_clientportal import services
    from wagtail_clientportal.models import Client, Portal, Share

    call_command("migrate", verbosity=0)
    admin = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    client = Client.objects.create(name="Bench")
    Document = get_document_model()
    docs = Document.objects.bulk_create(
        [Document(title=f"Dokument {i}", file=f"documents/d{i}.pdf") for i in range(10_000)]
    )
    n = 1_000

    def fresh_portal(name):
        return Portal.objects.create(client=client, name=name)

    counter = iter(range(10**6))

    def naive():
        portal = fresh_portal(f"naive-{next(counter)}")
        with transaction.atomic():
            for doc in docs[:n]:
                Share.objects.create(portal=portal, document=doc, shared_by=admin)

    def service():
        portal = fresh_portal(f"service-{next(counter)}")
        services.share_items(admin, [portal], docs[:n])

    t_naive, t_service = timed(naive), timed(service)
    probe = fresh_portal("probe")
    with CaptureQueriesContext(connection) as ctx:
        services.share_items(admin, [probe], docs[:n])
    print(f"{connection.vendor}: share {n} documents onto one portal")
    print(f"  naive create() loop {t_naive * 1000:8.1f} ms")
    print(
        f"  services.share_items {t_service * 1000:8.1f} ms  "
        f"({t_naive / t_service:.1f}x faster, {len(ctx.captured_queries)} queries)"
    )

    big, small = fresh_portal("big"), fresh_portal("small")
    services.share_items(admin, [big], docs)
    services.share_items(admin, [small], docs[:100])

    def page(portal):
        return lambda: list(
            Share.objects.filter(portal=portal).active().select_related("document")[:50]
        )

    t_small, t_big = timed(page(small), 20), timed(page(big), 20)
    print("newest 50 active shares of a portal")
    print(f"  portal with    100 shares {t_small * 1000:6.2f} ms")
    print(f"  portal with 10,000 shares {t_big * 1000:6.2f} ms  (ratio {t_big / t_small:.2f})")


if __name__ == "__main__":
    main()
