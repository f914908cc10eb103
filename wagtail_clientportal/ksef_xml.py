"""Reading an FA(3) structured invoice (the XML file sent to KSeF): the fields the portal keeps.

Only what ``Invoice`` holds is read, by the element names of the FA(3) schema
(namespace ``http://crd.gov.pl/wzor/2025/06/25/13775/``, "schemat_FA(3)_v1-0E.xsd"):

- ``Podmiot1/DaneIdentyfikacyjne/NIP``: the seller's NIP (the one the KOD I link names);
- ``Fa/KodWaluty``, ``Fa/P_1`` (issue date), ``Fa/P_2`` (the invoice's number),
  ``Fa/P_6`` (sale date, when one date is given for the whole invoice);
- the net total is the sum of ``Fa/P_13_*`` (net by rate: 1–5, 6_1–6_3, 7–11), the VAT
  the sum of ``Fa/P_14_1`` … ``P_14_5`` (in the invoice's currency; the ``P_14_*W``
  elements are the same tax converted to PLN and are not added), the gross ``Fa/P_15``;
- ``Fa/Platnosc/TerminPlatnosci/Termin``: the first due date, when present.

Parsing uses defusedxml: a DTD, an entity declaration (billion laughs, XXE) or an
external reference is refused, never expanded or fetched; and the file is refused
before parsing when larger than ``WAGTAILCLIENTPORTAL_KSEF_XML_MAX_BYTES``. The bytes
are never rewritten: the KOD I hash is of the file as sent to KSeF.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import re
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import conf
from .validators import validate_nip

FA3_NAMESPACE = "http://crd.gov.pl/wzor/2025/06/25/13775/"
NS = {"fa": FA3_NAMESPACE}
NET_ELEMENTS = [f"P_13_{n}" for n in ("1", "2", "3", "4", "5", "6_1", "6_2", "6_3")] + [
    f"P_13_{n}" for n in range(7, 12)
]
VAT_ELEMENTS = [f"P_14_{n}" for n in range(1, 6)]

ERRORS = {
    "xml_too_large": _("The XML file is too large (at most %(max)s MB)."),
    "xml_malformed": _("The file is not a well-formed XML document."),
    "xml_forbidden": _(
        "The XML file declares a DTD or entities, which a KSeF invoice never does: refused."
    ),
    "xml_not_fa3": _("The file is not an FA(3) structured invoice (KSeF)."),
    "xml_field_invalid": _("The XML file has no valid %(field)s."),
}


def error(code: str, **params) -> ValidationError:
    return ValidationError(ERRORS[code], code=code, params=params or None)


@dataclasses.dataclass(frozen=True)
class Fa3Invoice:
    """The values of one FA(3) file, named as ``Invoice``'s fields."""

    seller_nip: str
    number: str
    issue_date: datetime.date
    sale_date: datetime.date | None
    due_date: datetime.date | None
    currency: str
    net_amount: decimal.Decimal
    vat_amount: decimal.Decimal
    gross_amount: decimal.Decimal

    def as_fields(self) -> dict:
        return dataclasses.asdict(self)


def _text(root, path: str) -> str | None:
    node = root.find(path, NS)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _date(root, path: str, field: str, required: bool = False) -> datetime.date | None:
    value = _text(root, path)
    if value is None:
        if required:
            raise error("xml_field_invalid", field=field)
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise error("xml_field_invalid", field=field) from None


def _amount(value: str | None, field: str) -> decimal.Decimal:
    try:
        amount = decimal.Decimal(value)
    except (decimal.InvalidOperation, TypeError):
        raise error("xml_field_invalid", field=field) from None
    if not amount.is_finite():
        raise error("xml_field_invalid", field=field)
    try:
        # "1E+30" is finite but has too many digits to round to grosze: InvalidOperation.
        return amount.quantize(decimal.Decimal("0.01"))
    except decimal.InvalidOperation:
        raise error("xml_field_invalid", field=field) from None


def parse_fa3(data: bytes) -> Fa3Invoice:
    """The invoice's values; a ``ValidationError`` with a code from ``ERRORS`` otherwise."""
    limit = conf.ksef_xml_max_bytes()
    if len(data) > limit:
        raise error("xml_too_large", max=f"{limit / 1_000_000:g}")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise error("xml_forbidden") from None
    except (ParseError, ValueError, UnicodeError):
        raise error("xml_malformed") from None
    if root.tag != f"{{{FA3_NAMESPACE}}}Faktura" or root.find("fa:Fa", NS) is None:
        raise error("xml_not_fa3")
    nip = re.sub(r"\D", "", _text(root, "fa:Podmiot1/fa:DaneIdentyfikacyjne/fa:NIP") or "")
    try:
        validate_nip(nip)
    except ValidationError:
        raise error("xml_field_invalid", field="NIP") from None
    number = _text(root, "fa:Fa/fa:P_2")
    if number is None or len(number) > 64:
        raise error("xml_field_invalid", field="P_2")
    currency = _text(root, "fa:Fa/fa:KodWaluty") or ""
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise error("xml_field_invalid", field="KodWaluty")
    nets = [_text(root, f"fa:Fa/fa:{name}") for name in NET_ELEMENTS]
    vats = [_text(root, f"fa:Fa/fa:{name}") for name in VAT_ELEMENTS]
    net = sum((_amount(v, "P_13") for v in nets if v is not None), decimal.Decimal("0.00"))
    vat = sum((_amount(v, "P_14") for v in vats if v is not None), decimal.Decimal("0.00"))
    return Fa3Invoice(
        seller_nip=nip,
        number=number,
        issue_date=_date(root, "fa:Fa/fa:P_1", "P_1", required=True),
        sale_date=_date(root, "fa:Fa/fa:P_6", "P_6"),
        due_date=_date(root, "fa:Fa/fa:Platnosc/fa:TerminPlatnosci/fa:Termin", "Termin"),
        currency=currency,
        net_amount=net,
        vat_amount=vat,
        gross_amount=_amount(_text(root, "fa:Fa/fa:P_15"), "P_15"),
    )
