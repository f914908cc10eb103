"""Files a client sent to the firm through a portal.

An ``Upload`` is one sending (one form submission, one or more files, an optional
note); an ``UploadedFile`` is one file of it. Both copy the names of who sent what
where, so they stay readable after the portal or the person is deleted (as the
access records do). Files live in the private storage under generated names: the
client's own file name is metadata only, cleaned by ``filenames.safe_filename``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model_string

from ..storage import get_private_storage
from .history import history_link


def upload_path(instance, filename: str) -> str:
    """A generated name: nothing the client typed reaches the storage's paths."""
    extension = instance.extension or "bin"
    now = timezone.now()
    return f"clientportal/uploads/{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Upload(models.Model):
    portal = history_link(
        "wagtail_clientportal.Portal", related_name="uploads", verbose_name=_("client portal")
    )
    client = history_link(
        "wagtail_clientportal.Client", related_name="uploads", verbose_name=_("client")
    )
    portal_user = history_link(
        "wagtail_clientportal.PortalUser", related_name="uploads", verbose_name=_("portal user")
    )
    user = history_link(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("user"))
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("sent at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    user_email = models.CharField(_("user email"), max_length=254)
    user_name = models.CharField(_("user name"), max_length=301)
    client_name = models.CharField(_("client name"), max_length=255)
    portal_name = models.CharField(_("portal name"), max_length=120)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["portal", "-at"]),
            models.Index(fields=["portal_user", "-at"]),
            models.Index(fields=["client", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_name} → {self.portal_name} ({self.at:%Y-%m-%d %H:%M})"

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files.all())


class UploadedFile(models.Model):
    class Scan(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked")
        CLEAN = "clean", _("Clean")
        INFECTED = "infected", _("Infected")
        FAILED = "failed", _("Scan failed")

    upload = models.ForeignKey(
        Upload, on_delete=models.CASCADE, related_name="files", verbose_name=_("upload")
    )
    file = models.FileField(
        _("file"), storage=get_private_storage, upload_to=upload_path, max_length=255
    )
    original_name = models.CharField(_("file name given by the client"), max_length=255)
    extension = models.CharField(_("extension"), max_length=10)
    content_type = models.CharField(_("detected type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    scan_status = models.CharField(
        _("scan"), max_length=10, choices=Scan.choices, default=Scan.UNCHECKED
    )
    scan_detail = models.CharField(_("scan result"), max_length=255, blank=True)
    scanned_at = models.DateTimeField(_("scanned at"), null=True, blank=True)
    document = models.ForeignKey(
        get_document_model_string(),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name
