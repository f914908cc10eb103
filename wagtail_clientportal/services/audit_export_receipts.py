"""The receipts in an audit ZIP: one per share × portal user with delivery records.

For every pair that has a record in the scope's delivery chain the ZIP holds
``receipts/potwierdzenie-doreczenia-<share>-<portal user>.json`` and ``.pdf``: the
files the staff and client receipt downloads give (``receipt_download``, one place),
so a receipt's digest in the ZIP equals the download's, and its PDF is signed when
receipt signing is configured. Revoked, superseded and deleted-portal shares keep
their records (their names copied), so they keep their receipts.

Bounded: a pair's receipt is built when the ZIP writer reaches it and dropped once
written. Rendering a PDF (font subsetting, a signature) takes far longer than writing
rows, so at most ``WAGTAILCLIENTPORTAL_AUDIT_EXPORT_RECEIPT_PDFS`` PDFs go into one
ZIP; the JSON of every pair always does, and the manifest says how many PDFs were
left out (each can still be downloaded from the portal's page).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from .. import conf
from ..models import DeliveryEvent
from . import receipt_download, receipt_record, receipt_signing

#: In the "stream or task" decision one PDF weighs as much as this many CSV rows
#: (rendering one takes about as long as writing them; bench/bench_audit_export.py).
PDF_ROW_WEIGHT = 1000


@dataclasses.dataclass
class ReceiptsNote:
    """What went into one ZIP, filled while it is written, then put in the manifest."""

    pdf_limit: int | None = dataclasses.field(default_factory=conf.audit_export_receipt_pdfs)
    pairs: int = 0
    pdfs: int = 0

    def may_render_pdf(self) -> bool:
        return self.pdf_limit is None or self.pdfs < self.pdf_limit

    def manifest(self) -> dict:
        return {
            "pairs": self.pairs,
            "json": self.pairs,
            "pdf": self.pdfs,
            "pdf_left_out": self.pairs - self.pdfs,
            "pdf_limit": self.pdf_limit,
            "pdf_signed": receipt_signing.signer() is not None,
        }


def pairs(scope):
    """``(share id, portal user id)`` of every pair with a delivery record in the scope."""
    return (
        DeliveryEvent.objects.filter(scope.delivery())
        .values_list("share_ref", "portal_user_ref")
        .distinct()
        .order_by("share_ref", "portal_user_ref")
    )


def count_pairs(scope) -> int:
    return pairs(scope).count()


def receipt_files(scope, folder: str, note: ReceiptsNote) -> Iterator[tuple[str, Iterator[bytes]]]:
    """``(name, chunks)`` of each receipt, built only when the writer asks for it."""
    for share_id, portal_user_id in pairs(scope).iterator(chunk_size=500):
        try:
            data = receipt_record.build(share_id, portal_user_id)
        except receipt_record.NoRecord:  # pragma: no cover (a pair comes from its records)
            continue
        note.pairs += 1
        name, content, _type = receipt_download.receipt_file(data, "json")
        yield folder + "receipts/" + name, iter([content])
        if note.may_render_pdf():
            name, content, _type = receipt_download.receipt_file(data, "pdf")
            note.pdfs += 1
            yield folder + "receipts/" + name, iter([content])
