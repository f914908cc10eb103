"""A receipt as a file: its name, bytes and type, for every place that hands one out.

The staff and client receipt views and the audit ZIP all take a receipt's file from
here, so a receipt in an audit ZIP is byte for byte the one its download gives (the
JSON with the same digest, the PDF signed when ``WAGTAILCLIENTPORTAL_RECEIPT_SIGNING``
is set: ``receipt_pdf.render`` signs).
"""

from __future__ import annotations

from . import receipt_pdf, receipt_record

FORMATS = {"json": "application/json", "pdf": "application/pdf"}


def file_name(data: dict, fmt: str) -> str:
    share_id, portal_user_id = data["item"]["share_id"], data["person"]["portal_user_id"]
    return f"potwierdzenie-doreczenia-{share_id}-{portal_user_id}.{fmt}"


def receipt_file(data: dict, fmt: str) -> tuple[str, bytes, str]:
    """``(file name, content, content type)`` of the receipt ``data`` in ``fmt``."""
    if fmt == "json":
        content = receipt_record.to_json(data)
    elif fmt == "pdf":
        content = receipt_pdf.render(data)
    else:
        raise ValueError(fmt)
    return file_name(data, fmt), content, FORMATS[fmt]
