"""Delivering queued notifications: claim, render, hooks, one send, record the outcome.

Claim before send: a conditional UPDATE moves rows from "queued" to "sending"
under a fresh claim token, and only the worker whose token is on a row sends it.
The database decides (row locks on PostgreSQL, one writer on SQLite), so two
workers, or one task run twice, never send the same notification twice.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass, field

from django.core import mail
from django.db.models import F, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from wagtail.hooks import get_hooks

from .. import conf
from ..hooks import CONSTRUCT_NOTIFICATION, SEND_NOTIFICATION
from . import summary
from .render import render_message

logger = logging.getLogger(__name__)

# Rows claimed per round by the resend command; a task gets its own ids.
BATCH_SIZE = 500


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    provider_calls: int = 0


def claim(ids: list[int] | None = None, *, now=None) -> list:
    """Move due queued rows to "sending" for this worker only; return them."""
    from ..models import Notification

    now = now or timezone.now()
    token = uuid.uuid4().hex
    Status = Notification.Status
    due = Notification.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    else:
        # The status test is repeated on the outer UPDATE on purpose: PostgreSQL
        # re-checks only the outer WHERE after waiting for a competitor's lock.
        picked = Notification.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        due = due.filter(
            pk__in=Subquery(picked.order_by("next_attempt_at").values("pk")[:BATCH_SIZE])
        )
    claimed = due.update(
        status=Status.SENDING,
        claim=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
        status_changed_at=now,
    )
    if not claimed:
        return []
    return list(
        Notification.objects.filter(claim=token, status=Status.SENDING)
        .select_related("portal__client", "portal_user__user", "portal_user__client", "user")
        .order_by("pk")
    )


def portal_url(portal) -> str:
    """Where the portal opens; the login page leads on to it after the second factor."""
    base = conf.base_url().rstrip("/")
    for name, kwargs in (
        ("wagtail_clientportal:portal", {"portal_id": portal.pk}),
        ("wagtail_clientportal:index", {}),
        ("wagtail_clientportal:login", {}),
    ):
        try:
            return base + reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return base + "/"


class Undeliverable(Exception):
    """The notification can never be sent (its portal or person is gone): no retry."""


def build_message(notification):
    """The email for one outbox row, rendered now in the row's language."""
    kind = notification.kind
    language = notification.language or conf.email_language()
    context = {"notification": notification, **notification.context}
    if kind == "activation":
        from ..portal.tokens import activation_url

        if notification.portal_user is None:
            raise Undeliverable("the portal user was deleted")
        login = notification.portal_user.user
        context["portal_user"] = notification.portal_user
        context["client_name"] = notification.portal_user.client.name
        # The real period, not "a few days" (at least 1 hour, as the link says).
        context["link_hours"] = max(1, conf.activation_timeout() // 3600)
        if login.has_usable_password():
            # The person already has an account: tell them where to log in, never a link
            # that could reset their password.
            context["login_url"] = conf.base_url().rstrip("/") + reverse(
                "wagtail_clientportal:login"
            )
        else:
            context["activation_url"] = activation_url(login)
    elif kind == "new_shares":
        portal = notification.portal
        if portal is None or notification.portal_user is None:
            raise Undeliverable("the portal or the portal user was deleted")
        with translation.override(language):
            context.update(
                portal=portal,
                portal_user=notification.portal_user,
                portal_url=portal_url(portal),
                total_phrase=summary.total_phrase(notification.context["count"]),
                subject_phrase=summary.subject_phrase(notification.context["count"], portal.name),
                kind_phrases=summary.kind_phrases(notification.context.get("counts", {})),
                titles=notification.context.get("titles", []) if conf.notify_item_titles() else [],
                message=notification.context.get("message", ""),
            )
            if "portals" in notification.context:  # one email for several portals
                several = summary.several_portals(notification.context, portal_url)
                if not several:
                    raise Undeliverable("the recipient no longer has access to the portals")
                context.update(several)
    elif kind == "password_reset":
        from ..portal.tokens import password_reset_url
        from ..services.accounts import may_reset_password

        # Only the user is stored: the link is made now, so no row or backup holds one.
        if not may_reset_password(notification.user):
            raise Undeliverable("the login was deleted or may no longer reset its password")
        context["user"] = notification.user
        context["reset_url"] = password_reset_url(notification.user)
    else:
        context["user"] = notification.user
    return render_message(kind, notification.recipient, context, language)


def deliver(ids: list[int] | None = None, *, now=None) -> DeliveryReport:
    """Send what is due (``ids`` only, when given) and record each outcome."""
    now = now or timezone.now()
    report = DeliveryReport()
    rows = claim(ids, now=now)
    if not rows:
        return report
    outgoing: list[tuple] = []  # (notification, message)
    still_allowed = _still_allowed(rows)
    for notification in rows:
        try:
            if notification.kind == "new_shares" and (
                (notification.portal_id, notification.portal_user_id) not in still_allowed
            ):
                # Blocked, expired or unassigned since the share (e.g. during retries).
                raise Undeliverable("the recipient no longer has access to the portal")
            message = build_message(notification)
            for fn in get_hooks(CONSTRUCT_NOTIFICATION):
                replaced = fn(notification=notification, message=message)
                if replaced is not None:
                    message = replaced
            handled = None
            for fn in get_hooks(SEND_NOTIFICATION):
                handled = fn(notification=notification, message=message)
                if handled:
                    break
        except Undeliverable as exc:
            _give_up(notification, str(exc), now, report)
            continue
        except Exception as exc:
            logger.exception("Notification %s could not be prepared", notification.pk)
            _retry_or_fail(notification, exc, now, report)
            continue
        if handled:
            _mark_sent(notification, handled if isinstance(handled, str) else "", now, report)
        else:
            outgoing.append((notification, message))

    if outgoing:
        _send_batch(outgoing, now, report)
    _save(rows)
    if report.retrying:
        _schedule_retry(rows)
    return report


def _still_allowed(rows) -> set[tuple[int, int]]:
    """(portal, portal user) pairs that may still hear of new items: one query per round."""
    from .outbox import eligible_assignments

    portal_ids = {n.portal_id for n in rows if n.kind == "new_shares" and n.portal_id}
    if not portal_ids:
        return set()
    people = {n.portal_user_id for n in rows if n.kind == "new_shares"}
    return {
        (portal_id, portal_user_id)
        for portal_id, portal_user_id, _, _ in eligible_assignments(portal_ids).filter(
            portal_user_id__in=people
        )
    }


def _send_batch(outgoing: list[tuple], now, report: DeliveryReport) -> None:
    """Every message of the round through one ``send_messages()`` call on one mailer.

    Each person gets their own message (never everyone in ``to``). With
    ``WAGTAILCLIENTPORTAL_NOTIFY_BATCH_SEND``, identical messages (same subject,
    body, sender) are merged into one django-anymail batch send (``merge_data``):
    one provider call, still one message per recipient. If the call raises
    part-way, messages the backend reports as accepted (``anymail_status``)
    count as sent; the others are retried.
    """
    groups = _batch_groups(outgoing) if conf.notify_batch_send() else [[o] for o in outgoing]
    messages = [_combined(group) for group in groups]
    error = None
    try:
        connection = mail.mailers[conf.mailer()]
        report.provider_calls += 1
        connection.send_messages(messages)
    except Exception as exc:  # any backend, any provider error: retry later
        logger.warning("Sending %d notifications failed: %s", len(messages), exc)
        error = exc
    for group, message in zip(groups, messages, strict=True):
        for notification, _ in group:
            message_id = _provider_message_id(message, notification.recipient)
            if error is None or message_id:
                _mark_sent(notification, message_id, now, report)
            else:
                _retry_or_fail(notification, error, now, report)


def _content_key(message) -> tuple:
    return (
        message.subject,
        message.body,
        message.from_email,
        tuple(message.reply_to),
        tuple(sorted((message.extra_headers or {}).items())),
        tuple((content, mimetype) for content, mimetype in message.alternatives),
        bool(message.attachments or message.cc or message.bcc or len(message.to) != 1),
    )


def _batch_groups(outgoing: list[tuple]) -> list[list[tuple]]:
    groups: dict[tuple, list[tuple]] = {}
    for item in outgoing:
        groups.setdefault(_content_key(item[1]), []).append(item)
    return list(groups.values())


def _combined(group: list[tuple]):
    """One message for a group; an anymail batch send when it has several recipients."""
    if len(group) == 1:
        return group[0][1]
    from anymail.message import AnymailMessage

    first = group[0][1]
    recipients = [message.to[0] for _, message in group]
    batch = AnymailMessage(
        subject=first.subject,
        body=first.body,
        from_email=first.from_email,
        to=recipients,
        reply_to=first.reply_to,
        headers=first.extra_headers,
    )
    for content, mimetype in first.alternatives:
        batch.attach_alternative(content, mimetype)
    # merge_data (even empty) makes anymail send each recipient their own message.
    batch.merge_data = {address: {} for address in recipients}
    return batch


def _provider_message_id(message, recipient: str | None = None) -> str:
    status = getattr(message, "anymail_status", None)
    message_id = getattr(status, "message_id", None) if status is not None else None
    per_recipient = getattr(status, "recipients", None) or {}
    if recipient and recipient in per_recipient:
        message_id = per_recipient[recipient].message_id
    if isinstance(message_id, set):  # anymail: one id per recipient; ours have one
        message_id = next(iter(message_id), None)
    return "" if message_id is None else str(message_id)


def _mark_sent(notification, message_id: str, now, report: DeliveryReport) -> None:
    notification.status = notification.Status.SENT
    notification.sent_at = now
    notification.provider_message_id = message_id[:255]
    notification.last_error = ""
    if notification.kind == notification.Kind.PASSWORD_RESET:
        # The link is a secret: once sent, the outbox need not keep it.
        notification.context = {}
    report.sent.append(notification.pk)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff: the base delay, doubled after every failed attempt."""
    return datetime.timedelta(seconds=conf.notify_retry_delay() * 2 ** max(0, attempts - 1))


def _retry_or_fail(notification, exc, now, report: DeliveryReport) -> None:
    notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if notification.attempts >= conf.notify_max_attempts():
        notification.status = notification.Status.FAILED
        report.failed.append(notification.pk)
    else:
        notification.status = notification.Status.QUEUED
        notification.next_attempt_at = now + retry_delay(notification.attempts)
        report.retrying.append(notification.pk)


def _give_up(notification, reason: str, now, report: DeliveryReport) -> None:
    notification.status = notification.Status.FAILED
    notification.last_error = reason
    report.failed.append(notification.pk)


def _save(rows) -> None:
    from ..models import Notification

    now = timezone.now()
    for row in rows:
        row.claim = ""
        row.status_changed_at = now
    Notification.objects.bulk_update(
        rows,
        [
            "status",
            "sent_at",
            "provider_message_id",
            "last_error",
            "next_attempt_at",
            "context",
            "claim",
            "status_changed_at",
        ],
        batch_size=BATCH_SIZE,
    )


def _schedule_retry(rows) -> None:
    """Ask a deferring task backend (e.g. django-tasks-db) to retry when due.

    Backends that cannot defer (the immediate one) rely on the resend command,
    run periodically (cron) in that setup.
    """
    from django.tasks import task_backends

    from .outbox import enqueue_now

    waiting = [r for r in rows if r.status == r.Status.QUEUED]
    if not waiting or not task_backends[conf.task_backend()].supports_defer:
        return
    enqueue_now([r.pk for r in waiting], run_after=min(r.next_attempt_at for r in waiting))
