"""Delivery records written at once for one portal, on PostgreSQL with real threads:
every writer gets its own number in the chain, none collides, the chain verifies."""

from __future__ import annotations

import threading

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import override_settings

from tests.factories import DocumentFactory, PortalFactory, PortalUserFactory, UserFactory
from wagtail_clientportal import services
from wagtail_clientportal.compat import DUMMY_TASK_BACKEND
from wagtail_clientportal.models import DeliveryEvent
from wagtail_clientportal.services import delivery

WRITERS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="real concurrent transactions need PostgreSQL (CI sets DATABASE_URL)",
    ),
]


def test_writers_of_one_chain_queue_and_never_collide(monkeypatch):
    admin = UserFactory(username="chain@example.com", is_superuser=True)
    portal = PortalFactory()
    person = PortalUserFactory(client=portal.client, portals=[portal])
    doc = DocumentFactory(file=ContentFile(b"x" * 100, name="a.pdf"))
    with override_settings(TASKS={"default": {"BACKEND": DUMMY_TASK_BACKEND}}):
        [share] = services.share_items(admin, [portal], [doc]).created
    attempts = []
    real_head = delivery._chain_head
    monkeypatch.setattr(delivery, "_chain_head", lambda pk: attempts.append(pk) or real_head(pk))
    barrier = threading.Barrier(WRITERS)
    request = RequestFactory().get("/")
    errors = []

    def write():
        try:
            tracker = delivery.DeliveryTracker.for_request(
                request,
                share,
                person,
                kind="download",
                file_size=100,
                start=0,
                length=100,
                ranged=False,
            )
            tracker.update(b"x" * 100)
            barrier.wait()
            assert tracker.finish() is not None
        except Exception as exc:  # pragma: no cover (the assertion below shows it)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(DeliveryEvent.objects.filter(chain_key=portal.pk).values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS + 1))
    assert delivery.verify_chain(portal.pk).intact
    assert len(attempts) == WRITERS  # nobody had to retry
