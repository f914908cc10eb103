"""What one portal page shows: shares of a section, searched, filtered, paginated.

The number of queries does not depend on the number of shares: targets come in
with ``select_related``, the "new" mark is an ``Exists`` annotation, and the
settlements of the invoices on the page come in one more query.

Neither does the time (issue 14): pages are found by keyset, not ``OFFSET`` (a
page after the 4,000th reads 25 rows from the (portal, -shared_at, -id) index, not
100,000), the count stops at ``COUNT_CAP`` ("more than 1,000"), and the search
reads ``Share.search_text`` (see ``ShareQuerySet.matching``).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import search_index, share_kinds
from ..filenames import download_name
from ..models import AccessEvent, Share
from ..money import format_amount

SECTIONS = {
    section: tuple(Share.Kind(kind.name) for kind in share_kinds.in_section(section))
    for section in share_kinds.sections()
}


def kinds_of(section: str):
    return [(kind.value, kind.label) for kind in SECTIONS[section]]


def annotated(shares, portal_user):
    return shares.select_related(*share_kinds.RELATED).annotate(
        seen=Exists(AccessEvent.objects.filter(share=OuterRef("pk"), portal_user=portal_user))
    )


def section_filter(shares, section: str, *, q: str = "", kind: str = ""):
    """The section's shares, searched and filtered, without joins or ordering."""
    kinds = [k.value for k in SECTIONS[section]]
    if kind in kinds:
        kinds = [kind]
    condition = Q()
    for k in kinds:
        condition |= Q(**{f"{k}__isnull": False})
    # An older pinned version is listed under the newer one that superseded it (issue 12),
    # while that one is listed. Asked per row, by the newer share's key, and only of rows
    # that were superseded: ``superseded_by IN (every listed share)`` made PostgreSQL hash
    # the whole portal on every page (26 ms at 100,000 shares).
    still_listed = shares.filter(pk=OuterRef("superseded_by_id"))
    qs = shares.filter(condition).filter(Q(superseded_by__isnull=True) | ~Exists(still_listed))
    if q:
        qs = qs.matching(q)
    elif section == "invoices" and not kind:
        # A settlement whose invoice is shared here is listed under that invoice, not twice.
        shared_invoices = shares.filter(invoice__isnull=False).values("invoice_id")
        qs = qs.exclude(settlement__invoice_id__in=shared_invoices)
    return qs


def section_queryset(shares, portal_user, section: str, *, q: str = "", kind: str = ""):
    qs = section_filter(shares, section, q=q, kind=kind)
    return annotated(qs, portal_user).order_by("-shared_at", "-pk")


# --- Keyset pagination -------------------------------------------------------------------
# A page is named by the row it starts after (``after``) or ends before (``before``),
# as (shared_at, id) in the listing's order, newest first. The cursor is opaque to the
# client: "<microseconds since 1970 UTC>.<id>". A malformed one shows the first page.

COUNT_CAP = 1000
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def cursor_of(share: Share) -> str:
    micros = (share.shared_at - _EPOCH) // datetime.timedelta(microseconds=1)
    return f"{micros}.{share.pk}"


def parse_cursor(value) -> tuple[datetime.datetime, int] | None:
    try:
        micros, pk = (int(part) for part in str(value).split("."))
        return _EPOCH + datetime.timedelta(microseconds=micros), pk
    except (TypeError, ValueError, OverflowError):
        return None


def _older_than(at, pk) -> Q:
    # Written as a range on shared_at (an index bound) minus the ties, not as an OR.
    return Q(shared_at__lte=at) & ~Q(shared_at=at, pk__gte=pk)


def _newer_than(at, pk) -> Q:
    return Q(shared_at__gte=at) & ~Q(shared_at=at, pk__lte=pk)


@dataclass
class KeysetPage:
    """One page of a listing; the template's ``page_obj``."""

    object_list: list
    has_previous: bool
    has_next: bool
    previous_cursor: str = ""
    next_cursor: str = ""
    is_last: bool = False
    count: int = 0  # capped at COUNT_CAP + 1
    count_is_capped: bool = False

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def keyset_page(
    filtered, ordered, per_page: int, *, after=None, before=None, last=False, late=False
):
    """The page of ``ordered`` (``filtered`` annotated, newest first) the cursor names.

    ``filtered`` is the same rows unannotated: it answers the capped count and the
    "is there anything on the other side" questions cheaply. ``late``: the page's keys
    are found first and its rows read by key (``_take``), for a search.
    """
    after, before = parse_cursor(after) if after else None, parse_cursor(before) if before else None
    ascending = ordered.order_by("shared_at", "pk")
    if after is not None:
        rows, found = _take(ordered.filter(_older_than(*after)), per_page + 1, late)
        has_next, rows = found > per_page, rows[:per_page]
        has_previous = bool(rows) and filtered.filter(_newer_than(*_key(rows[0]))).exists()
    elif before is not None or last:
        window = ascending.filter(_newer_than(*before)) if before is not None else ascending
        rows, found = _take(window, per_page + 1, late)
        has_previous, rows = found > per_page, rows[:per_page][::-1]
        has_next = (
            before is not None
            and bool(rows)
            and filtered.filter(_older_than(*_key(rows[-1]))).exists()
        )
    else:
        rows, found = _take(ordered, per_page + 1, late)
        has_next, rows, has_previous = found > per_page, rows[:per_page], False
    count = filtered.values("pk")[: COUNT_CAP + 1].count()
    return KeysetPage(
        object_list=rows,
        has_previous=has_previous,
        has_next=has_next,
        previous_cursor=cursor_of(rows[0]) if has_previous else "",
        next_cursor=cursor_of(rows[-1]) if has_next else "",
        is_last=not has_next,
        count=min(count, COUNT_CAP),
        count_is_capped=count > COUNT_CAP,
    )


