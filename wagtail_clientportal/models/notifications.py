"""The outbox: one row per email (or other message) the package owes someone.

A row is written in the same transaction as the change that causes it, so a
rolled-back change owes nothing and a committed one is never forgotten. The
``notifications`` package delivers rows; this module only holds their state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        ACTIVATION = "activation", _("Activation")
        NEW_SHARES = "new_shares", _("New shares")
        PASSWORD_RESET = "password_reset", _("Password reset")
        LOGIN_CODE = "login_code", _("Login code")
        RECEIPT_REMINDER = "receipt_reminder", _("Receipt confirmation reminder")
        RECEIPT_OVERDUE = "receipt_overdue", _("Receipt confirmation overdue")
        UPLOAD_RECEIVED = "upload_received", _("Files received from a client")
        AUDIT_EXPORT_READY = "audit_export_ready", _("Audit export ready")
        DIGEST = "digest", _("Daily digest of new items")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DELIVERED = "delivered", _("Delivered")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")
        REJECTED = "rejected", _("Rejected")
        # A "new items" row of a person who chose the daily digest: never sent itself,
        # it waits for the next digest (``notifications.digest``), then is "digested".
        HELD = "held", _("Held for the daily digest")
        DIGESTED = "digested", _("Included in a digest")

    #: Statuses after which the provider reported the address as not working.
    UNDELIVERABLE = (Status.BOUNCED, Status.COMPLAINED, Status.REJECTED)

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    recipient = models.EmailField(_("recipient"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    portal_user = models.ForeignKey(
        "wagtail_clientportal.PortalUser",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("portal user"),
    )
    portal = models.ForeignKey(
        "wagtail_clientportal.Portal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("portal"),
    )
    # A deleted portal's id, copied by ``delete_portal`` (the audit ZIP of its client).
    portal_ref = models.PositiveBigIntegerField(_("portal id"), null=True, editable=False)
    # What the message is about, in JSON (counts per kind, the staff note): enough to
    # render it again at delivery time in the recipient's language. Never a link or
    # token: activation and reset links are made from ``user`` when the email is sent.
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # Set by the worker that moved the row to "sending": only that worker sends it.
    claim = models.CharField(max_length=32, blank=True, editable=False)
    provider_message_id = models.CharField(
        _("provider message id"), max_length=255, blank=True, db_index=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    # A held row names the digest that listed it; a digest row names its person's
    # local day, unique per person: two workers can never both send one that day.
    digest = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digested_items",
        verbose_name=_("digest"),
    )
    digest_day = models.DateField(_("digest day"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="clientportal_notif_due"),
            models.Index(fields=["user", "-created_at"], name="clientportal_notif_user"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "digest_day"],
                condition=models.Q(digest_day__isnull=False),
                name="clientportal_one_digest_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_status_display()})"
