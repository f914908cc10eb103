"""Retention: the dry run changes nothing; the real run deletes only what is old; holds hold."""

import datetime
import io
import os

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.conftest import otp_login
from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import (
    ClientPortalPermissionDenied,
    ClientPortalValidationError,
)
from wagtail_clientportal.models import AccessEvent, DeliveryEvent, Notification, Portal, PortalUser
from wagtail_clientportal.services import audit, retention
from wagtail_clientportal.services.delivery import verify_chain
from wagtail_clientportal.storage import get_private_storage
from wagtail_clientportal.test_utils import staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]
LONG_AGO = datetime.timedelta(days=400)


@pytest.fixture(autouse=True)
def _periods(settings):
    settings.WAGTAILCLIENTPORTAL_RETENTION_ACCESS_EVENTS_DAYS = 365
    settings.WAGTAILCLIENTPORTAL_RETENTION_NOTIFICATIONS_DAYS = 365
    settings.WAGTAILCLIENTPORTAL_RETENTION_EXPORTS_DAYS = 7


@pytest.fixture
def dpo(db):
    return staff_user(
        "iod@kancelaria.pl",
        "wagtailadmin.access_admin",
        "wagtail_clientportal.manage_portals",
        "wagtail_clientportal.manage_personal_data",
    )


def _download(client, editor, portal, person, title):
    [share] = services.share_items(editor, [portal], [DocumentFactory(title=title)]).created
    otp_login(client, person.user)
    url = reverse("wagtail_clientportal:download", args=[portal.pk, share.pk])
    b"".join(client.get(url).streaming_content)
    client.logout()


@pytest.fixture
def records(client, editor, member, portal_a, portal_a2, portal_b):
    """Old records on portal_a, portal_a2 (old only) and portal_b (on legal hold); a new
    one on portal_a; an old and a new export file."""
    member_b = PortalUserFactory(client=portal_b.client, portals=[portal_b])
    member.portals.add(portal_a2)
    with time_machine.travel(timezone.now() - LONG_AGO, tick=False):
        _download(client, editor, portal_a, member, "Stara umowa")
        _download(client, editor, portal_a2, member, "Stara faktura")
        _download(client, editor, portal_b, member_b, "Sporna umowa")
    _download(client, editor, portal_a, member, "Nowa umowa")
    Portal.objects.filter(pk=portal_b.pk).update(legal_hold=True)
    # The outbox is delivered after commit, which a test transaction never reaches:
    # sent, as a worker would have; one queued row stays owed (never deleted).
    Notification.objects.update(status=Notification.Status.SENT)
    Notification.objects.filter(pk=Notification.objects.order_by("-pk")[0].pk).update(
        status=Notification.Status.QUEUED
    )
    storage = get_private_storage()
    old = storage.save(f"{retention.EXPORTS_DIR}/2025/old.zip", ContentFile(b"stary"))
    new = storage.save(f"{retention.EXPORTS_DIR}/new.zip", ContentFile(b"nowy"))
    past = (timezone.now() - datetime.timedelta(days=8)).timestamp()
    os.utime(storage.path(old), (past, past))
    return {"old_export": old, "new_export": new}


def _state():
    return (
        sorted(AccessEvent.objects.values_list("pk", flat=True)),
        sorted(Notification.objects.values_list("pk", flat=True)),
        sorted(DeliveryEvent.objects.values_list("pk", flat=True)),
    )


def _run(*args) -> str:
    out = io.StringIO()
    call_command("clientportal_enforce_retention", *args, stdout=out)
    return out.getvalue()


def test_the_dry_run_counts_per_kind_and_changes_nothing(records, portal_b):
    before = _state()
    old_notifications = retention.old_notifications(365, timezone.now(), [portal_b.pk]).count()
    assert old_notifications >= 2  # the two old shares' emails (the held portal's excluded)
    output = _run("--dry-run")
    assert _state() == before
    assert get_private_storage().exists(records["old_export"])
    assert "access_events: would delete 2 (older than 365 days)" in output
    assert f"notifications: would delete {old_notifications} " in output
    assert "exports: would delete 1 " in output
    assert "delivery_records: kept for ever" in output
    assert "portals under legal hold (kept whole): 1" in output


