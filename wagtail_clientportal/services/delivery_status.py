"""Per share and portal user: shared at, first opened, first complete download, confirmed.

Derived from the records only (``AccessEvent``, ``DeliveryEvent``, ``ReceiptRequest``),
in a fixed number of queries whatever the number of shares on the page.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.db.models import Min, Q
from django.utils import timezone

from ..models import AccessEvent, DeliveryEvent, PortalAssignment, ReceiptRequest

COMPLETE = Q(status=DeliveryEvent.Status.COMPLETE) & ~Q(kind=DeliveryEvent.Kind.CONFIRMATION)
CONFIRMED = Q(kind=DeliveryEvent.Kind.CONFIRMATION)


@dataclass
class DeliveryStatus:
    share_id: int
    portal_user_id: int | None
    user_name: str
    user_email: str
    shared_at: object
    first_opened: object = None
    first_complete: object = None
    confirmed_at: object = None
    confirmation_required: bool = False
    due_on: object = None

    @property
    def overdue(self) -> bool:
        return bool(
            self.confirmation_required
            and not self.confirmed_at
            and self.due_on
            and self.due_on < timezone.localdate()
        )


def for_shares(shares, *, confirmed: str = "") -> list[DeliveryStatus]:
    """One row per share × person (assigned now, or with a record of it).

    ``confirmed`` filters: ``"yes"`` confirmed, ``"no"`` asked and not confirmed.
    """
    shares = list(shares)
    by_id = {share.pk: share for share in shares}
    if not by_id:
        return []
    requests = {r.share_id: r for r in ReceiptRequest.objects.filter(share_id__in=by_id)}
    rows: dict[tuple[int, int], DeliveryStatus] = {}

    def row(share_id, pu_id, name, email):
        key = (share_id, pu_id)
        if key not in rows:
            share = by_id[share_id]
            request = requests.get(share_id)
            rows[key] = DeliveryStatus(
                share_id=share_id,
                portal_user_id=pu_id,
                user_name=name,
                user_email=email,
                shared_at=share.shared_at,
                confirmation_required=request is not None,
                due_on=request.due_on if request else None,
            )
        return rows[key]

    portal_ids = {share.portal_id for share in shares}
    assigned = PortalAssignment.objects.filter(portal_id__in=portal_ids).values_list(
        "portal_id",
        "portal_user_id",
        "portal_user__first_name",
        "portal_user__last_name",
        "portal_user__user__email",
    )
    for portal_id, pu_id, first, last, email in assigned:
        for share in shares:
            if share.portal_id == portal_id:
                row(share.pk, pu_id, f"{first} {last}".strip(), email or "")

    records = (
        DeliveryEvent.objects.filter(share_ref__in=by_id)
        .values("share_ref", "portal_user_ref", "user_name", "user_email")
        .annotate(
            opened=Min("at"),
            complete=Min("finished_at", filter=COMPLETE),
            confirmed=Min("at", filter=CONFIRMED),
        )
        .order_by()
    )
    for rec in records:
        r = row(rec["share_ref"], rec["portal_user_ref"], rec["user_name"], rec["user_email"])
        r.first_opened = _earliest(r.first_opened, rec["opened"])
        r.first_complete = _earliest(r.first_complete, rec["complete"])
        r.confirmed_at = _earliest(r.confirmed_at, rec["confirmed"])
    views = (
        AccessEvent.objects.filter(share_id__in=by_id, portal_user__isnull=False)
        .values("share_id", "portal_user_id", "user_name", "user_email")
        .annotate(opened=Min("at"))
        .order_by()
    )
    for rec in views:
        r = row(rec["share_id"], rec["portal_user_id"], rec["user_name"], rec["user_email"])
        r.first_opened = _earliest(r.first_opened, rec["opened"])

    result = sorted(rows.values(), key=lambda r: (r.share_id, r.user_name, r.user_email))
    if confirmed == "yes":
        result = [r for r in result if r.confirmed_at]
    elif confirmed == "no":
        result = [r for r in result if r.confirmation_required and not r.confirmed_at]
    return result


def _earliest(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


CSV_HEADER = [
    "share_id",
    "item",
    "portal_user_id",
    "name",
    "email",
    "shared_at",
    "first_opened",
    "first_complete_download",
    "confirmation_required",
    "confirm_by",
    "receipt_confirmed",
]


def write_csv(out, statuses, titles: dict[int, str]) -> None:
    """CSV for spreadsheets: ISO times in the site's time zone; formulas neutralised."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for s in statuses:
        writer.writerow(
            [
                s.share_id,
                _cell(titles.get(s.share_id, "")),
                s.portal_user_id or "",
                _cell(s.user_name),
                _cell(s.user_email),
                _time(s.shared_at),
                _time(s.first_opened),
                _time(s.first_complete),
                "yes" if s.confirmation_required else "no",
                s.due_on.isoformat() if s.due_on else "",
                _time(s.confirmed_at),
            ]
        )


def _time(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _cell(text: str) -> str:
    # A name starting with = + - @ would run as a formula in a spreadsheet.
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
