"""Delivering queued notifications: claim, render, hooks, send, record the outcome.

Claim before send: a conditional UPDATE moves rows from "queued" to "sending"
under a fresh claim token, and only the worker whose token is on a row sends it.
The database decides (row locks on PostgreSQL, one writer on SQLite), so two
workers, or one task run twice, never send the same notification twice.

The token is also a fence (``Lease``). A row left "sending" longer than
``NOTIFY_STUCK_AFTER`` is queued again by the resend command and claimed under a
new token; a worker that was only slow, not dead, then finds its token gone:
right before each provider call it renews its lease with a conditional
``UPDATE … WHERE claim = <its token>`` and sends nothing that is no longer its
own, and it records every outcome under the same condition. While a long round
is being sent the lease of the rows still waiting is renewed, and each accepted
message is recorded as sent at once (a checkpoint), so a dropped connection or a
killed worker re-sends only what the provider had not accepted.
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.db.models import F, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from wagtail.hooks import get_hooks

from .. import compat, conf
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


class Lease:
    """This worker's claim on its rows: the token, renewed before each provider call."""

    def __init__(self, token: str):
        self.token = token
        self.renewed = time.monotonic()

    def _mine(self, ids):
        from ..models import Notification

        return Notification.objects.filter(
            pk__in=list(ids), claim=self.token, status=Notification.Status.SENDING
        )

    def hold(self, ids) -> set[int]:
        """Renew the lease on ``ids``; return those still ours (the others: send nothing)."""
        ids = list(ids)
        if not ids:
            return set()
        if self._mine(ids).update(claimed_at=timezone.now()) == len(ids):
            return set(ids)
        return set(self._mine(ids).values_list("pk", flat=True))

    def keep_alive(self, ids) -> None:
        """Renew the rows still waiting in a long round, a few times per STUCK_AFTER."""
        if time.monotonic() - self.renewed >= conf.notify_stuck_after() / 4:
            self._mine(ids).update(claimed_at=timezone.now())
            self.renewed = time.monotonic()

    def record(self, rows) -> set[int]:
        """Save the outcomes of ``rows`` that are still ours; returns their ids."""

        rows = list(rows)
        if not rows:
            return set()
        now = timezone.now()
        for row in rows:
            row.claim, row.status_changed_at = "", now
        # bulk_update() keeps the queryset's filter: WHERE claim = <token> AND pk IN …
        ids = {r.pk for r in rows}
        updated = self._mine(ids).bulk_update(rows, OUTCOME_FIELDS, batch_size=BATCH_SIZE)
        # The rows were held just before (they share one lease), so a shortfall means
        # another run re-queued them all meanwhile: none of this is on record.
        mine = ids if updated == len(rows) else set()
        lost = [r.pk for r in rows if r.pk not in mine]
        if lost:
            logger.warning("Notifications %s were claimed by another run meanwhile", lost[:20])
        return mine


#: What a worker writes back about a row it claimed.
OUTCOME_FIELDS = [
    "status",
    "attempts",
    "sent_at",
    "provider_message_id",
    "last_error",
    "next_attempt_at",
    "context",
    "claim",
    "status_changed_at",
]


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


def build_message(notification, *, preview: bool = False):
    """The email for one outbox row, rendered now in the row's language.

    ``preview`` (the admin's read-only view) renders it with ``preview.LINK`` in
    place of every link and ``preview.CODE`` in place of a code: no token is made.
    """
    from .preview import CODE, LINK

    def link(make):
        return str(LINK) if preview else make()

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
            context["login_url"] = link(
                lambda: conf.base_url().rstrip("/") + reverse("wagtail_clientportal:login")
            )
        else:
            context["activation_url"] = link(lambda: activation_url(login))
    elif kind == "new_shares":
        portal = notification.portal
        if portal is None or notification.portal_user is None:
            raise Undeliverable("the portal or the portal user was deleted")
        with translation.override(language):
            context.update(
                portal=portal,
                portal_user=notification.portal_user,
                portal_url=link(lambda: portal_url(portal)),
                total_phrase=summary.shared_phrase(notification.context["count"]),
                subject_phrase=summary.subject_phrase(notification.context["count"], portal.name),
                kind_phrases=summary.kind_phrases(notification.context.get("counts", {})),
                titles=notification.context.get("titles", []) if conf.notify_item_titles() else [],
                message=notification.context.get("message", ""),
            )
            if "portals" in notification.context:  # one email for several portals
                url_of = (lambda p: str(LINK)) if preview else portal_url
                several = summary.several_portals(notification.context, url_of)
                if not several:
                    raise Undeliverable("the recipient no longer has access to the portals")
                context.update(several)
    elif kind == "digest":
        with translation.override(language):
            context.update(_digest_context(notification, link, preview))
    elif kind == "password_reset":
        from ..portal.tokens import password_reset_url
        from ..services.accounts import may_reset_password

        # Only the user is stored: the link is made now, so no row or backup holds one.
        if not may_reset_password(notification.user):
            raise Undeliverable("the login was deleted or may no longer reset its password")
        context["user"] = notification.user
        context["reset_url"] = link(lambda: password_reset_url(notification.user))
    else:
        context["user"] = notification.user
        if preview:
            context["code"] = str(CODE)  # never stored: shown as a placeholder
    return render_message(kind, notification.recipient, context, language)


