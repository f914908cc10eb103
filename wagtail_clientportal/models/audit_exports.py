"""Audit ZIPs too large to stream: built by a task, kept in private storage for a while."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..storage import get_private_storage


class AuditExport(models.Model):
    """One requested ZIP: who asked, of what, how far the task got, where the file is.

    Only the requester downloads it (and only while they may export); the file is
    deleted when ``expires_at`` passes (``services.audit_export_jobs.purge_expired``).
    """

    class Scope(models.TextChoices):
        PORTAL = "portal", _("Portal")
        CLIENT = "client", _("Client")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requester_email = models.EmailField(_("requester email"), max_length=254, blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    object_name = models.CharField(_("name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    #: The delivered files too (``?files=1``): a repeated request is reused only if it
    #: asked for the same.
    with_files = models.BooleanField(_("with the delivered files"), default=False)
    rows_total = models.PositiveBigIntegerField(_("rows"), default=0)
    rows_done = models.PositiveBigIntegerField(_("rows written"), default=0)
    file = models.FileField(
        _("file"),
        storage=get_private_storage,
        upload_to="clientportal/exports/audit/%Y/%m/",
        blank=True,
    )
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit export")
        verbose_name_plural = _("audit exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {self.object_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def is_available(self) -> bool:
        return (
            self.status == self.Status.DONE
            and bool(self.file)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )
