"""Receipts "Potwierdzenie doręczenia" for staff, and the page that verifies one."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import services
from ..services import receipt_download, receipt_record
from . import roles
from .base import StaffView, refuse_with_403


def receipt_response(data: dict, fmt: str) -> HttpResponse:
    if fmt not in receipt_download.FORMATS:
        raise Http404
    name, content, content_type = receipt_download.receipt_file(data, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@refuse_with_403
def receipt(request, share_id: int, portal_user_id: int, fmt: str):
    roles.require_portal_staff(request.user)
    if fmt not in ("pdf", "json"):
        raise Http404
    try:
        data = receipt_record.build(share_id, portal_user_id)
    except receipt_record.NoRecord:
        raise Http404 from None
    return receipt_response(data, fmt)


class VerifyForm(forms.Form):
    receipt = forms.FileField(label=gettext_lazy("Receipt (JSON file)"), required=False)
    text = forms.CharField(
        label=gettext_lazy("…or its text"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )

    def clean(self):
        data = super().clean()
        upload = data.get("receipt")
        if upload is not None:
            if upload.size > 1024 * 1024:
                raise forms.ValidationError(_("The file is too large for a receipt."))
            data["raw"] = upload.read()
        elif data.get("text"):
            data["raw"] = data["text"]
        else:
            raise forms.ValidationError(_("Choose a receipt file or paste its text."))
        return data


class VerifyReceiptView(StaffView):
    template_name = "wagtail_clientportal/staff/verify_receipt.html"
    header_icon = "success"

    def check_access(self, request) -> None:
        roles.require_portal_staff(request.user)

    def get_page_title(self):
        return _("Verify a delivery receipt")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", VerifyForm())
        return context

    def post(self, request, *args, **kwargs):
        form = VerifyForm(request.POST, request.FILES)
        result = None
        if form.is_valid():
            result = services.verification.verify_receipt(form.cleaned_data["raw"])
        status = 200 if form.is_valid() else 400
        return self.render_to_response(
            self.get_context_data(form=form, result=result), status=status
        )
