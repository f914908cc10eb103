"""What the Wagtail dashboard shows staff of the client portal, each part behind its permission.

Failed notifications need the outbox permission (they carry people's addresses);
shares awaiting confirmation and recent shares need the permission to share. A few
rows and one count per part: the queries do not grow with the outbox or the shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from .. import share_kinds
from ..models import DeliveryEvent, Notification, Share
from ..permissions import SHARE_ITEMS
from .delivery_status import CONFIRMED
from .notifications import may_see_outbox

SHARE_RELATED = ("portal__client", *share_kinds.RELATED, "shared_by")


@dataclass
class Part:
    rows: list = field(default_factory=list)
    count: int = 0


@dataclass
class Dashboard:
    failed: Part | None = None
    awaiting: Part | None = None
    recent: Part | None = None

    def __bool__(self) -> bool:
        return any(part is not None for part in (self.failed, self.awaiting, self.recent))


def awaiting_confirmation():
    """Active shares whose receipt was asked for and nobody has confirmed yet."""
    confirmed = DeliveryEvent.objects.filter(CONFIRMED, share_ref=OuterRef("pk"))
    return (
        Share.objects.active()
        .filter(receipt_request__isnull=False)
        .exclude(Exists(confirmed))
        .order_by("receipt_request__due_on", "-shared_at", "-pk")
    )


def _part(queryset, limit: int) -> Part:
    rows = list(queryset[:limit])
    count = len(rows) if len(rows) < limit else queryset.order_by().count()
    return Part(rows=rows, count=count)


def for_staff(actor, *, limit: int = 5) -> Dashboard:
    dashboard = Dashboard()
    if not (actor and actor.is_active):
        return dashboard
    if may_see_outbox(actor):
        failed = Notification.objects.filter(status=Notification.Status.FAILED)
        dashboard.failed = _part(failed.select_related("portal__client"), limit)
    if actor.has_perm(SHARE_ITEMS):
        awaiting = awaiting_confirmation().select_related(*SHARE_RELATED, "receipt_request")
        dashboard.awaiting = _part(awaiting, limit)
        recent = Share.objects.active().select_related(*SHARE_RELATED)
        dashboard.recent = Part(rows=list(recent.order_by("-shared_at", "-pk")[:limit]))
    return dashboard
