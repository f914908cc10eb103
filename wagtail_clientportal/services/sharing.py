"""Putting items on portals and taking them off again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import hooks, notifications, share_kinds
from ..exceptions import ClientPortalValidationError
from ..models import Portal, Share, SharedDocument
from ..models.sharing import TARGET_FIELDS, search_text_of
from ..permissions import SHARE_ITEMS, require
from . import audit, receipts


@dataclass
class ShareResult:
    created: list[Share] = field(default_factory=list)
    already_active: list[Share] = field(default_factory=list)
    portals: list[Portal] = field(default_factory=list)
    # The new-items emails queued by this action (one per person per portal).
    notifications: list = field(default_factory=list)
    # Older pinned versions on the same portals, now superseded by the new ones.
    superseded: list[Share] = field(default_factory=list)

    @property
    def notified_people(self) -> int:
        """How many different people are told about this action (staff see the number)."""
        return len({n.user_id for n in self.notifications})

    @property
    def created_by_portal(self) -> dict[int, list[Share]]:
        grouped: dict[int, list[Share]] = {}
        for share in self.created:
            grouped.setdefault(share.portal_id, []).append(share)
        return grouped


def target_field(item) -> str:
    """Which Share column holds ``item``; refuses anything that is not shareable."""
    kind = share_kinds.kind_of(item)
    if kind is None:
        raise ClientPortalValidationError("unknown_target")
    return kind.name


def _targets_filter(items_by_kind: dict[str, list]) -> Q:
    condition = Q(pk__in=[])
    for kind, items in items_by_kind.items():
        condition |= Q(**{f"{kind}__in": [item.pk for item in items]})
    return condition


def _group(items: Iterable) -> dict[str, list]:
    grouped: dict[str, list] = {}
    seen: set[tuple[str, int]] = set()
    for item in items:
        kind = target_field(item)
        if item.pk is None:  # unsaved: nothing a share could point at
            raise ClientPortalValidationError("unknown_target")
        if (kind, item.pk) not in seen:
            seen.add((kind, item.pk))
            grouped.setdefault(kind, []).append(item)
    return grouped


@transaction.atomic
def share_items(
    actor,
    portals: Sequence[Portal],
    items: Iterable,
    *,
    expires_at=None,
    message: str = "",
    require_receipt: bool = False,
    confirm_by=None,
    older_versions: str = "keep",
) -> ShareResult:
    """Share every item on every portal, in one transaction.

    ``require_receipt`` asks the portal users to confirm receipt of the new shares
    (optionally by the date ``confirm_by``); the shares of this action are one batch.

    ``message`` is an optional plain-text note from the firm, shown in the
    new-items email to everyone notified (kept in the notification, not the share).

    Idempotent: an item already actively shared on a portal stays as it is and is
    reported in ``already_active``. A share that expired but was never revoked is
    closed (revoked by ``actor``) and replaced, since it is no longer visible.

    Versions (issue 12): a pinned version shared where an older version of the same
    document is active supersedes it: the older share is marked (``superseded_by``,
    ``superseded_at``) and, with ``older_versions="revoke"``, revoked; with "keep" it
    stays reachable under the newer one. A live document and a pinned version of it
    are never active on one portal together (``live_and_version``), nor two versions
    in one action (``two_versions_of_document``), nor an older version over a newer
    one (``newer_version_shared``): never two identical titles without explanation.
    """
    require(actor, SHARE_ITEMS)
    if older_versions not in OLDER_VERSIONS:
        raise ClientPortalValidationError("unknown_target")
    message = _clean_message(message)
    portals = list(portals)
    grouped = _group(items)
    if not portals or not grouped:
        raise ClientPortalValidationError("nothing_selected")

    # Lock the portals: concurrent shares of the same item wait here instead of
    # failing on the unique constraint, and a portal deleted meanwhile is noticed.
    wanted = {p.pk for p in portals}
    portals = list(
        Portal.objects.select_for_update()
        .select_related("client")  # messages name each portal with its client
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    if len(portals) != len(wanted):
        raise ClientPortalValidationError("unknown_target")

    for kind, kind_items in grouped.items():
        for item in kind_items:
            owner = share_kinds.get(kind).owner_client_id(item)
            for portal in portals:
                if owner is not None and owner != portal.client_id:
                    raise ClientPortalValidationError(
                        "item_of_other_client", item=str(item), portal=portal.name
                    )

    all_items = [item for kind_items in grouped.values() for item in kind_items]
    refusals = [
        r for r in hooks.run(hooks.BEFORE_SHARE, actor=actor, portals=portals, items=all_items) if r
    ]
    if refusals:
        raise ClientPortalValidationError("share_refused", message=str(refusals[0]))

    older = _older_versions(grouped, portals)
    now = timezone.now()
    existing = list(
        Share.objects.filter(portal__in=portals, revoked_at__isnull=True)
        .filter(_targets_filter(grouped))
        .select_related("portal")
    )
    stale = [s for s in existing if not s.is_active(now)]
    if stale:
        Share.objects.filter(pk__in=[s.pk for s in stale]).update(revoked_at=now, revoked_by=actor)
    active_keys = {
        (s.portal_id, s.kind, getattr(s, f"{s.kind}_id")) for s in existing if s.is_active(now)
    }

    to_create = [
        Share(
            portal=portal,
            # Copied now, so the record stays readable when the portal is deleted.
            portal_name=portal.name,
            client_name=portal.client.name,
            shared_by=actor,
            shared_at=now,
            expires_at=expires_at,
            search_text=search_text_of(item),
            **{kind: item},
        )
        for portal in portals
        for kind, kind_items in grouped.items()
        for item in kind_items
        if (portal.pk, kind, item.pk) not in active_keys
    ]
    created = Share.objects.bulk_create(to_create, batch_size=500)
    superseded = _supersede(actor, older, created, now, revoke=older_versions == "revoke")
    mark_shared_documents(grouped, now)
    if require_receipt or confirm_by:
        receipts.request_confirmation(actor, created, due_on=confirm_by)
    result = ShareResult(
        created=created,
        already_active=[s for s in existing if s.is_active(now)],
        portals=portals,
        superseded=superseded,
    )
    # One outbox row per eligible person per portal, in this transaction (issue 5).
    result.notifications = notifications.queue_new_shares(result, message=message)
    asked = bool(require_receipt or confirm_by)
    audit.shared(actor, result, require_receipt=asked, expires_at=expires_at)
    hooks.run(hooks.AFTER_SHARE, actor=actor, result=result)
    return result


OLDER_VERSIONS = ("keep", "revoke")


def _older_versions(grouped: dict[str, list], portals) -> list[Share]:
    """The active shares the new versions supersede; refuses what would confuse a client."""
    live_ids = {d.pk for d in grouped.get("document", [])}
    versions = [v for v in grouped.get("document_version", []) if v.document_id]
    version_docs = {v.document_id: v for v in versions}
    if len(version_docs) != len(versions):
        raise ClientPortalValidationError("two_versions_of_document")
    if live_ids & set(version_docs):
        raise ClientPortalValidationError("live_and_version")
    active = Share.objects.active().filter(portal__in=portals)
    if live_ids and active.filter(document_version__document_id__in=live_ids).exists():
        raise ClientPortalValidationError("live_and_version")
    if not version_docs:
        return []
    if active.filter(document_id__in=version_docs).exists():
        raise ClientPortalValidationError("live_and_version")
    older = list(
        active.filter(document_version__document_id__in=version_docs)
        .exclude(document_version__in=versions)
        .select_related("document_version")
    )
    for share in older:
        new = version_docs[share.document_version.document_id]
        if (share.document_version.created_at, share.document_version_id) > (
            new.created_at,
            new.pk,
        ):
            raise ClientPortalValidationError("newer_version_shared", item=str(new))
    return older


def _supersede(actor, older: list[Share], created: list[Share], now, *, revoke: bool):
    """Point each older share at the new share of its document on its portal."""
    new_by_key = {
        (s.portal_id, s.document_version.document_id): s
        for s in created
        if s.document_version_id is not None
    }
    by_new: dict[int, list[int]] = {}
    for share in older:
        new = new_by_key.get((share.portal_id, share.document_version.document_id))
        if new is not None:
            by_new.setdefault(new.pk, []).append(share.pk)
            share.superseded_by, share.superseded_at = new, now
    extra = {"revoked_at": now, "revoked_by": actor} if revoke else {}
    for new_pk, ids in by_new.items():  # one UPDATE per new version share
        Share.objects.filter(pk__in=ids).update(superseded_by_id=new_pk, superseded_at=now, **extra)
    done = [s for s in older if s.superseded_at == now]
    if revoke and done:
        for share in done:
            share.revoked_at, share.revoked_by = now, actor
        audit.revoked(actor, done)
        hooks.run(hooks.AFTER_REVOKE, actor=actor, shares=done)
    return done


def mark_shared_documents(grouped: dict[str, list], now) -> None:
    """Rule 11: the documents behind these items are never public again, whatever is
    revoked or deleted later. One insert, in the sharing transaction; marks already
    there stay as they are."""
    document_ids = {
        pk
        for kind, items in grouped.items()
        for pk in map(share_kinds.get(kind).document_id, items)
        if pk is not None
    }
    SharedDocument.objects.bulk_create(
        [SharedDocument(document_id=pk, first_shared_at=now) for pk in sorted(document_ids)],
        batch_size=500,
        ignore_conflicts=True,
    )


MESSAGE_MAX_LENGTH = 2000


def _clean_message(message) -> str:
    text = (message or "").strip().replace("\r\n", "\n")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ClientPortalValidationError("message_too_long", max=MESSAGE_MAX_LENGTH)
    return text


@transaction.atomic
def revoke_shares(actor, shares: Iterable[Share]) -> list[Share]:
    """Revoke the given shares; the rows stay for the audit. Revoking twice is an error."""
    require(actor, SHARE_ITEMS)
    ids = {s.pk for s in shares}
    if not ids:
        raise ClientPortalValidationError("nothing_selected")
    rows = list(Share.objects.select_for_update().filter(pk__in=ids))
    if len(rows) != len(ids):
        raise ClientPortalValidationError("unknown_target")
    if any(row.revoked_at is not None for row in rows):
        raise ClientPortalValidationError("already_revoked")
    return _revoke(actor, rows)


@transaction.atomic
def revoke_items(actor, items: Iterable, portals: Sequence[Portal] | None = None) -> list[Share]:
    """Revoke the items from the given portals, or from every portal when ``portals`` is None.

    Items that are not shared there are skipped: the bulk action may select a mix.
    """
    require(actor, SHARE_ITEMS)
    grouped = _group(items)
    if not grouped or (portals is not None and not portals):
        raise ClientPortalValidationError("nothing_selected")
    rows = Share.objects.select_for_update().filter(revoked_at__isnull=True)
    rows = rows.filter(_targets_filter(grouped))
    if portals is not None:
        rows = rows.filter(portal__in=[p.pk for p in portals])
    return _revoke(actor, list(rows))


def portals_sharing(items: Iterable):
    """The portals where any of ``items`` has a share not yet revoked: what revoking can
    act on, so the revoke dialog offers only those (one query, however many items)."""
    grouped = _group(items)
    unrevoked = Share.objects.filter(revoked_at__isnull=True).filter(_targets_filter(grouped))
    return Portal.objects.filter(pk__in=unrevoked.values("portal"))


def _revoke(actor, rows: list[Share]) -> list[Share]:
    """One ``UPDATE … WHERE id IN (…)``: every row gets the same values (``bulk_update``
    would build a CASE per row). The rows are locked by the caller."""
    now = timezone.now()
    for row in rows:
        row.revoked_at = now
        row.revoked_by = actor
    if rows:
        Share.objects.filter(pk__in=[row.pk for row in rows]).update(
            revoked_at=now, revoked_by=actor
        )
    if rows:
        audit.revoked(actor, rows)
        hooks.run(hooks.AFTER_REVOKE, actor=actor, shares=rows)
    return rows


__all__ = [
    "TARGET_FIELDS",
    "ShareResult",
    "portals_sharing",
    "revoke_items",
    "revoke_shares",
    "share_items",
]
