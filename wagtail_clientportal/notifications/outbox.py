"""Writing notifications into the outbox, inside the caller's transaction.

Nothing here sends: rows are delivered by ``tasks.send_notifications``, enqueued
only when the transaction commits (``django.tasks`` is not transaction-aware).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import conf

logger = logging.getLogger(__name__)

# Enough to recognise the batch; the full list is on the portal. Only with
# WAGTAILCLIENTPORTAL_NOTIFY_ITEM_TITLES, since titles may be privileged.
MAX_TITLES = 50


def enqueue_on_commit(ids: list[int]) -> None:
    """Ask the task backend to deliver ``ids`` once the current transaction commits."""
    if ids:
        transaction.on_commit(lambda: enqueue_now(ids), robust=True)


def enqueue_now(ids: list[int], run_after=None) -> None:
    from .tasks import send_notifications

    task = send_notifications.using(backend=conf.task_backend())
    if run_after is not None:
        task = task.using(run_after=run_after)
    try:
        task.enqueue(list(ids))
    except Exception:
        # The rows stay queued: the resend command (or the next retry) delivers them.
        logger.exception("Could not enqueue notifications %s", ids[:20])


def enqueue_task_on_commit(name: str, *args) -> None:
    """Enqueue the task ``tasks.<name>`` with ``args`` once the transaction commits."""

    def enqueue():
        from . import tasks

        try:
            getattr(tasks, name).using(backend=conf.task_backend()).enqueue(*args)
        except Exception:
            logger.exception("Could not enqueue the task %s", name)

    transaction.on_commit(enqueue, robust=True)


def _email_field() -> str:
    return get_user_model().get_email_field_name()


def create(kind: str, recipient: str, **fields):
    """One outbox row, delivered after commit. Returns the ``Notification``."""
    from ..models import Notification

    notification = Notification.objects.create(
        kind=kind, recipient=recipient, language=conf.email_language(), **fields
    )
    enqueue_on_commit([notification.pk])
    return notification


def eligible_assignments(portal_ids: Iterable[int]):
    """(portal id, portal user id, user id, email) of everyone to tell about a portal, now.

    The same rule as portal access (DESIGN rule 9, minus OTP): activated, not
    blocked, not expired, assigned to the portal, and of the portal's own client.
    """
    from ..models import PortalAssignment

    today = timezone.localdate()
    email = f"portal_user__user__{_email_field()}"
    return (
        PortalAssignment.objects.filter(
            portal_id__in=list(portal_ids),
            portal_user__activated_at__isnull=False,
            portal_user__is_blocked=False,
            portal_user__user__is_active=True,  # a deactivated login cannot log in
            portal_user__client_id=F("portal__client_id"),
        )
        .filter(
            Q(portal_user__access_expires_on__isnull=True)
            | Q(portal_user__access_expires_on__gte=today)
        )
        .order_by("portal_id", "portal_user_id")
        .values_list("portal_id", "portal_user_id", "portal_user__user_id", email)
    )


def queue_shares(shares_by_portal: dict[int, list], message: str = "") -> list:
    """One notification per eligible person for one sharing action.

    A person on several of the portals (through one or several clients) gets one
    email listing each portal with its own count: the row points at the first of
    them and its context lists all under ``"portals"``.

    ``shares_by_portal`` maps a portal id to the ``Share`` rows just created on it
    (their targets already loaded: no query per item). Two queries in all,
    whatever the number of items and people: one for the recipients, one insert.
    ``message`` is the staff member's optional note, shown in every email.

    A person who chose the daily digest gets no email now: their row is written
    "held", with the ids of the shares, and the next digest lists it.
    """
    from ..models import Notification, PortalUser

    if not shares_by_portal:
        return []
    contexts = {}
    for portal_id, shares in shares_by_portal.items():
        counts = Counter(share.kind for share in shares)
        context = {"count": len(shares), "counts": dict(counts)}
        if message:
            context["message"] = message
        if conf.notify_item_titles():
            context["titles"] = [_title(share.target) for share in shares[:MAX_TITLES]]
        contexts[portal_id] = context
    language = conf.email_language()
    now = timezone.now()
    Preference = PortalUser.NotificationPreference
    # (user id, held for the digest?) -> places: one email now, or one row held for
    # the digest, per person; a person whose memberships differ gets one of each.
    people: dict[tuple[int, bool], list[tuple[int, int, str]]] = {}
    recipients = eligible_assignments(shares_by_portal).values_list(
        "portal_id",
        "portal_user_id",
        "portal_user__user_id",
        f"portal_user__user__{_email_field()}",
        "portal_user__notification_preference",
    )
    for portal_id, portal_user_id, user_id, email, preference in recipients:
        if email:
            held = preference == Preference.DAILY
            people.setdefault((user_id, held), []).append((portal_id, portal_user_id, email))
    share_ids = {
        str(portal_id): [share.pk for share in shares]
        for portal_id, shares in shares_by_portal.items()
    }
    rows = []
    for (user_id, held), places in people.items():
        context = _person_context(places, contexts)
        if held:
            # What the digest lists: the shares themselves, so that one revoked
            # meanwhile is left out (``digest``).
            context["shares"] = {str(p): share_ids[str(p)] for p, _pu, _e in places}
        rows.append(
            Notification(
                kind=Notification.Kind.NEW_SHARES,
                status=Notification.Status.HELD if held else Notification.Status.QUEUED,
                recipient=places[0][2],
                user_id=user_id,
                portal_user_id=places[0][1],
                portal_id=places[0][0],
                context=context,
                language=language,
                created_at=now,
                next_attempt_at=now,
                status_changed_at=now,
            )
        )
    created = Notification.objects.bulk_create(rows, batch_size=500)
    enqueue_on_commit([n.pk for n in created if n.status == Notification.Status.QUEUED])
    return created


def _person_context(places: list[tuple[int, int, str]], contexts: dict[int, dict]) -> dict:
    """The context of one person's email: one portal's as it is, or several merged."""
    if len(places) == 1:
        return contexts[places[0][0]]
    merged: Counter = Counter()
    titles: list[str] = []
    for portal_id, _pu, _email in places:
        merged.update(contexts[portal_id]["counts"])
        titles.extend(contexts[portal_id].get("titles", []))
    first = contexts[places[0][0]]
    context = {
        "count": sum(contexts[p]["count"] for p, _pu, _e in places),
        "counts": dict(merged),
        "portals": [
            {"portal": p, "portal_user": pu, "count": contexts[p]["count"]}
            for p, pu, _email in places
        ],
    }
    if "message" in first:
        context["message"] = first["message"]
    if conf.notify_item_titles():
        context["titles"] = titles[:MAX_TITLES]
    return context


def _title(item) -> str:
    return str(getattr(item, "title", None) or item)[:255]


#: Kinds that may be sent again. A login code is never stored (its row says only that
#: one was sent), and the person waiting for it has long since asked for a new one.
RESENDABLE_KINDS = ("activation", "new_shares", "password_reset", "digest")


def requeue_failed(notifications, *, enqueue: bool = True) -> list[int]:
    """Queue failed notifications (a queryset) again, attempts starting over; returns their ids.

    Delivery is asked for when the current transaction commits (unless ``enqueue``
    is false: the resend command delivers them itself). Rows that are no longer
    failed, and login codes, are left as they are.
    """
    from ..models import Notification

    now = timezone.now()
    rows = notifications.filter(
        status=Notification.Status.FAILED, kind__in=RESENDABLE_KINDS
    ).select_for_update()
    ids = list(rows.values_list("pk", flat=True))
    if ids:
        Notification.objects.filter(pk__in=ids, status=Notification.Status.FAILED).update(
            status=Notification.Status.QUEUED,
            attempts=0,
            next_attempt_at=now,
            status_changed_at=now,
            claim="",
        )
        if enqueue:
            enqueue_on_commit(ids)
    return ids
