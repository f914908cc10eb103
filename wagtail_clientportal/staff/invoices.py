"""The invoices area: listing with filters, create/edit with PDF and settlements inline."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.snippets.views.snippets import CreateView, DeleteView, IndexView, SnippetViewSet

from ..models import Invoice, Share
from ..money import format_amount
from .files import PrivateFileInput
from .filter_choosers import client_filter
from .paginator import CountingPaginator


class InvoiceFilterSet(WagtailFilterSet):
    client = client_filter()
    paid = django_filters.BooleanFilter(label=_("Paid"), method="filter_paid")
    issue_date = django_filters.DateFromToRangeFilter(
        label=_("Issue date"), widget=DateRangePickerWidget
    )
    due_date = django_filters.DateFromToRangeFilter(
        label=_("Due date"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Invoice
        fields = ["client"]

    def filter_paid(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(paid_on__isnull=not value)


class InvoiceForm(WagtailAdminModelForm):
    """Gross may be left empty: it is net + VAT (the model's constraint), computed here."""

    class Media:
        js = ["wagtail_clientportal/js/invoice-gross.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "gross_amount" in self.fields:
            self.fields["gross_amount"].required = False
            self.fields["gross_amount"].help_text = _("Net + VAT when left empty.")

    def clean(self):
        cleaned = super().clean()
        net, vat = cleaned.get("net_amount"), cleaned.get("vat_amount")
        empty = cleaned.get("gross_amount") is None and "gross_amount" not in self.errors
        if empty and net is not None and vat is not None:
            cleaned["gross_amount"] = net + vat  # a typed gross is still checked against it
        return cleaned

    def clean_client(self):
        client = self.cleaned_data.get("client")
        invoice = self.instance
        if invoice.pk and client is not None and client.pk != invoice.client_id:
            shared = Share.objects.filter(revoked_at__isnull=True).filter(
                Q(invoice=invoice) | Q(settlement__invoice=invoice)
            )
            if shared.exists():
                # Its shares sit on the old client's portals: they must be revoked first.
                raise forms.ValidationError(
                    _(
                        "The invoice is shared on the portals of its client. Revoke those "
                        "shares before moving it to another client."
                    )
                )
        return client

    def is_valid(self) -> bool:
        """A shared settlement stays: deleting it would cascade its share rows (the audit)."""
        valid = super().is_valid()
        formset = self.formsets.get("settlements") if valid else None
        if formset is not None:
            removed = [f.instance.pk for f in formset.deleted_forms if f.instance.pk]
            if removed and Share.objects.filter(settlement_id__in=removed).exists():
                self.add_error(None, _("A settlement that has been shared cannot be removed."))
                return False
        return valid

    def clean_pdf(self):
        pdf = self.cleaned_data.get("pdf")
        upload = self.files.get(self.add_prefix("pdf"))
        if upload is not None:
            head = upload.read(5)
            upload.seek(0)
            if not upload.name.lower().endswith(".pdf") or head != b"%PDF-":
                raise forms.ValidationError(_("Upload the invoice as a PDF file."))
        return pdf


class InvoiceCreateView(CreateView):
    """ "Nowa faktura": Wagtail's "New: <verbose name>" does not agree in gender."""

    page_title = _("New invoice")

    def get_page_subtitle(self):
        return ""


class InvoiceIndexView(IndexView):
    paginator_class = CountingPaginator

    @cached_property
    def add_item_label(self):
        return _("Add invoice")

    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            MenuItem(
                _("Client portals"),
                url=reverse("clientportal_staff:invoice_shares", args=[instance.pk]),
                icon_name="link",
                priority=20,
            ),
        ]


class InvoiceDeleteView(DeleteView):
    """An invoice ever shared stays: its share rows are the audit of who saw what (rule 6)."""

    def post(self, request, *args, **kwargs):
        invoice = self.get_object()
        if Share.objects.filter(Q(invoice=invoice) | Q(settlement__invoice=invoice)).exists():
            messages.error(
                request,
                _("This invoice has been shared on a client portal and cannot be deleted."),
            )
            return redirect("clientportal_invoices:edit", invoice.pk)
        return super().post(request, *args, **kwargs)


class InvoiceViewSet(SnippetViewSet):
    model = Invoice
    icon = "doc-full"
    menu_label = _("Invoices")
    menu_name = "clientportal_invoices"
    url_prefix = "clientportal/invoices"
    admin_url_namespace = "clientportal_invoices"
    add_to_admin_menu = False  # an entry of the "Panel klienta" group (staff/menu.py)
    filterset_class = InvoiceFilterSet
    index_view_class = InvoiceIndexView
    add_view_class = InvoiceCreateView
    delete_view_class = InvoiceDeleteView
    search_fields = ["number", "ksef_number"]
    search_backend_name = None
    copy_view_enabled = False
    list_display = [
        "number",
        "client",
        "issue_date",
        "due_date",
        Column(
            "gross_amount",
            label=_("Gross amount"),
            accessor=lambda invoice: format_amount(invoice.gross_amount, invoice.currency),
        ),
        BooleanColumn("is_paid", label=_("Paid")),
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("client"),
            FieldRowPanel([FieldPanel("number"), FieldPanel("ksef_number")]),
            FieldRowPanel(
                [FieldPanel("issue_date"), FieldPanel("sale_date"), FieldPanel("due_date")]
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("net_amount"),
                            FieldPanel("vat_amount"),
                            FieldPanel("gross_amount"),
                            FieldPanel("currency"),
                        ]
                    )
                ],
                heading=_("Amounts"),
            ),
            FieldPanel("pdf", widget=PrivateFileInput),
            FieldPanel("paid_on"),
            InlinePanel(
                "settlements",
                panels=[FieldPanel("title"), FieldPanel("file", widget=PrivateFileInput)],
                label=_("Settlements"),
                heading=_("Settlements"),
            ),
        ],
        base_form_class=InvoiceForm,
    )

    def get_queryset(self, request):
        return Invoice.objects.select_related("client")
