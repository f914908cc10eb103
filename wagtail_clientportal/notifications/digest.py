"""The daily digest: one email per person per day listing what was shared since the last one.

A person who chose the digest (``PortalUser.notification_preference``) gets no
email at sharing time: ``outbox.queue_shares`` writes their row "held", with the
ids of the shares. ``make_digests()`` (the ``clientportal_send_digests`` command,
run daily by cron, or the ``send_digests`` task) turns each person's held rows
into one "digest" row, which the ordinary delivery then sends (claimed, fenced,
retried like any other, ``delivery``).

Safe with several workers, without locks of its own:

- a person's held rows are claimed by one conditional ``UPDATE … WHERE status =
  'held'`` under a fresh token, so two runs never list the same row;
- the digest row carries the person's local day, unique per person
  (``clientportal_one_digest_a_day``): a second run that day fails its insert, and
  its whole transaction (its claim too) rolls back, so its rows stay held for the
  next day's digest: never sent twice, never skipped.

Only what the person may still see is listed: a share revoked or expired, or a
portal the person left, before the digest is made (or sent) is left out; a
digest with nothing left is not sent. Login codes, activation, password reset and
security emails never pass through here.
"""

from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import conf
from .outbox import eligible_assignments, enqueue_on_commit

logger = logging.getLogger(__name__)

#: The reason kept on held rows that had nothing left to list.
NOTHING_LEFT = "nothing left to list: revoked, expired or no longer accessible"


def make_digests(now=None) -> list[int]:
    """Today's digest for every person with held rows and none yet today; their ids.

    Each digest is delivered once its transaction commits (and by the caller,
    ``deliver(ids)``, which is safe to run twice: delivery claims its rows).
    """
    from ..models import Notification

    now = now or timezone.now()
    day = timezone.localdate(now)
    waiting = (
        Notification.objects.filter(
            kind=Notification.Kind.NEW_SHARES,
            status=Notification.Status.HELD,
            created_at__lte=now,
            user__isnull=False,
        )
        .exclude(
            user_id__in=Notification.objects.filter(
                kind=Notification.Kind.DIGEST, digest_day=day
            ).values("user_id")
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    made = []
    for user_id in sorted(set(waiting)):
        try:
            with transaction.atomic():
                digest = _make_one(user_id, day, now)
        except IntegrityError:
            # Another run made this person's digest today: ours rolled back whole.
            logger.info("The digest of user %s for %s was made by another run", user_id, day)
            continue
        if digest is not None:
            made.append(digest.pk)
    return made


def _make_one(user_id: int, day, now):
    from ..models import Notification

    Status = Notification.Status
    token = uuid.uuid4().hex
    claimed = Notification.objects.filter(
        user_id=user_id,
        kind=Notification.Kind.NEW_SHARES,
        status=Status.HELD,
        created_at__lte=now,
    ).update(status=Status.DIGESTED, claim=token, status_changed_at=now)
    if not claimed:
        return None
    rows = list(Notification.objects.filter(claim=token, status=Status.DIGESTED).order_by("pk"))
    places, notes = _merge(rows)
    digest = None
    if listed(places, now):
        last = rows[-1]
        digest = Notification.objects.create(
            kind=Notification.Kind.DIGEST,
            recipient=last.recipient,
            user_id=user_id,
            portal_user_id=last.portal_user_id,
            context={
                "places": places,
                "notes": notes,
                "since": rows[0].created_at.isoformat(),
            },
            language=last.language or conf.email_language(),
            digest_day=day,
            created_at=now,
            next_attempt_at=now,
            status_changed_at=now,
        )
        enqueue_on_commit([digest.pk])
    Notification.objects.filter(claim=token, status=Status.DIGESTED).update(
        claim="", digest=digest, last_error="" if digest else NOTHING_LEFT
    )
    return digest


def _merge(rows) -> tuple[list[dict], list[dict]]:
    """The held rows of one person as places (portal, portal user, share ids), in order,
    and the staff's notes, each with the ids of the shares it came with (``notes_for``)."""
    places: dict[int, dict] = {}
    notes: dict[str, list[int]] = {}
    for row in rows:
        portal_users = {p["portal"]: p["portal_user"] for p in row.context.get("portals", [])}
        for portal, share_ids in row.context.get("shares", {}).items():
            portal = int(portal)
            place = places.setdefault(
                portal,
                {
                    "portal": portal,
                    "portal_user": portal_users.get(portal, row.portal_user_id),
                    "shares": [],
                },
            )
            place["shares"].extend(share_ids)
        note = row.context.get("message", "")
        if note:
            notes.setdefault(note, []).extend(
                pk for share_ids in row.context.get("shares", {}).values() for pk in share_ids
            )
    return list(places.values()), [{"text": t, "shares": ids} for t, ids in notes.items()]


def notes_for(context: dict, entries: list[dict]) -> list[str]:
    """The staff's notes that came with at least one share still listed in ``entries``.

    A note belongs to its sharing action: when all of that action's items are revoked,
    expired or on portals the person may no longer open (another client's, say), its
    text is no more theirs to read than the items. Digests made before notes carried
    their shares (``messages``) keep all of theirs.
    """
    if "notes" not in context:
        return list(context.get("messages", []))
    listed_ids = {share.pk for entry in entries for share in entry["shares"]}
    return [note["text"] for note in context["notes"] if listed_ids.intersection(note["shares"])]


def listed(places: list[dict], now=None) -> list[dict]:
    """What the digest lists now: per portal the person may still open, its active shares.

    Each entry: ``portal`` (a ``Portal``), ``shares`` (``Share`` rows, targets loaded).
    Two queries for access and portals, one for the shares, whatever their number.
    """
    from ..models import Portal, Share

    if not places:
        return []
    wanted = {place["portal"]: place["portal_user"] for place in places}
    allowed = {
        portal_id
        for portal_id, portal_user_id, _user, _email in eligible_assignments(wanted)
        if wanted.get(portal_id) == portal_user_id
    }
    ids = [pk for place in places if place["portal"] in allowed for pk in place["shares"]]
    if not ids:
        return []
    portals = Portal.objects.select_related("client").in_bulk(list(allowed))
    by_portal: dict[int, list] = {}
    shares = Share.objects.active(now).filter(pk__in=ids, portal_id__in=list(allowed))
    for share in shares.select_related(*_target_fields()).order_by("shared_at", "pk"):
        by_portal.setdefault(share.portal_id, []).append(share)
    return [
        {"portal": portals[place["portal"]], "shares": by_portal[place["portal"]]}
        for place in places
        if place["portal"] in by_portal and place["portal"] in portals
    ]


def _target_fields() -> tuple[str, ...]:
    from ..share_kinds import TARGET_FIELDS

    return TARGET_FIELDS
