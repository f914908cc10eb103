"""Issue 15: a slow worker or a dropped SMTP connection never emails anyone twice."""

from __future__ import annotations

import datetime
import smtplib
import threading
import time
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.compat import DUMMY_TASK_BACKEND
from wagtail_clientportal.models import Notification
from wagtail_clientportal.notifications import delivery

pytestmark = pytest.mark.django_db


def postgres_threads(test):
    """Real threads and connections: a second run while the first is still sending."""
    test = pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a second run while the first is still sending needs PostgreSQL "
        "(CI sets DATABASE_URL); SQLite has one writer at a time",
    )(test)
    return pytest.mark.django_db(transaction=True, serialized_rollback=True)(test)


NO_TASKS = {"default": {"BACKEND": DUMMY_TASK_BACKEND}}


def _queued_shares(editor, portal, people: int) -> list[int]:
    """``people`` portal users and one share for them, queued and not delivered yet."""
    PortalUserFactory.create_batch(people, client=portal.client, portals=[portal])
    with override_settings(TASKS=NO_TASKS):
        services.share_items(editor, [portal], [DocumentFactory()])
    mail.outbox = []
    return list(Notification.objects.values_list("pk", flat=True))


def _emails_per_person() -> Counter:
    return Counter(m.to[0] for m in mail.outbox)


class DroppingBackend(BaseEmailBackend):
    """SMTP-like: no per-message ids; the server hangs up after ``accept`` messages."""

    accept = 7
    accepted = 0
    connected = False

    def open(self):
        if DroppingBackend.connected:
            return False
        DroppingBackend.connected = True
        return True

    def close(self):
        DroppingBackend.connected = False

    def send_messages(self, messages):
        self.open()
        for message in messages:
            if not DroppingBackend.connected:
                raise smtplib.SMTPServerDisconnected("please run connect() first")
            if DroppingBackend.accepted == DroppingBackend.accept:
                DroppingBackend.accepted += 1  # hangs up once only
                DroppingBackend.connected = False
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            DroppingBackend.accepted += 1
            mail.outbox.append(message)
        return len(messages)


def test_a_dropped_smtp_connection_re_sends_only_what_was_not_accepted(editor, portal_a):
    DroppingBackend.accepted, DroppingBackend.connected = 0, False
    ids = _queued_shares(editor, portal_a, 20)
    start = timezone.now()
    with override_settings(
        MAILERS={"default": {"BACKEND": "tests.test_notifications_fencing.DroppingBackend"}}
    ):
        with time_machine.travel(start, tick=False):
            first = delivery.deliver(ids)
        assert len(first.sent) == 7 and len(first.retrying) == 13
        # The one refused is retried with backoff; the 12 never handed over are not
        # counted as an attempt.
        attempts = Counter(Notification.objects.filter(status="queued").values_list("attempts"))
        assert attempts == Counter({(1,): 1, (0,): 12})
        with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
            second = delivery.deliver(ids)
    assert len(second.sent) == 13
    per_person = _emails_per_person()
    assert len(per_person) == 20 and set(per_person.values()) == {1}
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_a_late_worker_can_neither_mark_sent_nor_overwrite_a_row_claimed_again(editor, portal_a):
    [pk] = _queued_shares(editor, portal_a, 1)
    [late] = delivery.claim([pk])  # a worker claims it, then stalls
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
        call_command("clientportal_send_notifications", stdout=StringIO())
    assert Notification.objects.get().status == "sent" and len(mail.outbox) == 1
    # The stalled worker wakes up and tries to record its outcome: fenced out.
    late.status, late.last_error = Notification.Status.QUEUED, "TimeoutError"
    assert delivery.Lease(late.claim).record([late]) == set()
    row = Notification.objects.get()
    assert (row.status, row.last_error) == ("sent", "")


def test_smtp_gets_a_timeout_unless_the_host_set_one(settings):
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    settings.MAILERS = {"default": {"BACKEND": smtp, "OPTIONS": {"host": "localhost"}}}
    assert delivery.mailer_connection().timeout == 30
    settings.WAGTAILCLIENTPORTAL_NOTIFY_PROVIDER_TIMEOUT = 10
    assert delivery.mailer_connection().timeout == 10
    settings.MAILERS["default"]["OPTIONS"]["timeout"] = 120
    assert delivery.mailer_connection().timeout == 120


