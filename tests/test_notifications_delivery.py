"""Issue 5: the outbox is delivered once, retried with backoff, and re-sent by command."""

import datetime
import threading
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from wagtail import hooks

from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import notifications, services
from wagtail_clientportal.compat import DUMMY_TASK_BACKEND, IMMEDIATE_TASK_BACKEND, task_backends
from wagtail_clientportal.models import Notification
from wagtail_clientportal.notifications import delivery
from wagtail_clientportal.notifications.tasks import send_notifications

pytestmark = pytest.mark.django_db


class FlakyBackend(BaseEmailBackend):
    """Fails while ``down`` is set, then delivers into ``mail.outbox`` like locmem."""

    down = True
    calls = 0
    opens = 0

    def open(self):
        FlakyBackend.opens += 1

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.down:
            raise ConnectionError("provider unavailable")
        mail.outbox.extend(messages)
        return len(messages)


FLAKY = {"default": {"BACKEND": "tests.test_notifications_delivery.FlakyBackend"}}


@pytest.fixture
def flaky():
    FlakyBackend.down, FlakyBackend.calls, FlakyBackend.opens = True, 0, 0
    mail.outbox = []
    with override_settings(MAILERS=FLAKY):
        yield FlakyBackend


def _share(editor, portal, capture, n=1):
    with capture(execute=True):
        return services.share_items(editor, [portal], DocumentFactory.create_batch(n))


def test_all_messages_of_an_action_go_through_one_connection_one_message_per_call(
    editor, portal_a, flaky, django_capture_on_commit_callbacks
):
    """A backend without per-message ids (SMTP) gets one message per send_messages()
    call, each recorded before the next (issue 15), on a connection opened once."""
    PortalUserFactory.create_batch(12, client=portal_a.client, portals=[portal_a])
    flaky.down = False
    _share(editor, portal_a, django_capture_on_commit_callbacks, n=40)
    assert (flaky.opens, flaky.calls) == (1, 12)
    assert len(mail.outbox) == 12 and all(len(m.to) == 1 for m in mail.outbox)