def _take(rows, n: int, late: bool) -> tuple[list, int]:
    """The first ``n`` of ``rows`` and how many there were; with ``late``, their keys
    first, then those rows (how many: the keys, so a row revoked between the two
    queries does not make a full page look like the last one).

    A search's matches are not in the order of an index, so the database sorts them all
    for the page; with the page's joins in that query PostgreSQL joined every match
    first and hashed the whole document table for it (a word in 1 % of 100,000 shares:
    20 of 24 ms). Sorting the keys alone and then reading 26 rows by key costs one
    more round trip. The second query keeps every condition of the first."""
    if not late:
        taken = list(rows[:n])
        return taken, len(taken)
    keys = list(rows.values_list("pk", flat=True)[:n])
    # Read by key, in no order (the keys give it): SQLite would otherwise walk the
    # portal's index in the page's order to find 26 rows (``by_key``).
    by_key = search_index.by_key(rows.filter(pk__in=keys).order_by())
    found = {share.pk: share for share in by_key}
    return [found[key] for key in keys if key in found], len(keys)


def _key(share: Share):
    return share.shared_at, share.pk


def _section_condition(section: str) -> Q:
    condition = Q(pk__in=[])
    for kind in SECTIONS[section]:
        condition |= Q(**{f"{kind.value}__isnull": False})
    return condition


@dataclass
class SectionCount:
    key: str
    label: str
    total: int
    new: int

    @property
    def total_label(self) -> str:
        """ "1000+" past the cap: the tabs never count a whole large portal."""
        return f"{COUNT_CAP}+" if self.total > COUNT_CAP else str(self.total)


def section_counts(shares, portal_user) -> list[SectionCount]:
    """Every section with how many items it holds and how many are new: one query each.

    Settlements count in "invoices" with their invoice (every item the person can open).
    Each count reads at most ``COUNT_CAP + 1`` rows (a sliced subquery), so a portal of
    100,000 shares costs its tabs no more than one of 1,000.
    """
    seen = Exists(AccessEvent.objects.filter(share=OuterRef("pk"), portal_user=portal_user))
    counts = []
    for section in SECTIONS:
        values = (
            shares.filter(_section_condition(section))
            .annotate(seen=seen)
            .order_by()[: COUNT_CAP + 1]
            .aggregate(total=Count("pk"), new=Count("pk", filter=Q(seen=False)))
        )
        counts.append(
            SectionCount(section, SECTION_LABELS[section], values["total"], values["new"])
        )
    return counts


def first_section(counts: list[SectionCount]) -> str:
    """Where a portal opens: the first section with something in it."""
    return next((c.key for c in counts if c.total), next(iter(SECTIONS)))


@dataclass
class Row:
    share: Share
    kind: str
    title: str
    is_new: bool
    file_name: str
    file_type: str
    size: int | None
    version_label: str = ""
    invoice: object = None
    amount: str = ""
    settlements: list | None = None
    overdue: bool = False
    older_versions: list | None = None  # superseded pinned versions, newest first


def file_name_of(share: Share) -> str:
    """The name the download suggests: the same safe name the staff side gives the file."""
    return download_name(share.target)


def file_of(share: Share):
    """The stored file a share serves: pinned versions their frozen copy, documents their
    current file."""
    return share_kinds.of_share(share).file(share.target)


def _size(share: Share):
    # Invoices and settlements: None, not worth a storage call per row.
    return share_kinds.of_share(share).size(share.target)


def row_for(share: Share) -> Row:
    kind = share.kind
    target = share.target
    name = file_name_of(share)
    row = Row(
        share=share,
        kind=kind,
        title=str(getattr(target, "title", None) or target.number),
        is_new=not getattr(share, "seen", True),
        file_name=name,
        file_type=(os.path.splitext(name)[1].lstrip(".").upper() or "—"),
        size=_size(share),
    )
    if kind == "document_version":
        row.version_label = share.document_version.label
    if kind == "invoice":
        row.invoice = share.invoice
        row.title = share.invoice.number
        row.amount = format_amount(share.invoice.gross_amount, share.invoice.currency)
        # Unpaid after its due date: the client sees it before anything else about it.
        row.overdue = not share.invoice.is_paid and share.invoice.due_date < timezone.localdate()
        row.settlements = []
    return row


def page_of(
    shares, portal_user, section, *, q="", kind="", per_page=25, after=None, before=None, last=False
):
    filtered = section_filter(shares, section, q=q, kind=kind)
    ordered = annotated(filtered, portal_user).order_by("-shared_at", "-pk")
    page_obj = keyset_page(
        filtered, ordered, per_page, after=after, before=before, last=last, late=bool(q)
    )
    rows = [row_for(share) for share in page_obj.object_list]
    invoice_rows = {row.invoice.pk: row for row in rows if row.invoice is not None}
    if invoice_rows:
        settlement_shares = annotated(
            shares.filter(settlement__invoice_id__in=list(invoice_rows)), portal_user
        ).order_by("settlement__title", "pk")
        for share in settlement_shares:
            invoice_rows[share.settlement.invoice_id].settlements.append(row_for(share))
    return page_obj, rows


SECTION_LABELS = {"documents": _("Documents"), "invoices": _("Invoices")}
