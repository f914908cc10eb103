"""The PDF of a receipt, in Polish, with fpdf2 and the bundled DejaVu Sans.

fpdf2: pure Python (no system libraries, unlike WeasyPrint or Cairo), maintained,
embeds TrueType subsets, so Polish letters render in every viewer.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from . import receipt_signing

FONTS = Path(__file__).resolve().parent.parent / "fonts"

#: A chain line's kind as a noun ("pobranie"); the JSON keeps the machine values.
KIND_LABELS = {
    "download": pgettext_lazy("delivery record kind", "download"),
    "view": pgettext_lazy("delivery record kind", "opened in the browser"),
    "confirmation": pgettext_lazy("delivery record kind", "receipt confirmation"),
}


def _record_label(rec: dict) -> str:
    """ "pobranie, pełne" for ``download/complete``; an unknown value as it is."""
    from ..models import DeliveryEvent

    kind = KIND_LABELS.get(rec["kind"], rec["kind"])
    try:
        status = DeliveryEvent.Status(rec["status"]).label
    except ValueError:
        status = rec["status"]
    status = str(status)
    return f"{kind}, {status[:1].lower()}{status[1:]}"


def _when(value) -> str:
    if not value:
        return "—"
    # "2026-11-16T10:05:00+01:00" → "2026-11-16 10:05:00 (Europe/Warsaw)"
    return value[:19].replace("T", " ") + " (Europe/Warsaw)"


def finish(pdf, digest: str) -> bytes:
    """The last lines of every receipt (the digest its JSON can be checked against), then
    the PDF's bytes, signed when the firm's certificate is configured."""
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(
        0,
        4.5,
        _(
            "Digest of this receipt (SHA-256 of its canonical JSON): %(digest)s. "
            "The JSON file of the same receipt and the firm's records can be checked "
            "against it."
        )
        % {"digest": digest},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return receipt_signing.sign(bytes(pdf.output()))


def new_page(title: str, firm: str):
    """An A4 receipt page with the Polish-capable font, the title and the firm's name;
    shared by the delivery and the upload receipt."""
    from fpdf import FPDF

    class ReceiptPDF(FPDF):
        def multi_cell(self, *args, align="L", **kwargs):
            # fpdf2 justifies by default: a line with a 64-digit hash in it was spread
            # into a few words across the whole width.
            return super().multi_cell(*args, align=align, **kwargs)

    pdf = ReceiptPDF(format="A4")
    pdf.set_title(title)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, firm, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    return pdf


def render(data: dict) -> bytes:

    with translation.override("pl"):
        pdf = new_page(_("Delivery receipt"), data["firm"])
        item = data["item"]
        size = item["size"]
        rows = [
            (_("Client"), data["client"]),
            (_("Client portal"), data["portal"]["name"]),
            (_("Portal user"), f"{data['person']['name']} <{data['person']['email']}>"),
            (_("Item"), item["title"]),
            (_("File name"), item["file_name"]),
            (_("Size"), f"{size} B" if size is not None else "—"),
            ("SHA-256", item["sha256"] or "—"),
            (_("Shared at"), _when(data["shared_at"])),
            (_("First opened"), _when(data["first_opened"])),
            (_("First complete download"), _when(data["first_complete_download"])),
            (_("Receipt confirmed"), _when(data["receipt_confirmed"])),
            (capfirst(_("IP address")), data["ip_address"] or "—"),
            (_("Trusted timestamp"), _timestamp_label(data)),
        ]
        for label, value in rows:
            pdf.set_font("DejaVu", "B", 10)
            pdf.cell(55, 6, label)
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(0, 6, str(value), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(0, 6, _("Records in the delivery chain"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        for rec in data["records"]:
            kind = _record_label(rec)
            line = f"#{rec['seq']} {_when(rec['at'])} {kind} {rec['bytes_sent']} B"
            pdf.multi_cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
            pdf.multi_cell(
                0,
                4.5,
                f"   SHA-256 {rec['sha256']}  rec {rec['record_hash']}",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        return finish(pdf, data["digest"])


def _timestamp_label(data: dict) -> str:
    """The token of the record whose times are stated: what it is, or why there is none."""
    status = data["timestamp"]
    if status == "granted":
        entry = _evidence_stamp(data)
        return _("RFC 3161 token of %(time)s, %(tsa)s, serial number %(serial)s") % {
            "time": _when(entry.get("time")),
            "tsa": entry.get("tsa") or "—",
            "serial": entry.get("serial") or "—",
        }
    if status == "pending":
        return _("requested, not yet received from the time-stamping authority")
    if status == "failed":
        return _("could not be obtained from the time-stamping authority")
    return _("none (the times above come from the firm's server clock)")


def _evidence_stamp(data: dict) -> dict:
    """The confirmation's token if there is one, else the first download's."""
    by_seq = {(e["portal_id"], e["seq"]): e for e in data.get("timestamps", [])}
    records = data["records"]
    wanted = [r for r in records if r["kind"] == "confirmation"] or [
        r for r in records if r["kind"] != "confirmation" and r["status"] == "complete"
    ]
    for rec in wanted:
        entry = by_seq.get((rec["portal_id"], rec["seq"]))
        if entry:
            return entry
    return {}
