"""What a client needs to pay an invoice by bank transfer, with a Polish payment QR code.

The QR code follows the Polish banks' standard for 2D codes on payment documents:
Związek Banków Polskich, "Rekomendacja dotycząca standardu 2D kodów dla płatności"
(3 December 2013), the code that Polish banking apps read with "Skanuj i zapłać".
Its content is nine fields separated by ``|``:

====  ======================================  ==========================
 #    field                                   length
====  ======================================  ==========================
 1    recipient's NIP (optional)              10 digits
 2    country code                            2, ``PL``
 3    recipient's account number (NRB)        26 digits, no ``PL``
 4    amount in grosze                        6 digits, zero-padded
 5    recipient's name                        at most 20 characters
 6    transfer title                          at most 32 characters
 7–9  reserved (direct debit id, Invoobill,   empty here
      reserved)
====  ======================================  ==========================

The amount has six digits, so the code can carry at most 9 999,99 zł: above that,
or for another currency than PLN, the page shows the details without a code rather
than a code that a bank would read wrongly. The same details are shown as text with
a copy button, for a client paying from a computer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import segno
from django.utils.translation import gettext as _
from stdnum import iban

from . import conf

SEPARATOR = "|"
#: The standard's largest amount: six digits of grosze.
MAX_QR_GROSZE = 999_999
# Letters (Polish included), digits and common punctuation; never the separator.
_UNSAFE = re.compile(r"[^0-9A-Za-zĄĆĘŁŃÓŚŹŻąćęłńóśźż ,.\-/@#&*_]")


@dataclass(frozen=True)
class PaymentDetails:
    account: str  # grouped for reading: "12 3456 7890 …"
    recipient: str
    title: str
    amount: Decimal
    currency: str
    qr_payload: str  # empty when the standard cannot carry this payment

    @property
    def qr_svg(self) -> str:
        """Inline SVG (presentation attributes only: passes ``style-src 'self'``)."""
        if not self.qr_payload:
            return ""
        return segno.make(self.qr_payload, error="m").svg_inline(
            scale=4, dark="#1b1f24", title=_("QR code for a bank transfer")
        )


def account_digits(value: str) -> str:
    """The 26-digit NRB of an account given with or without ``PL`` and spaces; "" if invalid."""
    compact = re.sub(r"[\s-]", "", value or "").upper().removeprefix("PL")
    if not re.fullmatch(r"\d{26}", compact) or not iban.is_valid("PL" + compact):
        return ""
    return compact


def _field(value: str, length: int) -> str:
    return _UNSAFE.sub("", value).strip()[:length].strip()


def qr_payload(*, nip: str, account: str, grosze: int, recipient: str, title: str) -> str:
    """The standard's nine fields (see the module docstring)."""
    if not 0 <= grosze <= MAX_QR_GROSZE:
        raise ValueError("the amount does not fit the standard's six digits")
    nip_digits = re.sub(r"\D", "", nip or "")
    fields = [
        nip_digits if len(nip_digits) == 10 else "",
        "PL",
        account,
        f"{grosze:06d}",
        _field(recipient, 20),
        _field(title, 32),
        "",
        "",
        "",
    ]
    return SEPARATOR.join(fields)


def payment_details(invoice) -> PaymentDetails | None:
    """Details for an unpaid invoice, or None (paid, or no valid account in the settings)."""
    account = account_digits(conf.firm_bank_account())
    if invoice.is_paid or not account:
        return None
    recipient = conf.firm_bank_recipient() or conf.firm_name()
    title = _("Invoice %(number)s") % {"number": invoice.number}
    grosze = int((invoice.gross_amount * 100).to_integral_value())
    payload = ""
    if invoice.currency == "PLN" and 0 < grosze <= MAX_QR_GROSZE:
        payload = qr_payload(
            nip=conf.firm_nip(), account=account, grosze=grosze, recipient=recipient, title=title
        )
    grouped = account[:2] + " " + " ".join(account[i : i + 4] for i in range(2, 26, 4))
    return PaymentDetails(
        account=grouped,
        recipient=recipient,
        title=title,
        amount=invoice.gross_amount,
        currency=invoice.currency,
        qr_payload=payload,
    )
