"""Reset and activation links are made when the email is sent, never stored in the outbox."""

import datetime
import importlib
import re

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test.utils import override_settings
from django.utils import timezone

from tests.factories import PortalUserFactory
from wagtail_clientportal import notifications, services
from wagtail_clientportal.models import Notification
from wagtail_clientportal.notifications import delivery
from wagtail_clientportal.services import accounts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

LINK_PATHS = ("/activate/", "/password-reset/")


class DownBackend(BaseEmailBackend):
    """Refuses every message while ``down`` is set, then delivers into ``mail.outbox``."""

    down = True

    def send_messages(self, messages):
        if DownBackend.down:
            raise ConnectionError("provider unavailable")
        mail.outbox.extend(messages)
        return len(messages)


DOWN = {"default": {"BACKEND": "tests.test_notifications_links.DownBackend"}}


def _row_values(notification) -> str:
    """Every column of the row, as the database (or a backup of it) holds it."""
    return repr(Notification.objects.filter(pk=notification.pk).values().get())


def _assert_no_link(notification):
    values = _row_values(notification)
    for path in LINK_PATHS:
        assert path not in values, values


def _link(message, name) -> str:
    return re.search(rf"http://testserver(/portal/{name}/\S+/)", message.body).group(1)


def test_queued_and_sent_rows_hold_no_link(
    member, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    invited = PortalUserFactory(client=portal_a.client, portals=[portal_a], activated_at=None)
    invited.user.set_unusable_password()
    invited.user.save()
    with django_capture_on_commit_callbacks(execute=False):
        accounts.send_password_reset(member.email)
        notifications.queue_activation(invited)
    reset = Notification.objects.get(kind="password_reset")
    activation = Notification.objects.get(kind="activation")
    _assert_no_link(reset)
    _assert_no_link(activation)

    report = delivery.deliver()
    assert sorted(report.sent) == sorted([reset.pk, activation.pk])
    _assert_no_link(reset)
    _assert_no_link(activation)
    bodies = " ".join(m.body for m in mailoutbox)
    assert "/portal/password-reset/" in bodies and "/portal/activate/" in bodies
    for message in mailoutbox:  # the tokens themselves are nowhere in the rows either
        for token in re.findall(r"/portal/(?:password-reset|activate)/\S+/(\S+)/", message.body):
            assert token not in _row_values(reset) + _row_values(activation)


@override_settings(MAILERS=DOWN)
def test_the_reset_form_stores_no_link_and_the_email_link_works(
    client, member, django_capture_on_commit_callbacks
):
    mail.outbox = []
    DownBackend.down = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/portal/password-reset/", {"email": member.email})
        assert response.status_code == 200
        [row] = Notification.objects.filter(kind="password_reset")
        assert row.status == "queued" and row.user == member.user  # waiting for a retry
        _assert_no_link(row)
        DownBackend.down = False
        delivery.deliver([row.pk], now=timezone.now() + datetime.timedelta(hours=1))
        row.refresh_from_db()
        assert row.status == "sent"
        _assert_no_link(row)
    finally:
        DownBackend.down = True
    [message] = mail.outbox
    link = _link(message, "password-reset")
    assert client.get(link).status_code == 200
    new = "Nowe-Haslo-2026!"
    assert client.post(link, {"new_password1": new, "new_password2": new}).status_code == 200
    member.user.refresh_from_db()
    assert member.user.check_password(new)


def test_the_activation_link_works(
    client, ado, portal_a, mailoutbox, django_capture_on_commit_callbacks
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
    [row] = Notification.objects.filter(kind="activation")
    _assert_no_link(row)
    link = _link(mailoutbox[-1], "activate")
    assert client.get(link).status_code == 200
    assert pu.user.email in mailoutbox[-1].to


@override_settings(MAILERS=DOWN, WAGTAILCLIENTPORTAL_NOTIFY_MAX_ATTEMPTS=1)
def test_a_reset_sent_again_days_later_carries_a_working_link(
    client, member, administrator, django_capture_on_commit_callbacks
):
    DownBackend.down = True
    mail.outbox = []
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/portal/password-reset/", {"email": member.email})
        row = Notification.objects.get(kind="password_reset")
        assert row.status == "failed"
        _assert_no_link(row)
        DownBackend.down = False
        # Longer than PASSWORD_RESET_TIMEOUT (3 days): a link made at queueing would be dead.
        later = timezone.now() + datetime.timedelta(days=5)
        with time_machine.travel(later, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                services.resend_notifications(administrator, [row])
            row.refresh_from_db()
            assert row.status == "sent"
            _assert_no_link(row)
            [message] = mail.outbox
            assert client.get(_link(message, "password-reset")).status_code == 200
    finally:
        DownBackend.down = True


def test_a_reset_for_a_login_that_may_no_longer_reset_is_not_sent(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        accounts.send_password_reset(member.email)
    member.user.is_active = False
    member.user.save()
    report = delivery.deliver()
    assert report.failed and mailoutbox == []


def test_the_migration_removes_stored_links(member):
    migration = importlib.import_module("wagtail_clientportal.migrations.0004_forget_email_links")
    old = Notification.objects.create(
        kind="password_reset",
        recipient=member.email,
        user=member.user,
        context={"reset_url": "http://testserver/portal/password-reset/MQ/abc-def/"},
    )
    other = Notification.objects.create(
        kind="activation",
        recipient=member.email,
        user=member.user,
        context={"note": "see http://testserver/portal/activate/MQ/abc-def/", "keep": 1},
    )
    shares = Notification.objects.create(
        kind="new_shares", recipient=member.email, context={"count": 2, "counts": {"document": 2}}
    )
    migration.forget_links(apps, None)
    for row in (old, other, shares):
        row.refresh_from_db()
    assert old.context == {} and other.context == {"keep": 1}
    assert shares.context == {"count": 2, "counts": {"document": 2}}
    _assert_no_link(old)
    _assert_no_link(other)
