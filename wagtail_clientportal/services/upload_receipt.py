"""The receipt of a sending ("Potwierdzenie przesłania"): what the firm received, when, from whom.

The mirror of the delivery receipt (``receipt_record``/``receipt_pdf``): the same JSON
conventions (Europe/Warsaw times, a canonical SHA-256 ``digest`` over the rest) and a
PDF printing the same record and digest. Built from the upload's copied names, so it
stays the same after the portal or the person is deleted.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .. import conf
from ..models import Upload
from .receipt_pdf import _when, finish, new_page
from .receipt_record import _time, digest_of, to_json  # noqa: F401  (one JSON format, one digest)

RECEIPT_TYPE = "wagtail-clientportal/upload-receipt"


def build(upload: Upload) -> dict:
    data = {
        "type": RECEIPT_TYPE,
        "version": 1,
        "firm": conf.firm_name(),
        "client": upload.client_name,
        "portal": {"id": upload.portal_id, "name": upload.portal_name},
        "person": {
            "portal_user_id": upload.portal_user_id,
            "name": upload.user_name,
            "email": upload.user_email,
        },
        "upload_id": upload.pk,
        "received_at": _time(upload.at),
        "ip_address": upload.ip_address,
        "note": upload.note,
        "files": [
            {
                "file_name": f.original_name,
                "type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
            }
            for f in upload.files.all()
        ],
        "timestamp": "none",
    }
    data["digest"] = digest_of(data)
    return data


def render(data: dict) -> bytes:
    with translation.override("pl"):
        pdf = new_page(_("Receipt of sent files"), data["firm"])
        rows = [
            (_("Client"), data["client"]),
            (_("Client portal"), data["portal"]["name"]),
            (_("Sent by"), f"{data['person']['name']} <{data['person']['email']}>"),
            (_("Received at"), _when(data["received_at"])),
            (capfirst(_("IP address")), data["ip_address"] or "—"),
            (_("Note"), data["note"] or "—"),
        ]
        for label, value in rows:
            pdf.set_font("DejaVu", "B", 10)
            pdf.cell(55, 6, label)
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(0, 6, str(value), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(0, 6, _("Files received"), new_x="LMARGIN", new_y="NEXT")
        for item in data["files"]:
            pdf.set_font("DejaVu", "", 9)
            pdf.multi_cell(
                0, 5, f"{item['file_name']} ({item['size']} B)", new_x="LMARGIN", new_y="NEXT"
            )
            pdf.set_font("DejaVu", "", 8)
            pdf.multi_cell(0, 4.5, f"   SHA-256 {item['sha256']}", new_x="LMARGIN", new_y="NEXT")
        return finish(pdf, data["digest"])
