"""Frozen copies of Wagtail documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model_string

from ..storage import get_private_storage


class DocumentVersion(models.Model):
    """The bytes of a document at one moment; later edits of the document never change it."""

    document = models.ForeignKey(
        get_document_model_string(),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clientportal_versions",
        verbose_name=_("document"),
    )
    title = models.CharField(_("title"), max_length=255)
    label = models.CharField(_("version label"), max_length=120, blank=True)
    file = models.FileField(
        _("file"), storage=get_private_storage, upload_to="clientportal/versions/%Y/%m/"
    )
    original_filename = models.CharField(_("original file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["document", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.title} — {self.label}" if self.label else self.title


class SharedDocument(models.Model):
    """A Wagtail document that has been shared at least once, directly or as a pinned version.

    Rule 11 ("once shared, never public") must not depend on rows that later go away:
    revoking, deleting a version or a portal removes or closes shares, never this mark.
    Written by the sharing service in the sharing transaction; read by the
    ``before_serve_document`` hook. It goes only with the document itself.
    """

    document = models.OneToOneField(
        get_document_model_string(),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="clientportal_shared",
        verbose_name=_("document"),
    )
    first_shared_at = models.DateTimeField(_("first shared at"), default=timezone.now)

    class Meta:
        verbose_name = _("shared document")
        verbose_name_plural = _("shared documents")

    def __str__(self) -> str:
        return str(self.document_id)