def _digest_context(notification, link, preview: bool) -> dict:
    """The digest's portals with what is still there now (revoked or expired left out)."""
    from .digest import listed, notes_for
    from .preview import LINK

    entries = listed(notification.context.get("places", []))
    if not entries:
        raise Undeliverable("nothing left to list: revoked, expired or no longer accessible")
    url_of = (lambda p: str(LINK)) if preview else portal_url
    titles = conf.notify_item_titles()
    portal_list = []
    for entry in entries:
        portal, shares = entry["portal"], entry["shares"]
        counts: dict[str, int] = {}
        for share in shares:
            counts[share.kind] = counts.get(share.kind, 0) + 1
        portal_list.append(
            {
                "portal": portal,
                "url": url_of(portal),
                "phrase": summary.total_phrase(len(shares)),
                "kind_phrases": summary.kind_phrases(counts),
                "titles": [str(s.target)[:255] for s in shares[:50]] if titles else [],
            }
        )
    count = sum(len(e["shares"]) for e in entries)
    first = entries[0]["portal"]
    return {
        "portal_list": portal_list,
        "portal": first,
        "portal_url": link(lambda: portal_url(first)),
        "total_phrase": summary.shared_phrase(count),
        "subject_phrase": summary.digest_subject(count),
        "messages": notes_for(notification.context, entries),
        "since": _parse_datetime(notification.context.get("since")),
    }


