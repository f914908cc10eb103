"""One invoice on the client portals: share the invoice or single settlements, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import services
from ..exceptions import ClientPortalValidationError
from ..models import Invoice, Share
from . import roles
from .base import StaffView, revoke_selected
from .delivery import DeliveryStatusMixin
from .files import download_url
from .forms import ShareForm
from .history import split_history
from .share_messages import share_message


class InvoiceItemsShareForm(ShareForm):
    items = forms.MultipleChoiceField(
        label=gettext_lazy("What to share"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Select at least one item.")},
    )

    def __init__(self, *args, invoice, **kwargs):
        super().__init__(*args, with_mode=False, client_id=invoice.client_id, **kwargs)
        field = self.fields["portals"]
        field.queryset = field.queryset.filter(client_id=invoice.client_id)
        self.invoice = invoice
        self.settlements = {str(s.pk): s for s in invoice.settlements.all()}
        self.fields["items"].choices = [
            ("invoice", _("Invoice %(number)s") % {"number": invoice.number}),
            *[(f"settlement-{pk}", s.title) for pk, s in self.settlements.items()],
        ]
        # Order: items first.
        self.order_fields(
            ["items", "portals", "expires_at", "message", "require_receipt", "confirm_by"]
        )

    def selected_items(self) -> list:
        chosen = []
        for value in self.cleaned_data["items"]:
            if value == "invoice":
                chosen.append(self.invoice)
            else:
                chosen.append(self.settlements[value.removeprefix("settlement-")])
        return chosen


class InvoiceSharesView(DeliveryStatusMixin, StaffView):
    template_name = "wagtail_clientportal/staff/invoice_shares.html"
    header_icon = "doc-full"

    def get_invoice(self) -> Invoice:
        if not hasattr(self, "invoice"):
            self.invoice = get_object_or_404(
                Invoice.objects.select_related("client"), pk=self.kwargs["invoice_pk"]
            )
        return self.invoice

    def get_page_title(self):
        return _("Client portals")

    def get_page_subtitle(self):
        return str(self.get_invoice())

    def get_breadcrumbs_items(self):
        invoice = self.get_invoice()
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("clientportal_invoices:list"), "label": _("Invoices")},
            {
                "url": reverse("clientportal_invoices:edit", args=[invoice.pk]),
                "label": str(invoice),
            },
            {"url": "", "label": _("Client portals")},
        ]

    def delivery_shares(self):
        invoice = self.get_invoice()
        self.delivery_export_name = f"delivery-invoice-{invoice.pk}"
        return Share.objects.filter(
            Q(invoice=invoice) | Q(settlement__invoice=invoice)
        ).select_related("portal", "invoice", "settlement__invoice")

    def get_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        return InvoiceItemsShareForm(data, invoice=self.get_invoice())

    def get_context_data(self, **kwargs):
        invoice = self.get_invoice()
        context = super().get_context_data(**kwargs)
        active, history = split_history(
            Share.objects.filter(Q(invoice=invoice) | Q(settlement__invoice=invoice))
        )
        settlements = list(invoice.settlements.all())
        for settlement in settlements:
            settlement.download_url = download_url(settlement)
        context.update(self.delivery_context(active))
        context.update(
            invoice=invoice,
            invoice_download_url=download_url(invoice),
            settlements=settlements,
            active_shares=active,
            history=history,
            can_share=roles.has(self.request.user, roles.SHARE_ITEMS),
        )
        context.setdefault("form", self.get_form())
        return context

    def post(self, request, *args, **kwargs):
        roles.require_perm(request.user, roles.SHARE_ITEMS)
        invoice = self.get_invoice()
        if request.POST.get("action") == "revoke":
            revoke_selected(
                request, Share.objects.filter(Q(invoice=invoice) | Q(settlement__invoice=invoice))
            )
            return redirect("clientportal_staff:invoice_shares", invoice.pk)
        form = self.get_form()
        if form.is_valid():
            try:
                result = services.share_items(
                    request.user,
                    list(form.cleaned_data["portals"]),
                    form.selected_items(),
                    expires_at=form.cleaned_data.get("expires_at"),
                    message=form.cleaned_data.get("message", ""),
                    **form.receipt_options(),
                )
            except ClientPortalValidationError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, share_message(result))
                return redirect("clientportal_staff:invoice_shares", invoice.pk)
        return self.render_to_response(self.get_context_data(form=form))
