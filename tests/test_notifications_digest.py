"""The daily digest: held share notifications, one email per person per day, claim-safe."""

import datetime
import threading
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import notifications, services
from wagtail_clientportal.compat import DUMMY_TASK_BACKEND
from wagtail_clientportal.models import Notification, PortalUser
from wagtail_clientportal.notifications import delivery, digest
from wagtail_clientportal.notifications.tasks import send_digests

pytestmark = pytest.mark.django_db

DAILY = PortalUser.NotificationPreference.DAILY
MONDAY = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.timezone.utc)


def _daily(portal, **kwargs):
    return PortalUserFactory(
        client=portal.client, portals=[portal], notification_preference=DAILY, **kwargs
    )


def _send_digests():
    out = StringIO()
    call_command("clientportal_send_digests", stdout=out)
    return out.getvalue()


def _share(editor, portals, count=1, **kwargs):
    documents = [DocumentFactory(title=f"Umowa {n}") for n in range(count)]
    return services.share_items(editor, portals, documents, **kwargs)


def test_a_daily_person_gets_nothing_at_share_time_and_one_digest_later(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    person = _daily(portal_a)
    with time_machine.travel(MONDAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            result = _share(editor, [portal_a], 2)
            _share(editor, [portal_a], 1, message="Proszę o podpis.")
    # The person who kept the default got two emails, one per sharing action.
    assert [m.to for m in mailoutbox] == [[member.user.email]] * 2
    held = Notification.objects.filter(user=person.user)
    assert set(held.values_list("status", flat=True)) == {Notification.Status.HELD}
    assert result.notified_people == 2  # the staff message counts the held person too
    mailoutbox.clear()

    with time_machine.travel(MONDAY + datetime.timedelta(hours=22), tick=False):
        assert "digests: 1, sent: 1" in _send_digests()
    [message] = mailoutbox
    assert message.to == [person.user.email]
    body = message.body.replace("\xa0", " ")
    assert "Podsumowanie dnia: 3 nowe pozycje w Panelu klienta" in message.subject.replace(
        "\xa0", " "
    )
    assert "„Dokumenty”" in body and "3 nowe pozycje" in body
    assert "Proszę o podpis." in body
    assert f"/portal/p/{portal_a.pk}/" in message.alternatives[0][0]
    [sent] = Notification.objects.filter(kind=Notification.Kind.DIGEST)
    assert sent.status == Notification.Status.SENT
    assert sent.digest_day == datetime.date(2026, 12, 8)  # local day (Europe/Warsaw)
    assert set(held.exclude(pk=sent.pk).values_list("status", "digest")) == {
        (Notification.Status.DIGESTED, sent.pk)
    }


def test_the_digest_is_grouped_by_portal_over_two_clients(
    editor, client_a, client_b, portal_a, portal_a2, portal_b, mailoutbox
):
    person = PortalUserFactory(
        client=client_a, portals=[portal_a, portal_a2], notification_preference=DAILY
    )
    PortalUserFactory(
        client=client_b, user=person.user, portals=[portal_b], notification_preference=DAILY
    )
    _share(editor, [portal_a], 2)
    _share(editor, [portal_a2, portal_b], 1)
    assert mailoutbox == []
    _send_digests()
    [message] = mailoutbox
    body = message.body.replace("\xa0", " ")
    for name in ("„Dokumenty” (Alfa Sp. z o.o.): 2 nowe pozycje", "„Faktury”", "Beta S.A."):
        assert name in body
    assert body.index("„Dokumenty”") < body.index("„Faktury”")


def test_revoked_and_lost_items_are_not_listed(editor, client_a, portal_a, portal_a2, mailoutbox):
    person = PortalUserFactory(
        client=client_a, portals=[portal_a, portal_a2], notification_preference=DAILY
    )
    kept, revoked = _share(editor, [portal_a], 2).created
    _share(editor, [portal_a2], 1)
    services.revoke_shares(editor, [revoked])
    person.portals.remove(portal_a2)  # unassigned: that portal is left out
    _send_digests()
    [message] = mailoutbox
    body = message.body.replace("\xa0", " ")
    assert "1 nowa pozycja" in body and "„Faktury”" not in body


def test_a_message_about_items_no_longer_listed_is_left_out(
    editor, client_a, client_b, portal_a, portal_b, mailoutbox, django_capture_on_commit_callbacks
):
    """The person left client B (blocked there): B's items go from the digest, and so must
    B's note, which would otherwise reach them in the digest of client A's items."""
    person = PortalUserFactory(client=client_a, portals=[portal_a], notification_preference=DAILY)
    at_b = PortalUserFactory(
        client=client_b, user=person.user, portals=[portal_b], notification_preference=DAILY
    )
    _share(editor, [portal_a], 1, message="Umowa do podpisu.")
    _share(editor, [portal_b], 1, message="Poufne: oferta przejęcia spółki Beta.")
    revoked = _share(editor, [portal_a], 1, message="Wycofany projekt.").created
    services.revoke_shares(editor, revoked)
    with django_capture_on_commit_callbacks(execute=False):
        [digest_id] = digest.make_digests()
    PortalUser.objects.filter(pk=at_b.pk).update(is_blocked=True)
    delivery.deliver([digest_id])
    [message] = mailoutbox
    text = message.body + message.alternatives[0][0]
    assert "Umowa do podpisu." in text
    assert "Beta" not in text and "Wycofany projekt." not in text


def test_nothing_left_sends_no_digest(editor, portal_a, mailoutbox):
    person = _daily(portal_a)
    shares = _share(editor, [portal_a], 2).created
    services.revoke_shares(editor, shares)
    assert "digests: 0" in _send_digests()
    assert mailoutbox == []
    [row] = Notification.objects.filter(user=person.user)
    assert row.status == Notification.Status.DIGESTED and row.digest is None
    assert row.last_error == digest.NOTHING_LEFT


def test_revoked_after_the_digest_was_made_is_left_out_at_sending(
    editor, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    _daily(portal_a)
    first, second = _share(editor, [portal_a], 2).created
    with django_capture_on_commit_callbacks(execute=False):
        [digest_id] = digest.make_digests()
    services.revoke_shares(editor, [second])
    delivery.deliver([digest_id])
    [message] = mailoutbox
    assert "1 nowa pozycja" in message.body.replace("\xa0", " ")


def test_one_digest_per_person_per_day_then_the_rest_the_next_day(
    editor, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    person = _daily(portal_a)
    with time_machine.travel(MONDAY, tick=False):
        _share(editor, [portal_a], 1)
        _send_digests()
        assert len(mailoutbox) == 1
    with time_machine.travel(MONDAY + datetime.timedelta(hours=2), tick=False):
        _share(editor, [portal_a], 2)
        assert "digests: 0" in _send_digests()  # cron run twice the same day
        assert len(mailoutbox) == 1
    with time_machine.travel(MONDAY + datetime.timedelta(days=1), tick=False):
        _send_digests()
    assert len(mailoutbox) == 2
    assert "2 nowe pozycje" in mailoutbox[1].body.replace("\xa0", " ")
    assert not Notification.objects.filter(user=person.user, status="held").exists()


def test_a_run_that_lost_the_race_rolls_back_and_keeps_its_rows_held(editor, portal_a):
    """The fence: a second run that passed its check before the first committed."""
    person = _daily(portal_a)
    _share(editor, [portal_a], 1)
    now = timezone.now()
    [made] = digest.make_digests(now)
    _share(editor, [portal_a], 1)  # arrives between the two runs
    late = Notification.objects.get(user=person.user, status=Notification.Status.HELD)
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            digest._make_one(person.user_id, timezone.localdate(now), timezone.now())
    late.refresh_from_db()
    assert late.status == Notification.Status.HELD and late.claim == "" and late.digest is None
    assert Notification.objects.filter(kind="digest").count() == 1


def test_the_task_and_the_command_never_send_a_digest_twice(editor, portal_a, mailoutbox):
    _daily(portal_a)
    _share(editor, [portal_a], 1)
    assert send_digests.call()["digests"] == 1
    assert "digests: 0, sent: 0" in _send_digests()
    [digest_row] = Notification.objects.filter(kind="digest")
    assert delivery.deliver([digest_row.pk]).sent == []
    assert len(mailoutbox) == 1


def test_login_codes_activation_and_reset_are_never_held(portal_a, mailoutbox):
    person = _daily(portal_a)
    notifications.queue_activation(person)
    notifications.queue_password_reset(person.user)
    notifications.send_login_code(person.user, "123456", 5)
    kinds = dict(Notification.objects.values_list("kind", "status"))
    assert Notification.Status.HELD not in kinds.values()
    delivery.deliver()
    assert len(mailoutbox) == 3


def test_the_outbox_prune_keeps_held_rows(editor, portal_a):
    _daily(portal_a)
    _share(editor, [portal_a], 1)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=40)):
        call_command("clientportal_send_notifications", prune_days=30, stdout=StringIO())
    assert Notification.objects.filter(status=Notification.Status.HELD).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real concurrent claims need PostgreSQL row locks; SQLite has one writer at a time",
)
def test_four_workers_at_once_make_one_digest_per_person(editor, portal_a):
    people = [_daily(portal_a) for _ in range(10)]
    with override_settings(TASKS={"default": {"BACKEND": DUMMY_TASK_BACKEND}}):
        _share(editor, [portal_a], 2)
        _share(editor, [portal_a], 1)
    mail.outbox = []
    barrier = threading.Barrier(4)
    made = []

    def worker():
        try:
            barrier.wait()
            ids = digest.make_digests()
            made.extend(ids)
            delivery.deliver(ids)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == len(set(made)) == 10
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in people)
    assert not Notification.objects.filter(status=Notification.Status.HELD).exists()


def test_a_failed_digest_can_be_sent_again_and_previews_without_links(editor, portal_a, settings):
    from wagtail_clientportal.notifications.preview import LINK

    _daily(portal_a)
    _share(editor, [portal_a], 1)
    [digest_id] = digest.make_digests()
    row = Notification.objects.get(pk=digest_id)
    preview = delivery.build_message(row, preview=True)
    assert str(LINK) in preview.body and "/portal/p/" not in preview.body
    Notification.objects.filter(pk=digest_id).update(status=Notification.Status.FAILED)
    assert notifications.requeue_failed(Notification.objects.filter(pk=digest_id)) == [digest_id]
    delivery.deliver([digest_id])
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
