"""Issue 5 at scale: 1,000 items shared onto a portal with 200 users (not a timed test).

    .venv/bin/python bench/bench_notifications.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python bench/bench_notifications.py

Reports the time and SQL queries of the sharing request (the transaction that
writes shares and the outbox), then of the delivery task, and the number of
provider calls and messages, through django-anymail's test backend.
"""

import time

import _harness

_harness.setup()

from django.core import mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
)

from wagtail_clientportal.compat import DUMMY_TASK_BACKEND  # noqa: E402

ITEMS, USERS = 1_000, 200


def main():
    with _harness.test_database():
        with override_settings(
            MAILERS={"default": {"BACKEND": "anymail.backends.test.EmailBackend"}},
            TASKS={"default": {"BACKEND": DUMMY_TASK_BACKEND}},
        ):
            run()


def run():
    from anymail.signals import pre_send
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from wagtail.documents import get_document_model

    from wagtail_clientportal import services
    from wagtail_clientportal.models import Client, Notification, Portal, PortalUser
    from wagtail_clientportal.notifications import delivery

    User = get_user_model()
    admin = User.objects.create_superuser("bench", "bench@example.com", "x")
    client = Client.objects.create(name="Bench")
    portal = Portal.objects.create(client=client, name="Dokumenty")
    logins = User.objects.bulk_create(
        [User(username=f"u{i}@klient.pl", email=f"u{i}@klient.pl") for i in range(USERS)]
    )
    members = PortalUser.objects.bulk_create(
        [
            PortalUser(
                user=u, client=client, first_name="A", last_name=str(i), activated_at=timezone.now()
            )
            for i, u in enumerate(logins)
        ]
    )
    portal.portal_users.add(*members)
    Document = get_document_model()
    docs = Document.objects.bulk_create(
        [Document(title=f"Dokument {i}", file=f"documents/d{i}.pdf") for i in range(ITEMS)]
    )

    # The DummyBackend keeps the enqueued task: the request and delivery are measured apart.
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as share_q:
        services.share_items(admin, [portal], docs)
    t_share = time.perf_counter() - start

    provider_calls = []
    pre_send.connect(lambda **kw: provider_calls.append(1), weak=False)
    mail.outbox = []
    ids = list(Notification.objects.values_list("pk", flat=True))
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as send_q:
        report = delivery.deliver(ids)
    t_send = time.perf_counter() - start

    print(f"{connection.vendor}: share {ITEMS} items onto a portal with {USERS} users")
    print(
        f"  sharing request   {t_share * 1000:8.1f} ms, {len(share_q)} queries, "
        f"{len(ids)} notifications written"
    )
    print(
        f"  delivery task     {t_send * 1000:8.1f} ms, {len(send_q)} queries, "
        f"{report.provider_calls} send_messages() call(s), "
        f"{len(provider_calls)} provider API calls "
        f"(anymail sends one per message), {len(mail.outbox)} messages, "
        f"{len(report.sent)} marked sent"
    )

    # The same action with django-anymail batch sending (merge_data) turned on.
    portal2 = Portal.objects.create(client=client, name="Faktury")
    portal2.portal_users.add(*members)
    provider_calls.clear()
    mail.outbox = []
    with override_settings(WAGTAILCLIENTPORTAL_NOTIFY_BATCH_SEND=True):
        services.share_items(admin, [portal2], docs)
        ids = list(Notification.objects.filter(portal=portal2).values_list("pk", flat=True))
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as send_q:
            report = delivery.deliver(ids)
        t_send = time.perf_counter() - start
    print(
        f"  with NOTIFY_BATCH_SEND {t_send * 1000:8.1f} ms, {len(send_q)} queries, "
        f"{len(provider_calls)} provider API call(s), {len(report.sent)} recipients marked sent"
    )


if __name__ == "__main__":
    main()