def test_the_real_run_deletes_only_what_is_old_and_keeps_the_held_portal(
    records, portal_a, portal_b
):
    delivery_before = sorted(DeliveryEvent.objects.values_list("pk", flat=True))
    held_notifications = set(Notification.objects.filter(portal=portal_b).values_list("pk"))
    old = retention.old_notifications(365, timezone.now(), [portal_b.pk])
    owed = old.order_by("pk")[0]
    Notification.objects.filter(pk=owed.pk).update(status=Notification.Status.QUEUED)
    assert old.exists()
    _run()
    assert Notification.objects.filter(pk=owed.pk).exists()  # still owed: never deleted
    assert not retention.old_notifications(365, timezone.now(), [portal_b.pk]).exists()
    titles = set(AccessEvent.objects.values_list("item_title", flat=True))
    assert titles == {"Nowa umowa", "Sporna umowa"}
    cutoff = timezone.now() - datetime.timedelta(days=365)
    old = Notification.objects.filter(created_at__lt=cutoff)
    assert set(old.exclude(status__in=retention.PENDING).values_list("pk")) <= held_notifications
    assert held_notifications <= set(Notification.objects.values_list("pk"))
    # No delivery record without the setting.
    assert sorted(DeliveryEvent.objects.values_list("pk", flat=True)) == delivery_before
    storage = get_private_storage()
    assert not storage.exists(records["old_export"]) and storage.exists(records["new_export"])
    assert "access_events: deleted 0" in _run()  # a second run finds nothing


def test_delivery_chains_go_whole_only_when_set_and_never_under_a_hold(
    settings, records, portal_a, portal_a2, portal_b
):
    settings.WAGTAILCLIENTPORTAL_RETENTION_DELIVERY_DAYS = 365
    counts = {
        p.pk: DeliveryEvent.objects.filter(chain_key=p.pk).count() for p in (portal_a, portal_b)
    }
    assert "delivery_records: would delete 1 " in _run("--dry-run")
    assert DeliveryEvent.objects.filter(chain_key=portal_a2.pk).count() == 1
    _run()
    # portal_a2's chain was all old: gone; portal_a has a new record: kept whole;
    # portal_b is on legal hold: kept.
    assert not DeliveryEvent.objects.filter(chain_key=portal_a2.pk).exists()
    for portal in (portal_a, portal_b):
        assert DeliveryEvent.objects.filter(chain_key=portal.pk).count() == counts[portal.pk]
        assert verify_chain(portal.pk).intact


def test_deleting_is_set_based(editor, member, portal_a):
    """The same number of statements for 3 and for 60 old access events."""

    def statements(n):
        AccessEvent.objects.all().delete()
        at = timezone.now() - LONG_AGO
        AccessEvent.objects.bulk_create(
            AccessEvent(
                action="view",
                at=at,
                user_email="a@example.com",
                user_name="A",
                client_name="K",
                portal_name="P",
                item_kind="document",
                item_title=f"D{i}",
            )
            for i in range(n)
        )
        with CaptureQueriesContext(connection) as queries:
            retention.enforce(dry_run=False)
        assert not AccessEvent.objects.exists()
        return len(queries)

    assert statements(3) == statements(60)


def test_the_legal_hold_is_set_by_the_dpo_in_the_portal_form_and_logged(
    client, dpo, administrator, portal_a
):
    url = reverse("clientportal_portals:edit", args=[portal_a.pk])
    client.force_login(administrator)
    assert "legal_hold" not in client.get(url).context["form"].fields
    client.post(url, {"name": portal_a.name, "description": "", "legal_hold": "on"})
    portal_a.refresh_from_db()
    assert not portal_a.legal_hold
    client.force_login(dpo)
    assert "legal_hold" in client.get(url).context["form"].fields
    response = client.post(url, {"name": portal_a.name, "description": "", "legal_hold": "on"})
    assert response.status_code == 302
    portal_a.refresh_from_db()
    assert portal_a.legal_hold
    entry = ModelLogEntry.objects.get(action=audit.PORTAL_LEGAL_HOLD)
    assert entry.user == dpo and entry.data["legal_hold"] is True
    with pytest.raises(ClientPortalPermissionDenied):
        retention.set_legal_hold(administrator, portal_a, False)


def test_a_portal_under_legal_hold_cannot_be_deleted(client, dpo, administrator, portal_a):
    retention.set_legal_hold(dpo, portal_a, True)
    with pytest.raises(ClientPortalValidationError) as error:
        services.delete_portal(administrator, portal_a)
    assert error.value.code == "portal_legal_hold"
    client.force_login(administrator)
    client.post(reverse("clientportal_portals:delete", args=[portal_a.pk]))
    assert Portal.objects.filter(pk=portal_a.pk).exists()


def test_a_digest_about_a_portal_on_legal_hold_is_kept(editor, portal_b):
    """A digest row names no portal (it may list several): the hold must still keep it,
    like the held notifications it was made from."""
    from wagtail_clientportal.notifications import digest

    PortalUserFactory(
        client=portal_b.client,
        portals=[portal_b],
        notification_preference=PortalUser.NotificationPreference.DAILY,
    )
    with time_machine.travel(timezone.now() - LONG_AGO, tick=False):
        services.share_items(editor, [portal_b], [DocumentFactory(title="Sporna umowa")])
        [made] = digest.make_digests()
    Notification.objects.update(status=Notification.Status.SENT)
    Portal.objects.filter(pk=portal_b.pk).update(legal_hold=True)
    _run()
    assert Notification.objects.filter(pk=made).exists()
    assert not retention.old_notifications(365, timezone.now(), [portal_b.pk]).exists()
