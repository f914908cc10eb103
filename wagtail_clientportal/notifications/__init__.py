"""Emails of the package. Callers use only the functions here.

Every ``queue_*`` function writes an outbox row (``models.Notification``) inside
the caller's transaction and asks for delivery only when it commits, so a
rolled-back change emails no one and a committed one is never forgotten:
if the provider is down, the row is retried with backoff, then marked failed
for staff and the ``clientportal_send_notifications`` command.
"""

from __future__ import annotations

from django.utils import timezone

from .. import compat, conf
from . import outbox
from .render import render_message
from .tracking import last_bounced_user_ids

__all__ = [
    "last_bounced_user_ids",
    "queue_activation",
    "queue_new_shares",
    "enqueue_password_reset",
    "queue_password_reset",
    "requeue_failed",
    "send_login_code",
]


def queue_activation(portal_user) -> None:
    """The activation link for a new (or re-invited) portal user.

    The link is made at delivery time, so a retried email still carries a fresh one.
    """
    outbox.create("activation", portal_user.email, user=portal_user.user, portal_user=portal_user)


def queue_password_reset(user) -> None:
    """A password-reset email for ``user`` (a saved login).

    Only the user is stored: the link is made at delivery time (tokens are
    stateless), so neither the outbox nor a backup of it holds a usable link,
    and a message sent again later carries a fresh one.
    """
    outbox.create("password_reset", _email_of(user), user=user)


def enqueue_password_reset(email: str, known_address: bool = False) -> None:
    """Ask the task worker to look ``email`` up and send a reset if it may (after commit).

    Only the typed address travels with the task; the worker decides, so the
    request costs the same for known and unknown addresses. A backend that is
    down is logged, never shown: the answer must not depend on it.
    """
    outbox.enqueue_task_on_commit("send_password_reset", email, known_address)


def queue_new_shares(result, message: str = "") -> list:
    """One message per eligible person per portal for one sharing action (``ShareResult``).

    ``message`` is the staff member's optional note to the recipients (plain text).
    """
    return outbox.queue_shares(result.created_by_portal, message=message)


def requeue_failed(notifications, *, enqueue: bool = True) -> list[int]:
    """Queue failed notifications (a queryset) again; sent after the transaction commits.

    Callers check permissions (``services.resend_notifications``) and hold a transaction.
    """
    return outbox.requeue_failed(notifications, enqueue=enqueue)


def send_login_code(user, code: str, valid_minutes: int, *, setup: bool = False) -> None:
    """A one-time login code: sent at once (the person is waiting on the code screen).

    ``setup``: the code confirms a second factor during activation, and the email says so.
    Recorded in the outbox as sent (without the code) so bounces are seen too;
    a failure is recorded and raised, since the person must be told now.
    """
    from ..models import Notification

    context = {"user": user, "code": code, "valid_minutes": valid_minutes, "setup": setup}
    message = render_message("login_code", _email_of(user), context, None)
    record = Notification(
        kind=Notification.Kind.LOGIN_CODE,
        recipient=_email_of(user),
        user=user if getattr(user, "pk", None) else None,
        language=conf.email_language(),
        attempts=1,
    )
    try:
        compat.send_message(message, conf.mailer())
    except Exception as exc:
        record.status = Notification.Status.FAILED
        record.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        record.save()
        raise
    record.status = Notification.Status.SENT
    record.sent_at = timezone.now()
    record.provider_message_id = _provider_id(message)
    record.save()


def _provider_id(message) -> str:
    from .delivery import _provider_message_id

    return _provider_message_id(message)[:255]


def _email_of(user) -> str:
    return getattr(user, user.get_email_field_name())
