"""Private files (invoices, settlements, versions) for staff: never a public URL.

The private storage's ``.url`` raises on purpose; the widget below shows the file
name with a link to the staff-only download view, which checks permission and
streams the file.
"""

from __future__ import annotations

import os

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..filenames import download_name
from ..models import DocumentVersion, Invoice, Settlement
from . import roles
from .base import refuse_with_403

FILE_KINDS = {
    "invoice": (Invoice, "pdf"),
    "settlement": (Settlement, "file"),
    "version": (DocumentVersion, "file"),
    # The invoice's FA(3) file (KSeF): a second private file of one invoice.
    "invoice_xml": (Invoice, "ksef_xml"),
}
KIND_OF_MODEL = {}
for _kind, (_model, _field) in FILE_KINDS.items():
    KIND_OF_MODEL.setdefault(_model, _kind)  # the main file of each model
KIND_OF_FILE = {(model, field): kind for kind, (model, field) in FILE_KINDS.items()}


def download_url(instance, field: str | None = None) -> str | None:
    """The staff download of ``instance``'s main file, or of its file ``field``."""
    model = type(instance)
    kind = KIND_OF_MODEL.get(model) if field is None else KIND_OF_FILE.get((model, field))
    if kind is None or instance.pk is None:
        return None
    return reverse("clientportal_staff:file", args=[kind, instance.pk])


class PrivateFileInput(forms.FileInput):
    """A file input that names the current file and links to the staff download view."""

    template_name = "wagtail_clientportal/staff/widgets/private_file_input.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        instance = getattr(value, "instance", None)
        if value and getattr(value, "name", None):
            context["widget"]["current_name"] = os.path.basename(value.name)
            field = getattr(getattr(value, "field", None), "name", None)
            context["widget"]["download_url"] = download_url(instance, field)
        context["widget"]["current_label"] = _("Current file")
        return context


@refuse_with_403
def download(request, kind, pk):
    """Stream a private file to staff; nothing is cached, nothing is sniffed."""
    roles.require_portal_staff(request.user)
    if kind not in FILE_KINDS:
        raise Http404
    model, field = FILE_KINDS[kind]
    instance = get_object_or_404(model, pk=pk)
    document = getattr(instance, "document", None) if kind == "version" else None
    if document is not None:
        from .documents import can_see_document

        # A frozen copy of a document is as confidential as the document itself.
        if not can_see_document(request.user, document):
            raise PermissionDenied
    file = getattr(instance, field)
    if not file:
        raise Http404
    filename = download_name(instance)
    if kind == "invoice_xml":
        filename = os.path.splitext(filename)[0] + ".xml"
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
