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

from .. import ksef, ksef_xml
from ..models import Invoice, Share
from ..money import format_amount
from ..services import ksef_import
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

    # Left empty, these are filled from an imported FA(3) file (else still required).
    FILLED_FROM_XML = (
        "number",
        "issue_date",
        "sale_date",
        "due_date",
        "net_amount",
        "vat_amount",
        "gross_amount",
        "seller_nip",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.required_unless_xml = []
        for name in self.FILLED_FROM_XML:
            if name in self.fields and self.fields[name].required:
                self.fields[name].required = False
                self.required_unless_xml.append(name)
        if "gross_amount" in self.fields:
            self.fields["gross_amount"].help_text = _("Net + VAT when left empty.")
        if "ksef_xml" in self.fields:
            self.fields["ksef_xml"].help_text = _(
                "The FA(3) file as sent to KSeF. Empty fields above are filled from it; "
                "a file whose NIP, number, issue date or amounts differ is refused."
            )

    def clean(self):
        cleaned = super().clean()
        self._import_xml(cleaned)
        net, vat = cleaned.get("net_amount"), cleaned.get("vat_amount")
        empty = cleaned.get("gross_amount") is None and "gross_amount" not in self.errors
        if empty and net is not None and vat is not None:
            cleaned["gross_amount"] = net + vat  # a typed gross is still checked against it
        for name in self.required_unless_xml:
            if cleaned.get(name) in (None, "") and name not in self.errors:
                self.add_error(
                    name,
                    forms.ValidationError(
                        self.fields[name].error_messages["required"], code="required"
                    ),
                )
        self._check_ksef(cleaned)
        return cleaned

    def _import_xml(self, cleaned) -> None:
        """A newly uploaded FA(3) file: refused, or its values fill the empty fields."""
        upload = self.files.get(self.add_prefix("ksef_xml"))
        if "ksef_xml" in self.errors:
            return
        if upload is None:
            # The stored file still binds the invoice: its KOD I names P_1 and the NIP.
            fa3 = self._stored_fa3()
            if fa3 is None:
                return
        else:
            try:
                fa3 = ksef_import.read_upload(upload)
            except forms.ValidationError as error:
                self.add_error("ksef_xml", error)
                return
        filled, disagreements = ksef_import.reconcile(cleaned, fa3)
        if disagreements:
            for name, error in disagreements.items():
                self.add_error(name if name in self.fields else None, error)
            self.add_error(
                "ksef_xml",
                forms.ValidationError(
                    _("The XML file disagrees with the invoice: nothing was changed."),
                    code="xml_disagrees",
                ),
            )
            return
        for name, value in filled.items():
            if name in self.fields:
                cleaned[name] = value
        self.xml_imported = sorted(filled)

    def _check_ksef(self, cleaned) -> None:
        """The KSeF fields agree with each other (shape is checked by the model)."""
        number, mode = cleaned.get("ksef_number"), cleaned.get("ksef_mode")
        nip, kod_ii = cleaned.get("seller_nip"), cleaned.get("ksef_kod_ii_url")
        if number and mode == "outside":
            self.add_error(
                "ksef_mode",
                forms.ValidationError(
                    _("An invoice issued outside KSeF has no KSeF number."),
                    code="outside_with_number",
                ),
            )
        shaped = number and ksef.KSEF_NUMBER.match(number)
        if shaped and nip and number[:10] != nip:
            self.add_error(
                "ksef_number",
                forms.ValidationError(
                    _("The KSeF number begins with the seller's NIP, %(nip)s."),
                    code="number_nip_mismatch",
                    params={"nip": nip},
                ),
            )
        if kod_ii and "ksef_kod_ii_url" not in self.errors:
            self._check_kod_ii(kod_ii, mode, nip)

    def _check_kod_ii(self, kod_ii, mode, nip) -> None:
        if mode != "offline":
            self.add_error(
                "ksef_kod_ii_url",
                forms.ValidationError(
                    _("KOD II belongs to invoices issued offline."), code="kod_ii_not_offline"
                ),
            )
            return
        parts = ksef.kod_ii_parts(kod_ii)
        if parts is None:
            return  # the model's validator says so (it runs after clean())
        kod_nip, kod_hash = parts
        xml = self._xml_bytes()
        if (nip and kod_nip != nip) or (xml is not None and kod_hash != ksef.xml_hash(xml)):
            self.add_error(
                "ksef_kod_ii_url",
                forms.ValidationError(
                    _("The KOD II link names another seller or another XML file."),
                    code="kod_ii_mismatch",
                ),
            )

    def _stored_fa3(self):
        data = self._xml_bytes()
        if data is None:
            return None
        try:
            return ksef_xml.parse_fa3(data)
        except forms.ValidationError:
            return None  # accepted before the import checked files: left as it is

    def _xml_bytes(self) -> bytes | None:
        upload = self.files.get(self.add_prefix("ksef_xml"))
        if upload is not None:
            upload.seek(0)
            data = upload.read()
            upload.seek(0)
            return data
        if self.instance.pk and self.instance.ksef_xml:
            try:
                with self.instance.ksef_xml.open("rb") as handle:
                    return handle.read()
            except FileNotFoundError:
                return None
        return None

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
            FieldPanel("number"),
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
            MultiFieldPanel(
                [
                    FieldPanel("ksef_xml", widget=PrivateFileInput(attrs={"accept": ".xml"})),
                    FieldRowPanel([FieldPanel("ksef_mode"), FieldPanel("seller_nip")]),
                    # 35 characters: the number gets its own row, never cut off.
                    FieldPanel("ksef_number"),
                    FieldPanel("ksef_assigned_at"),
                    FieldPanel("ksef_kod_ii_url"),
                ],
                heading=_("KSeF"),
            ),
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
