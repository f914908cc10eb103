"""The client's "Potwierdzam odbiór": a POST from the item page, after full authentication."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ... import services
from ...exceptions import ClientPortalError
from ..access import PortalAccessMixin


class ConfirmReceiptView(PortalAccessMixin):
    """POST only (a GET, a link preview or a mail scanner gets 405 and confirms nothing)."""

    http_method_names = ["post"]

    def post(self, request, portal_id, share_id):
        try:
            services.receipts.confirm_receipt(request, self.portal, share_id)
        except ClientPortalError as error:
            context = {"portal": self.portal, "share_id": share_id, "error": error}
            status = 403 if error.code == "receipt_no_access" else 400
            return render(
                request, "wagtail_clientportal/portal/receipt_refused.html", context, status=status
            )
        messages.success(request, _("Thank you. Your confirmation of receipt has been recorded."))
        return redirect("wagtail_clientportal:item", portal_id, share_id)


class ReceiptView(PortalAccessMixin):
    """The client's own receipt of one item (PDF or JSON); never another person's."""

    def get(self, request, portal_id, share_id, fmt):
        from ...services import receipt_record
        from ...staff.receipts import receipt_response

        share = get_object_or_404(self.shares, pk=share_id)
        if fmt not in ("pdf", "json"):
            raise Http404
        try:
            data = receipt_record.build(share.pk, self.portal_user.pk)
        except receipt_record.NoRecord:
            raise Http404 from None
        return receipt_response(data, fmt)