class HangingBackend(BaseEmailBackend):
    """The first connection hangs (a server that never greets) until released."""

    entered = threading.Event()
    release = threading.Event()
    opened = 0

    def open(self):
        HangingBackend.opened += 1
        if HangingBackend.opened == 1:
            HangingBackend.entered.set()
            HangingBackend.release.wait(30)
        return False

    def send_messages(self, messages):
        self.open()  # as Django's SMTP backend does
        mail.outbox.extend(messages)
        return len(messages)


def _in_thread(fn):
    result: dict = {}

    def run():
        try:
            result["value"] = fn()
        except Exception as exc:  # reported by the assertion below
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@postgres_threads
def test_a_worker_blocked_past_stuck_after_and_a_second_run_send_each_email_once(editor, portal_a):
    HangingBackend.entered.clear()
    HangingBackend.release.clear()
    HangingBackend.opened = 0
    ids = _queued_shares(editor, portal_a, 10)
    with override_settings(
        MAILERS={"default": {"BACKEND": "tests.test_notifications_fencing.HangingBackend"}}
    ):
        slow, result = _in_thread(lambda: delivery.deliver(ids))
        assert HangingBackend.entered.wait(10)
        # Past STUCK_AFTER, the resend command takes the slow worker for a dead one.
        out = StringIO()
        call_command("clientportal_send_notifications", "--stuck-after", "0", stdout=out)
        assert "stuck requeued: 10" in out.getvalue() and "sent: 10" in out.getvalue()
        HangingBackend.release.set()
        slow.join(30)
    assert "error" not in result, result
    assert result["value"].sent == []  # its claim was gone: it sent and recorded nothing
    per_person = _emails_per_person()
    assert len(per_person) == 10 and set(per_person.values()) == {1}
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


class SlowBackend(BaseEmailBackend):
    """Every message takes a while: the whole round lasts longer than STUCK_AFTER."""

    delay = 0.2

    def send_messages(self, messages):
        time.sleep(SlowBackend.delay * len(messages))
        mail.outbox.extend(messages)
        return len(messages)


@postgres_threads
def test_a_long_round_renews_its_lease_so_a_resend_run_meanwhile_sends_nothing(editor, portal_a):
    ids = _queued_shares(editor, portal_a, 15)  # 15 × 0.2 s = 3 s > STUCK_AFTER
    with override_settings(
        MAILERS={"default": {"BACKEND": "tests.test_notifications_fencing.SlowBackend"}},
        WAGTAILCLIENTPORTAL_NOTIFY_STUCK_AFTER=2,
    ):
        slow, result = _in_thread(lambda: delivery.deliver(ids))
        time.sleep(2.5)
        out = StringIO()
        call_command("clientportal_send_notifications", stdout=out)
        slow.join(30)
    assert "stuck requeued: 0" in out.getvalue()
    assert "error" not in result, result
    assert sorted(result["value"].sent) == sorted(ids)
    per_person = _emails_per_person()
    assert len(per_person) == 15 and set(per_person.values()) == {1}


def test_a_task_left_running_by_a_killed_worker_blocks_nothing_and_is_closed(
    editor, portal_a, django_capture_on_commit_callbacks
):
    """django-tasks-db keeps a killed worker's task RUNNING; its emails still go, once."""
    from django_tasks_db.models import DBTaskResult

    PortalUserFactory.create_batch(3, client=portal_a.client, portals=[portal_a])
    tasks = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "clientportal": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }
    with override_settings(TASKS=tasks, WAGTAILCLIENTPORTAL_TASK_BACKEND="clientportal"):
        with django_capture_on_commit_callbacks(execute=True):
            services.share_items(editor, [portal_a], [DocumentFactory()])
        assert DBTaskResult.objects.count() == 1
        mail.outbox = []
        # The worker took the task and claimed the rows, then was killed.
        DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())
        delivery.claim()
        out = StringIO()
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
            call_command("clientportal_send_notifications", stdout=out)
    assert "abandoned tasks closed: 1" in out.getvalue() and "sent: 3" in out.getvalue()
    assert DBTaskResult.objects.get().status == "FAILED"  # finished: prune removes it
    assert len(_emails_per_person()) == 3 and set(_emails_per_person().values()) == {1}
