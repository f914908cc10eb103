"""KSeF (Krajowy System e-Faktur): the invoice's KSeF number and its KOD I verification link.

Sources, the Ministry of Finance's KSeF 2.0 documentation (github.com/CIRFMF/ksef-docs):

- KSeF number: 35 characters ``NNNNNNNNNN-YYYYMMDD-XXXXXXXXXXXX-CC``: the seller's NIP,
  the date, 12 hexadecimal characters and ``CC``, a CRC-8 (polynomial 0x07, initial
  value 0x00) of the first 32 ASCII characters, dashes included, as two uppercase
  hexadecimal digits ("Numer KSeF – struktura i walidacja").
- KOD I ("Kody weryfikujące QR", 21.08.2025): the link
  ``https://qr.ksef.mf.gov.pl/invoice/{seller NIP}/{issue date DD-MM-RRRR}/{hash}``
  where ``hash`` is the SHA-256 of the invoice's XML file (FA(3)) as sent, encoded
  Base64URL without padding; labelled under the code with the KSeF number, or
  "OFFLINE" for an invoice issued offline. Test and demo environments use the hosts
  ``qr-test.ksef.mf.gov.pl`` and ``qr-demo.ksef.mf.gov.pl``
  (``WAGTAILCLIENTPORTAL_KSEF_QR_HOST``).

KOD II (the issuer's certificate, offline invoices) needs the issuer's private key
and is never generated here: when the invoicing program supplied its link
(``https://qr.ksef.mf.gov.pl/certificate/{context type}/{context id}/{seller NIP}/
{certificate serial}/{hash}/{signature}``), the portal shows it as given, labelled
"CERTYFIKAT", after checking its shape, host, NIP and hash against the invoice.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .validators import validate_nip

KSEF_NUMBER = re.compile(r"^(\d{10})-(\d{8})-([0-9A-F]{12})-([0-9A-F]{2})$")
DEFAULT_QR_HOST = "qr.ksef.mf.gov.pl"
QR_HOSTS = frozenset({DEFAULT_QR_HOST, "qr-test.ksef.mf.gov.pl", "qr-demo.ksef.mf.gov.pl"})
KOD_II_PATH = re.compile(
    r"^/certificate/(Nip|InternalId|NipVatUe|PeppolId)/[^/]{1,64}/(\d{10})/([0-9A-Fa-f]{1,64})"
    r"/([A-Za-z0-9_-]{43})/([A-Za-z0-9_-]{16,1024})$"
)


def crc8(data: bytes) -> int:
    """CRC-8, polynomial 0x07, initial value 0x00, no reflection, no final XOR."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def validate_ksef_number(value: str) -> None:
    """Shape, a real date, a valid NIP and the checksum; an empty value is allowed."""
    if not value:
        return
    match = KSEF_NUMBER.match(value)
    message = _("Enter a valid KSeF number (NNNNNNNNNN-RRRRMMDD-XXXXXXXXXXXX-CC).")
    if match is None:
        raise ValidationError(message, code="invalid")
    try:
        datetime.datetime.strptime(match.group(2), "%Y%m%d")
        validate_nip(match.group(1))
    except (ValueError, ValidationError):
        raise ValidationError(message, code="invalid") from None
    if f"{crc8(value[:32].encode('ascii')):02X}" != match.group(4):
        raise ValidationError(message, code="invalid")


def kod_ii_parts(value: str) -> tuple[str, str] | None:
    """``(seller NIP, XML hash)`` named by a KOD II link, or None if it is not one."""
    from urllib.parse import urlsplit

    try:
        url = urlsplit(value)
    except ValueError:
        return None
    match = KOD_II_PATH.match(url.path)
    if url.scheme != "https" or url.netloc not in QR_HOSTS or url.query or match is None:
        return None
    return match.group(2), match.group(4)


def validate_kod_ii_url(value: str) -> None:
    """A KOD II link as KSeF's documentation defines it; an empty value is allowed."""
    if value and kod_ii_parts(value) is None:
        raise ValidationError(
            _("Enter the KOD II link exactly as the invoicing program gave it."),
            code="invalid_kod_ii",
        )


def xml_hash(xml: bytes) -> str:
    """SHA-256 of the XML file's bytes, Base64URL without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(xml).digest()).rstrip(b"=").decode("ascii")


def qr_host() -> str:
    return getattr(settings, "WAGTAILCLIENTPORTAL_KSEF_QR_HOST", DEFAULT_QR_HOST)


def kod_i_url(seller_nip: str, issue_date: datetime.date, xml: bytes) -> str:
    """The KOD I verification link of an invoice whose XML file is ``xml``."""
    nip = re.sub(r"\D", "", seller_nip or "")
    validate_nip(nip)
    return f"https://{qr_host()}/invoice/{nip}/{issue_date:%d-%m-%Y}/{xml_hash(xml)}"


def kod_i_label(ksef_number: str) -> str:
    """What is printed under the code: the KSeF number, or OFFLINE before one is assigned."""
    return ksef_number or "OFFLINE"


def kod_i_of(invoice) -> dict | None:
    """What the portal shows for an invoice with an XML file: the link, its QR code, the label.

    None without the XML file or the seller's NIP (nothing to verify against), and for
    an invoice issued outside KSeF, or when the stored file cannot be read. ``kod_ii``
    only when its link was supplied.
    """
    if not invoice.ksef_xml or not invoice.seller_nip or invoice.ksef_mode == "outside":
        return None
    import segno

    try:
        with invoice.ksef_xml.open("rb") as handle:
            xml = handle.read()
    except OSError:  # the file is gone from the storage: no link, rather than a 500
        return None
    url = kod_i_url(invoice.seller_nip, invoice.issue_date, xml)
    label = kod_i_label(invoice.ksef_number if invoice.ksef_mode != "offline" else "")
    kod_ii = None
    if invoice.ksef_kod_ii_url:
        kod_ii = {
            "url": invoice.ksef_kod_ii_url,
            "label": "CERTYFIKAT",
            "svg": segno.make(invoice.ksef_kod_ii_url, error="m").svg_inline(
                scale=2, title="KOD II"
            ),
        }
    return {
        "url": url,
        "label": label,
        "svg": segno.make(url, error="m").svg_inline(scale=3, title="KOD I"),
        "kod_ii": kod_ii,
    }
