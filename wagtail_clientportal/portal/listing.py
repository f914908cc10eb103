"""What one portal page shows: shares of a section, searched, filtered, paginated.

The number of queries does not depend on the number of shares: targets come in
with ``select_related``, the "new" mark is an ``Exists`` annotation, and the
settlements of the invoices on the page come in one more query.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from ..filenames import download_name
from ..models import AccessEvent, Share

SECTIONS = {
    "documents": (Share.Kind.DOCUMENT, Share.Kind.DOCUMENT_VERSION),
    "invoices": (Share.Kind.INVOICE, Share.Kind.SETTLEMENT),
}
CURRENCY_SYMBOLS = {"PLN": "zł", "EUR": "€", "USD": "$", "GBP": "£"}


def format_amount(amount, currency: str) -> str:
    """``1 234,56 zł`` in Polish; the active locale decides separators."""
    number = formats.number_format(amount, 2, use_l10n=True, force_grouping=True)
    return f"{number}\xa0{CURRENCY_SYMBOLS.get(currency, currency)}"


def kinds_of(section: str):
    return [(kind.value, kind.label) for kind in SECTIONS[section]]


def _title_filter(q: str) -> Q:
    return (
        Q(document__title__icontains=q)
        | Q(document_version__title__icontains=q)
        | Q(document_version__label__icontains=q)
        | Q(invoice__number__icontains=q)
        | Q(settlement__title__icontains=q)
        | Q(settlement__invoice__number__icontains=q)
    )


def annotated(shares, portal_user):
    return shares.select_related(
        "document", "document_version", "invoice", "settlement", "settlement__invoice"
    ).annotate(
        seen=Exists(AccessEvent.objects.filter(share=OuterRef("pk"), portal_user=portal_user))
    )


def section_queryset(shares, portal_user, section: str, *, q: str = "", kind: str = ""):
    kinds = [k.value for k in SECTIONS[section]]
    if kind in kinds:
        kinds = [kind]
    condition = Q()
    for k in kinds:
        condition |= Q(**{f"{k}__isnull": False})
    qs = annotated(shares.filter(condition), portal_user)
    if q:
        qs = qs.filter(_title_filter(q))
    elif section == "invoices" and not kind:
        # A settlement whose invoice is shared here is listed under that invoice, not twice.
        shared_invoices = shares.filter(invoice__isnull=False).values("invoice_id")
        qs = qs.exclude(settlement__invoice_id__in=shared_invoices)
    return qs.order_by("-shared_at", "-pk")


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


def section_counts(shares, portal_user) -> list[SectionCount]:
    """Every section with how many items it holds and how many are new: one query.

    Settlements count in "invoices" with their invoice (every item the person can open).
    """
    seen = Exists(AccessEvent.objects.filter(share=OuterRef("pk"), portal_user=portal_user))
    aggregates = {}
    for section in SECTIONS:
        condition = _section_condition(section)
        aggregates[f"{section}_total"] = Count("pk", filter=condition)
        aggregates[f"{section}_new"] = Count("pk", filter=condition & Q(seen=False))
    values = shares.annotate(seen=seen).order_by().aggregate(**aggregates)
    return [
        SectionCount(key, SECTION_LABELS[key], values[f"{key}_total"], values[f"{key}_new"])
        for key in SECTIONS
    ]


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


def file_name_of(share: Share) -> str:
    """The name the download suggests: the same safe name the staff side gives the file."""
    return download_name(share.target)


def file_of(share: Share):
    """The stored file a share serves: pinned versions their frozen copy, documents their
    current file."""
    kind = share.kind
    if kind == "document":
        return share.document.file
    if kind == "document_version":
        return share.document_version.file
    if kind == "invoice":
        return share.invoice.pdf
    return share.settlement.file


def _size(share: Share):
    kind = share.kind
    if kind == "document":
        return getattr(share.document, "file_size", None)
    if kind == "document_version":
        return share.document_version.size
    return None  # invoices and settlements: not worth a storage call per row


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


def page_of(shares, portal_user, section, *, q="", kind="", page=1, per_page=25):
    qs = section_queryset(shares, portal_user, section, q=q, kind=kind)
    paginator = Paginator(qs, per_page)
    page_obj = paginator.get_page(page)
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