def _parse_datetime(value):
    if not value:
        return None
    try:
        return timezone.localtime(datetime.datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return None


def deliver(ids: list[int] | None = None, *, now=None) -> DeliveryReport:
    """Send what is due (``ids`` only, when given) and record each outcome."""
    now = now or timezone.now()
    report = DeliveryReport()
    rows = claim(ids, now=now)
    if not rows:
        return report
    lease = Lease(rows[0].claim)
    outgoing: list[tuple] = []  # (notification, message)
    done: list = []  # rows with an outcome not yet saved
    send_hooks = get_hooks(SEND_NOTIFICATION)
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
            # A hook that takes over delivery is a provider call too: fenced the same way.
            if send_hooks and not lease.hold([notification.pk]):
                continue
            for fn in send_hooks:
                handled = fn(notification=notification, message=message)
                if handled:
                    break
        except Undeliverable as exc:
            _give_up(notification, str(exc), now, report)
            done.append(notification)
            continue
        except Exception as exc:
            logger.exception("Notification %s could not be prepared", notification.pk)
            _retry_or_fail(notification, exc, now, report)
            done.append(notification)
            continue
        if handled:
            _mark_sent(notification, handled if isinstance(handled, str) else "", now, report)
            done.append(notification)
        else:
            outgoing.append((notification, message))

    saved = lease.record(done)
    if outgoing:
        saved |= _send(outgoing, lease, now, report)
    _forget_lost(report, saved)
    if report.retrying:
        _schedule_retry([r for r in rows if r.pk in saved])
    return report


def _forget_lost(report: DeliveryReport, saved: set[int]) -> None:
    """The report tells only what this run recorded, not rows another run took over."""
    for ids in (report.sent, report.retrying, report.failed):
        ids[:] = [pk for pk in ids if pk in saved]


def mailer_connection():
    """The package's mailer, with a timeout when the host configured none.

    Django's SMTP backend waits forever by default; a hung call must fail well
    before ``NOTIFY_STUCK_AFTER`` (see ``conf.notify_provider_timeout``).
    """
    connection = compat.mailer(conf.mailer())
    if hasattr(connection, "timeout") and connection.timeout is None:
        connection.timeout = conf.notify_provider_timeout()
    return connection


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


#: Messages per ``send_messages()`` call for backends that report what they accepted.
CALL_SIZE = 100


def _reports_message_ids(connection) -> bool:
    """django-anymail backends tell, per message, whether the provider accepted it."""
    try:
        from anymail.backends.base import AnymailBaseBackend
    except ImportError:  # pragma: no cover - anymail is optional
        return False
    return isinstance(connection, AnymailBaseBackend)


def _send(outgoing: list[tuple], lease: Lease, now, report: DeliveryReport) -> set[int]:
    """Hand the messages to the provider on one connection; returns the ids recorded.

    Each call is fenced (``lease.hold`` right before it) and checkpointed (its
    outcomes recorded right after). SMTP and other backends that report nothing
    per message get one message per ``send_messages()`` call: the only way a
    dropped connection re-sends nothing that was accepted. django-anymail
    backends report each accepted message (``anymail_status``), so they get up to
    ``CALL_SIZE`` per call; with ``NOTIFY_BATCH_SEND`` identical messages (same
    subject, body, sender) are first merged into one batch send (``merge_data``):
    one provider call per group, still one message per recipient.

    A failed call ends the round: its messages not reported as accepted are
    retried with backoff, and those not yet handed over are queued again
    without counting an attempt.
    """
    groups = _batch_groups(outgoing) if conf.notify_batch_send() else [[o] for o in outgoing]
    try:
        connection = mailer_connection()
        connection.open()
    except Exception as exc:
        logger.warning("Could not connect to send %d notifications: %s", len(outgoing), exc)
        for notification, _ in outgoing:
            _retry_or_fail(notification, exc, now, report)
        return lease.record([n for n, _ in outgoing])
    size = CALL_SIZE if _reports_message_ids(connection) else 1
    calls = [groups[i : i + size] for i in range(0, len(groups), size)]
    saved: set[int] = set()
    pending = {n.pk for n, _ in outgoing}
    try:
        for index, call in enumerate(calls):
            lease.keep_alive(pending)
            mine = lease.hold(n.pk for group in call for n, _ in group)  # the fence
            call = [[item for item in group if item[0].pk in mine] for group in call]
            call = [group for group in call if group]
            pending -= mine
            if not call:
                continue
            messages = [_combined(group) for group in call]
            error = None
            try:
                report.provider_calls += 1
                connection.send_messages(messages)
            except Exception as exc:  # any backend, any provider error: retry later
                logger.warning("Sending %d notifications failed: %s", len(messages), exc)
                error = exc
            done = []
            for group, message in zip(call, messages, strict=True):
                for notification, _ in group:
                    message_id = _provider_message_id(message, notification.recipient)
                    if error is None or message_id:
                        _mark_sent(notification, message_id, now, report)
                    else:
                        _retry_or_fail(notification, error, now, report)
                    done.append(notification)
            saved |= lease.record(done)  # the checkpoint
            if error is not None:
                untried = [n for later in calls[index + 1 :] for g in later for n, _ in g]
                for notification in untried:
                    _not_tried(notification, error, now, report)
                saved |= lease.record(untried)
                break
    finally:
        try:
            connection.close()
        except Exception:
            logger.warning("Closing the mailer connection failed", exc_info=True)
    return saved


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


def _not_tried(notification, exc, now, report: DeliveryReport) -> None:
    """Never handed to the provider (an earlier call of the round failed): queued again."""
    notification.attempts = max(0, notification.attempts - 1)
    notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    notification.status = notification.Status.QUEUED
    notification.next_attempt_at = now + retry_delay(max(1, notification.attempts))
    report.retrying.append(notification.pk)


def _give_up(notification, reason: str, now, report: DeliveryReport) -> None:
    notification.status = notification.Status.FAILED
    notification.last_error = reason
    report.failed.append(notification.pk)


def _schedule_retry(rows) -> None:
    """Ask a deferring task backend (e.g. django-tasks-db) to retry when due.

    Backends that cannot defer (the immediate one) rely on the resend command,
    run periodically (cron) in that setup.
    """
    from ..compat import task_backends
    from .outbox import enqueue_now

    waiting = [r for r in rows if r.status == r.Status.QUEUED]
    if not waiting or not task_backends[conf.task_backend()].supports_defer:
        return
    enqueue_now([r.pk for r in waiting], run_after=min(r.next_attempt_at for r in waiting))
