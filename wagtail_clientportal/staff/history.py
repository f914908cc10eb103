"""The audit side of shares on the staff pages: who opened what, and the past shares.

The rows outlive revocation and portal deletion (DESIGN rule 12), so an item's page
is where a deleted portal's shares and their access events stay readable.
"""

from __future__ import annotations

from django.db.models import Count, Max

from .. import share_kinds
from ..models import AccessEvent

SHARE_HISTORY_RELATED = (
    "portal__client",
    *share_kinds.RELATED,
    "shared_by",
    "revoked_by",
)


def access_summary(share_ids) -> dict[int, list[dict]]:
    """Who opened each share and when (last time), from AccessEvent; one query."""
    summary: dict[int, list[dict]] = {}
    rows = (
        AccessEvent.objects.filter(share_id__in=list(share_ids))
        .values("share_id", "user_name", "user_email")
        .annotate(last_at=Max("at"), times=Count("id"))
        .order_by("share_id", "-last_at")
    )
    for row in rows:
        summary.setdefault(row["share_id"], []).append(row)
    return summary


def split_history(shares) -> tuple[list, list]:
    """``(active, history)`` of one item's shares, each with ``opened_by`` filled in.

    History is every share no longer visible: revoked, expired, or on a deleted portal.
    """
    rows = list(shares.select_related(*SHARE_HISTORY_RELATED).order_by("-shared_at", "-pk"))
    events = access_summary(s.pk for s in rows)
    for share in rows:
        share.opened_by = events.get(share.pk, [])
    active = [s for s in rows if s.is_active()]
    return active, [s for s in rows if not s.is_active()]
