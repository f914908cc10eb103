"""Delivery status from the provider's webhooks (django-anymail's ``tracking`` signal).

Mount ``path("anymail/", include("anymail.urls"))`` and set
``ANYMAIL = {"WEBHOOK_SECRET": ...}``; events are matched to notifications by the
provider's message id, recorded when the message was sent.
"""

from __future__ import annotations

from anymail.signals import tracking
from django.dispatch import receiver
from django.utils import timezone

# anymail event type -> Notification.Status; other events (opened, clicked…) are ignored.
EVENT_STATUS = {
    "delivered": "delivered",
    "bounced": "bounced",
    "complained": "complained",
    "rejected": "rejected",
    "failed": "rejected",
}


@receiver(tracking, dispatch_uid="wagtail_clientportal.notifications.tracking")
def record_tracking_event(sender, event, esp_name, **kwargs) -> int:
    """Update the notification(s) with ``event.message_id``; returns how many changed."""
    from ..models import Notification

    status = EVENT_STATUS.get(event.event_type)
    if not status or not event.message_id:
        return 0
    rows = Notification.objects.filter(provider_message_id=str(event.message_id))
    if event.recipient:
        # A batch send may give every recipient the same id (e.g. Mailgun).
        rows = rows.filter(recipient__iexact=event.recipient)
    if status == Notification.Status.DELIVERED:
        # Events may arrive out of order: a bounce or complaint is never undone.
        rows = rows.filter(status=Notification.Status.SENT)
    else:
        rows = rows.exclude(status=status)
    update = {"status": status, "status_changed_at": timezone.now()}
    if status != Notification.Status.DELIVERED:
        update["last_error"] = (
            f"{esp_name}: {event.event_type} {event.reject_reason or ''} {event.description or ''}"
        ).strip()[:2000]
    return rows.update(**update)


def last_bounced_user_ids(user_ids) -> set[int]:
    """Which of these logins' most recent sent email bounced, was rejected or complained of.

    For the admin's portal-user list: one query for any number of users.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import OuterRef, Subquery

    from ..models import Notification

    done = [
        Notification.Status.SENT,
        Notification.Status.DELIVERED,
        *Notification.UNDELIVERABLE,
    ]
    latest = (
        Notification.objects.filter(user=OuterRef("pk"), status__in=done)
        .order_by("-sent_at", "-pk")
        .values("status")[:1]
    )
    return set(
        get_user_model()
        ._default_manager.filter(pk__in=list(user_ids))
        .annotate(last_status=Subquery(latest))
        .filter(last_status__in=list(Notification.UNDELIVERABLE))
        .values_list("pk", flat=True)
    )
