"""Invoices issued to clients and their attachments (settlements)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from .. import conf
from ..ksef import validate_kod_ii_url, validate_ksef_number
from ..storage import get_private_storage
from ..validators import validate_nip
from .clients import Client


def _default_currency() -> str:
    return conf.default_currency()


class Invoice(ClusterableModel):
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("client")
    )
    number = models.CharField(_("number"), max_length=64)
    issue_date = models.DateField(_("issue date"))
    sale_date = models.DateField(_("sale date"))
    due_date = models.DateField(_("due date"))
    net_amount = models.DecimalField(_("net amount"), max_digits=14, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT amount"), max_digits=14, decimal_places=2)
    gross_amount = models.DecimalField(_("gross amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=_default_currency)
    pdf = models.FileField(
        _("PDF file"), storage=get_private_storage, upload_to="clientportal/invoices/%Y/%m/"
    )
    ksef_number = models.CharField(
        _("KSeF number"), max_length=64, blank=True, validators=[validate_ksef_number]
    )
    # KSeF (issue 12): when the number was assigned, how the invoice was issued, and
    # the seller's NIP the KOD I verification link names (``ksef.kod_i_url``).
    ksef_assigned_at = models.DateTimeField(_("KSeF number assigned at"), null=True, blank=True)
    ksef_mode = models.CharField(
        _("KSeF mode"),
        max_length=10,
        choices=[
            ("online", _("Online (in KSeF)")),
            ("offline", _("Offline (sent to KSeF later)")),
            ("outside", _("Outside KSeF")),
        ],
        blank=True,
    )
    # The structured invoice (FA(3)) as sent to KSeF: its SHA-256 is in the KOD I link.
    ksef_xml = models.FileField(
        _("KSeF XML file"),
        storage=get_private_storage,
        upload_to="clientportal/invoices/ksef/%Y/%m/",
        blank=True,
    )
    seller_nip = models.CharField(
        _("seller NIP"), max_length=10, blank=True, validators=[validate_nip]
    )
    # KOD II is signed with the issuer's KSeF certificate: stored as supplied, never made.
    ksef_kod_ii_url = models.URLField(
        _("KOD II link (certificate)"),
        max_length=1500,
        blank=True,
        validators=[validate_kod_ii_url],
        help_text=_("Offline invoices only: the link the invoicing program gave."),
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="clientportal_invoice_number_unique"),
            models.CheckConstraint(
                condition=Q(gross_amount=F("net_amount") + F("vat_amount")),
                name="clientportal_invoice_gross_is_net_plus_vat",
                violation_error_message=_("The gross amount must equal net plus VAT."),
            ),
        ]
        indexes = [models.Index(fields=["client", "-issue_date"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None


class Settlement(models.Model):
    invoice = ParentalKey(
        Invoice, on_delete=models.CASCADE, related_name="settlements", verbose_name=_("invoice")
    )
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(
        _("file"), storage=get_private_storage, upload_to="clientportal/settlements/%Y/%m/"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["invoice", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.invoice.number})"
