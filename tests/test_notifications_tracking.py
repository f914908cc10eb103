"""Issue 5: delivery status from django-anymail's tracking webhooks."""

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.test.utils import override_settings

from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import notifications, services
from wagtail_clientportal.models import Notification

pytestmark = pytest.mark.django_db

ANYMAIL_TEST = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}


def _event(event_type, message_id, **kwargs):
    return AnymailTrackingEvent(event_type=event_type, message_id=message_id, **kwargs)


@pytest.fixture
def sent(editor, portal_a, django_capture_on_commit_callbacks):
    """Two new-shares notifications sent through the anymail test backend."""
    PortalUserFactory.create_batch(2, client=portal_a.client, portals=[portal_a])
    mail.outbox = []
    with override_settings(MAILERS=ANYMAIL_TEST):
        with django_capture_on_commit_callbacks(execute=True):
            services.share_items(editor, [portal_a], [DocumentFactory()])
    rows = list(Notification.objects.order_by("pk"))
    assert all(r.status == "sent" and r.provider_message_id != "" for r in rows)
    return rows


def test_bounce_and_delivery_events_update_the_notification(sent):
    first, second = sent
    tracking.send(sender=object, event=_event("bounced", first.provider_message_id), esp_name="T")
    tracking.send(
        sender=object, event=_event("delivered", second.provider_message_id), esp_name="T"
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "bounced" and "bounced" in first.last_error
    assert second.status == "delivered"


def test_a_late_delivered_event_does_not_undo_a_bounce(sent):
    first = sent[0]
    tracking.send(sender=object, event=_event("bounced", first.provider_message_id), esp_name="T")
    tracking.send(sender=object, event=_event("delivered", first.provider_message_id), esp_name="T")
    first.refresh_from_db()
    assert first.status == "bounced"


@pytest.mark.parametrize("event_type", ["complained", "rejected"])
def test_complaints_and_rejections(sent, event_type):
    first = sent[0]
    tracking.send(sender=object, event=_event(event_type, first.provider_message_id), esp_name="T")
    first.refresh_from_db()
    assert first.status == event_type


def test_unknown_message_ids_and_other_events_change_nothing(sent):
    tracking.send(sender=object, event=_event("bounced", "no-such-id"), esp_name="T")
    tracking.send(sender=object, event=_event("opened", sent[0].provider_message_id), esp_name="T")
    assert {n.status for n in Notification.objects.all()} == {"sent"}


def test_last_bounced_user_ids_for_the_admin_list(sent, member, django_assert_max_num_queries):
    first, second = sent
    tracking.send(sender=object, event=_event("bounced", first.provider_message_id), esp_name="T")
    ids = [first.user_id, second.user_id, member.user_id]
    with django_assert_max_num_queries(1):
        assert notifications.last_bounced_user_ids(ids) == {first.user_id}
    # A later email that went out fine clears the flag.
    Notification.objects.create(
        kind="activation",
        recipient=first.recipient,
        user_id=first.user_id,
        status="delivered",
        sent_at=first.sent_at.replace(year=first.sent_at.year + 1),
    )
    assert notifications.last_bounced_user_ids(ids) == set()


def test_a_shared_batch_message_id_is_told_apart_by_recipient(sent):
    """Some ESPs give every recipient of a batch send the same message id."""
    Notification.objects.update(provider_message_id="batch-1")
    first, second = sent
    event = _event("bounced", "batch-1", recipient=first.recipient.upper())
    tracking.send(sender=object, event=event, esp_name="T")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("bounced", "sent")
