"""Importing an invoice's FA(3) XML file: fill what staff left empty, refuse what disagrees.

The staff invoice form calls ``reconcile()`` with the values it has and the uploaded
file; the form then saves through Wagtail's edit view (one transaction, Wagtail's own
"edit" log entry). Refused, nothing is written: the form shows the translated errors.

Why a disagreement refuses instead of overwriting: the XML is what KSeF holds. An
invoice whose number, issue date, seller NIP, currency or amounts differ from its
XML would show a KOD I that verifies another document (the link names the NIP and
P_1 date, and its hash is of this file), so the file or the typed values are wrong
and a person must decide which.
"""

from __future__ import annotations

from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..ksef_xml import Fa3Invoice, parse_fa3

# Compared with the invoice; a typed value that differs refuses the file.
MUST_AGREE = (
    "seller_nip",
    "number",
    "issue_date",
    "currency",
    "net_amount",
    "vat_amount",
    "gross_amount",
)
# Filled when empty, kept when typed (P_6 and the due date are optional in FA(3)).
FILL_ONLY = ("sale_date", "due_date")

DISAGREES = _("The XML file gives “%(value)s”, which disagrees with the invoice.")


def read_upload(upload: IO[bytes]) -> Fa3Invoice:
    """Parse an uploaded file, reading at most one byte over the limit; rewinds it."""
    from .. import conf

    upload.seek(0)
    data = upload.read(conf.ksef_xml_max_bytes() + 1)
    upload.seek(0)
    return parse_fa3(data)


def reconcile(values: dict, fa3: Fa3Invoice) -> tuple[dict, dict[str, ValidationError]]:
    """``(filled, errors)``: values to set from the file, and per-field disagreements."""
    filled, errors = {}, {}
    from_xml = fa3.as_fields()
    for field in (*MUST_AGREE, *FILL_ONLY):
        xml_value = from_xml[field]
        if xml_value is None:
            continue
        current = values.get(field)
        if current in (None, ""):
            filled[field] = xml_value
        elif field in MUST_AGREE and current != xml_value:
            errors[field] = ValidationError(
                DISAGREES, code="xml_disagrees", params={"value": xml_value}
            )
    return filled, errors