def test_running_the_task_twice_sends_once(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    _share(editor, portal_a, django_capture_on_commit_callbacks)
    [notification] = Notification.objects.all()
    assert len(mailoutbox) == 1
    send_notifications.call([notification.pk])
    delivery.deliver([notification.pk])
    call_command("clientportal_send_notifications", stdout=StringIO())
    assert len(mailoutbox) == 1


def test_a_claimed_notification_is_not_sent_by_a_second_worker(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.share_items(editor, [portal_a], [DocumentFactory()])
    [notification] = Notification.objects.all()
    first = delivery.claim([notification.pk])
    second = delivery.claim([notification.pk])  # what a concurrent worker would get
    assert [n.pk for n in first] == [notification.pk] and second == []
    assert delivery.deliver([notification.pk]).sent == []
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real concurrent claims need PostgreSQL row locks; SQLite has one writer at a time",
)
def test_two_workers_at_once_send_each_notification_once(editor, portal_a):
    PortalUserFactory.create_batch(30, client=portal_a.client, portals=[portal_a])
    with override_settings(TASKS={"default": {"BACKEND": DUMMY_TASK_BACKEND}}):
        services.share_items(editor, [portal_a], [DocumentFactory()])
    mail.outbox = []
    ids = list(Notification.objects.values_list("pk", flat=True))
    barrier = threading.Barrier(4)
    reports = []

    def worker():
        try:
            barrier.wait()
            reports.append(delivery.deliver(ids))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = [pk for r in reports for pk in r.sent]
    assert sorted(sent) == sorted(ids)  # each one by exactly one worker
    assert len(mail.outbox) == 30


def test_failing_backend_backoff_then_failed_then_resend_command(
    editor, portal_a, member, flaky, django_capture_on_commit_callbacks, settings
):
    settings.WAGTAILCLIENTPORTAL_NOTIFY_MAX_ATTEMPTS = 3
    settings.WAGTAILCLIENTPORTAL_NOTIFY_RETRY_DELAY = 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _share(editor, portal_a, django_capture_on_commit_callbacks)
    [n] = Notification.objects.all()
    assert (n.status, n.attempts) == ("queued", 1)
    assert n.next_attempt_at == start + datetime.timedelta(seconds=60)
    assert "provider unavailable" in n.last_error

    # Not due yet: nothing is tried.
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        assert delivery.deliver().retrying == []
    # Second attempt after 60 s; the delay doubles.
    second = start + datetime.timedelta(seconds=61)
    with time_machine.travel(second, tick=False):
        delivery.deliver()
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("queued", 2)
    assert n.next_attempt_at == second + datetime.timedelta(seconds=120)
    # Third attempt: the limit; the notification is failed and kept.
    with time_machine.travel(second + datetime.timedelta(seconds=121), tick=False):
        report = delivery.deliver()
    n.refresh_from_db()
    assert report.failed == [n.pk] and (n.status, n.attempts) == ("failed", 3)
    assert mail.outbox == []

    # The provider is back; the resend command delivers the failed notification.
    flaky.down = False
    out = StringIO()
    call_command("clientportal_send_notifications", stdout=out)
    assert mail.outbox == []  # failed ones only with --failed
    call_command("clientportal_send_notifications", "--failed", stdout=out)
    n.refresh_from_db()
    assert n.status == "sent" and len(mail.outbox) == 1 and mail.outbox[0].to == [member.email]
    assert "sent: 1" in out.getvalue()


def test_resend_command_requeues_notifications_stuck_in_sending(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.share_items(editor, [portal_a], [DocumentFactory()])
    delivery.claim()  # a worker claimed it, then died
    call_command("clientportal_send_notifications", stdout=StringIO())
    assert mailoutbox == []  # not stuck long enough yet
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
        call_command("clientportal_send_notifications", stdout=StringIO())
    assert len(mailoutbox) == 1
    assert Notification.objects.get().status == "sent"


def test_activation_and_password_reset_go_through_the_outbox(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pu = services.create_portal_user(
            ado,
            portal_a.client,
            email="ewa@klient.pl",
            first_name="Ewa",
            last_name="Lis",
            portals=[portal_a],
        )
        pu.activated_at = timezone.now()
        pu.save(update_fields=["activated_at"])
        notifications.queue_password_reset(pu.user)
    by_kind = {n.kind: n for n in Notification.objects.all()}
    assert by_kind["activation"].status == "sent" and by_kind["activation"].portal_user == pu
    assert by_kind["password_reset"].status == "sent"
    assert by_kind["password_reset"].context == {}  # no link is ever kept
    assert len(mailoutbox) == 2
    assert "/portal/activate/" in mailoutbox[0].body
    assert "http://testserver/portal/password-reset/" in mailoutbox[1].body
    assert mailoutbox[0].alternatives[0][1] == "text/html"


def test_login_code_is_sent_at_once_and_recorded_without_the_code(member, mailoutbox):
    notifications.send_login_code(member.user, "123456", 5)
    [message] = mailoutbox
    assert "123456" in message.body
    [record] = Notification.objects.all()
    assert (record.kind, record.status, record.user) == ("login_code", "sent", member.user)
    assert "123456" not in str(record.context)


def test_login_code_failure_is_recorded_and_raised(member, flaky):
    with pytest.raises(ConnectionError):
        notifications.send_login_code(member.user, "123456", 5)
    assert Notification.objects.get().status == "failed"


def test_construct_hook_changes_the_message(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    calls = []

    def construct(notification, message):
        calls.append((notification, message))
        message.reply_to = ["sekretariat@kancelaria.pl"]
        message.subject = "[PK] " + message.subject

    with hooks.register_temporarily("clientportal_construct_notification", construct):
        _share(editor, portal_a, django_capture_on_commit_callbacks)
    [(notification, message)] = calls
    assert isinstance(notification, Notification) and notification.kind == "new_shares"
    assert notification.portal_user == member and notification.portal == portal_a
    assert message.to == [member.email]
    [sent] = mailoutbox
    assert sent.subject.startswith("[PK] ") and sent.reply_to == ["sekretariat@kancelaria.pl"]


def test_construct_hook_may_return_another_message(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    from django.core.mail import EmailMultiAlternatives

    def construct(notification, message):
        return EmailMultiAlternatives("Zastąpiona", "treść", to=message.to)

    with hooks.register_temporarily("clientportal_construct_notification", construct):
        _share(editor, portal_a, django_capture_on_commit_callbacks)
    assert [m.subject for m in mailoutbox] == ["Zastąpiona"]


def test_send_hook_takes_over_delivery(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    calls = []

    def send_sms(notification, message):
        calls.append((notification.recipient, message.subject))
        return "sms-42"

    with hooks.register_temporarily("clientportal_send_notification", send_sms):
        _share(editor, portal_a, django_capture_on_commit_callbacks)
    assert calls and calls[0][0] == member.email
    assert mailoutbox == []
    n = Notification.objects.get()
    assert (n.status, n.provider_message_id) == ("sent", "sms-42")


def test_send_hook_returning_nothing_leaves_the_email(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    with hooks.register_temporarily("clientportal_send_notification", lambda **kw: None):
        _share(editor, portal_a, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1


def test_send_hook_error_is_a_failed_attempt(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    def broken(notification, message):
        raise RuntimeError("SMS gateway down")

    with hooks.register_temporarily("clientportal_send_notification", broken):
        _share(editor, portal_a, django_capture_on_commit_callbacks)
    n = Notification.objects.get()
    assert (n.status, n.attempts) == ("queued", 1) and "SMS gateway down" in n.last_error
    assert mailoutbox == []


def test_a_notification_whose_portal_was_deleted_is_dropped(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.share_items(editor, [portal_a], [DocumentFactory()])
    Notification.objects.update(portal=None)
    report = delivery.deliver()
    assert report.failed and mailoutbox == []
    assert Notification.objects.get().status == "failed"


def test_anymail_batch_send_one_provider_call_for_one_action(
    editor, portal_a, django_capture_on_commit_callbacks, settings
):
    """With NOTIFY_BATCH_SEND, the recipients of one action go out in one anymail batch."""
    from anymail.signals import pre_send

    settings.WAGTAILCLIENTPORTAL_NOTIFY_BATCH_SEND = True
    people = PortalUserFactory.create_batch(12, client=portal_a.client, portals=[portal_a])
    provider_calls = []

    def count(sender, message, esp_name, **kwargs):
        provider_calls.append(message)

    pre_send.connect(count)
    mail.outbox = []
    try:
        with override_settings(
            MAILERS={"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
        ):
            _share(editor, portal_a, django_capture_on_commit_callbacks, n=40)
    finally:
        pre_send.disconnect(count)
    assert len(provider_calls) == 1
    [batch] = mail.outbox
    assert batch.anymail_test_params["is_batch_send"] is True  # each gets their own message
    assert sorted(batch.to) == sorted(p.email for p in people)
    assert "Anna" not in batch.body and "Dzień dobry," in batch.body
    rows = Notification.objects.all()
    assert {r.status for r in rows} == {"sent"} and len(rows) == 12
    assert all(r.provider_message_id != "" for r in rows)


def test_a_failed_attempt_is_rescheduled_on_a_backend_that_can_defer(
    editor, portal_a, member, flaky, django_capture_on_commit_callbacks
):
    dummy = {
        "default": {"BACKEND": IMMEDIATE_TASK_BACKEND},
        "later": {"BACKEND": DUMMY_TASK_BACKEND},
    }
    with override_settings(TASKS=dummy, WAGTAILCLIENTPORTAL_TASK_BACKEND="later"):
        with django_capture_on_commit_callbacks(execute=True):
            services.share_items(editor, [portal_a], [DocumentFactory()])
        backend = task_backends["later"]
        [first] = backend.results
        send_notifications.call(*first.args)  # the worker runs it; the provider is down
        n = Notification.objects.get()
        assert (n.status, n.attempts) == ("queued", 1)
        [_, retry] = backend.results
        assert retry.args == [[n.pk]] and retry.task.run_after == n.next_attempt_at


def test_resend_command_prunes_old_finished_notifications(member):
    old = timezone.now() - datetime.timedelta(days=400)
    Notification.objects.create(
        kind="activation", recipient="a@x.pl", status="sent", created_at=old
    )
    Notification.objects.create(
        kind="activation",
        recipient="b@x.pl",
        status="queued",
        created_at=old,
        next_attempt_at=timezone.now() + datetime.timedelta(days=1),
    )
    Notification.objects.create(kind="activation", recipient="c@x.pl", status="bounced")
    out = StringIO()
    call_command("clientportal_send_notifications", "--prune-days", "365", stdout=out)
    assert "pruned: 1" in out.getvalue()
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == ["b@x.pl", "c@x.pl"]


def test_a_person_blocked_before_delivery_is_not_told(
    editor, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.share_items(editor, [portal_a], [DocumentFactory()])
    member.is_blocked = True
    member.save()
    for callback in callbacks:
        callback()
    assert mailoutbox == []
    n = Notification.objects.get()
    assert n.status == "failed" and "no longer has access" in n.last_error
