"""Proof of delivery: what exact bytes reached whom and when (DESIGN rules 12 and 13).

``DeliveryEvent`` rows are the firm's evidence, so they are append-only: the model
and its default manager refuse updates and deletes, and each row carries the hash
of the previous row of the same portal (a hash chain), so a row deleted or altered
outside the ORM is detectable (``services.delivery.verify_chain``). Every value that
goes into the hash is a copy (names, ids, sizes): links to the share, portal, user
go to NULL when those rows are deleted, and the record still reads and verifies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .history import history_link

GENESIS = "0" * 64


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a delivery record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("delivery records are append-only")

    def delete(self):
        raise AppendOnlyError("delivery records are append-only")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("delivery records are append-only")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("delivery records are written one by one, chained")


class DeliveryEvent(models.Model):
    class Kind(models.TextChoices):
        DOWNLOAD = "download", _("Download")
        VIEW = "view", _("Opened in the browser")
        CONFIRMATION = "confirmation", _("Receipt confirmed")

    class Status(models.TextChoices):
        COMPLETE = "complete", _("Complete")
        PARTIAL = "partial", _("Partial (range)")
        ABORTED = "aborted", _("Interrupted")
        CONFIRMED = "confirmed", _("Confirmed")
        # Offloaded serving: the bytes left outside Python, so only the stored file's hash
        # is known (docs/serving.md says what each status proves).
        HANDED_OFF = "handed_off", _("Handed to the web server")
        SIGNED_URL = "signed_url", _("Signed link issued")

    # The chain: one per portal, keyed by the portal's id copied at the time.
    chain_key = models.PositiveBigIntegerField(_("portal id"), editable=False)
    seq = models.PositiveIntegerField(_("number in the chain"), editable=False)
    prev_hash = models.CharField(_("previous record hash"), max_length=64, editable=False)
    record_hash = models.CharField(_("record hash"), max_length=64, editable=False)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), default=timezone.now)

    # Links (NULL once their row goes) and the copies that keep the record whole.
    share = history_link(
        "wagtail_clientportal.Share", related_name="delivery_events", verbose_name=_("share")
    )
    portal = history_link("wagtail_clientportal.Portal", related_name="+", verbose_name=_("portal"))
    portal_user = history_link(
        "wagtail_clientportal.PortalUser",
        related_name="delivery_events",
        verbose_name=_("portal user"),
    )
    user = history_link(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("user"))
    share_ref = models.PositiveBigIntegerField(_("share id"))
    portal_user_ref = models.PositiveBigIntegerField(_("portal user id"))
    user_email = models.CharField(_("user email"), max_length=254)
    user_name = models.CharField(_("user name"), max_length=301)
    client_name = models.CharField(_("client name"), max_length=255)
    portal_name = models.CharField(_("portal name"), max_length=120)
    item_kind = models.CharField(_("item kind"), max_length=20)
    item_id = models.PositiveBigIntegerField(_("item id"))
    item_title = models.CharField(_("item title"), max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    # A pinned version's SHA-256 as stored when it was frozen (blank for other kinds).
    stored_sha256 = models.CharField(_("stored SHA-256"), max_length=64, blank=True)

    file_size = models.PositiveBigIntegerField(_("file size"))
    range_start = models.PositiveBigIntegerField(_("range start"), null=True, blank=True)
    range_end = models.PositiveBigIntegerField(_("range end"), null=True, blank=True)
    bytes_sent = models.PositiveBigIntegerField(_("bytes sent"))
    # SHA-256 of the bytes actually sent (for a confirmation: of the content confirmed).
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    # The person's data (email, name, IP address, user agent) enters the record's hash
    # through a salted digest, so it can be pseudonymised (RODO erasure) and the chain
    # still verifies: ``services.erasure`` replaces the four values and forgets the
    # salt; the digest and the hash stay. Blank digest: a record written before 0014,
    # whose hash covers the four values themselves (see docs/audit.md).
    person_salt = models.CharField(_("person salt"), max_length=32, blank=True, editable=False)
    person_digest = models.CharField(_("person digest"), max_length=64, blank=True, editable=False)
    pseudonymised_at = models.DateTimeField(
        _("pseudonymised at"), null=True, blank=True, editable=False
    )

    objects = AppendOnlyQuerySet.as_manager()
    # Deletion of a share/portal/user sets links to NULL through this plain manager.
    _plain = models.Manager()  # noqa: DJ012 (a manager, not a field)

    class Meta:
        verbose_name = _("delivery record")
        verbose_name_plural = _("delivery records")
        ordering = ["chain_key", "seq"]
        base_manager_name = "_plain"
        constraints = [
            models.UniqueConstraint(
                fields=["chain_key", "seq"], name="clientportal_delivery_chain_seq"
            ),
        ]
        indexes = [
            models.Index(fields=["share_ref", "portal_user_ref"], name="clientportal_deliv_share"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.user_email} {self.get_kind_display()} {self.item_title}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not kwargs.get("force_insert"):
            raise AppendOnlyError("delivery records are written only by services.delivery")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("delivery records are append-only")

    @property
    def is_complete_download(self) -> bool:
        return self.kind != self.Kind.CONFIRMATION and self.status == self.Status.COMPLETE


class ReceiptRequest(models.Model):
    """Staff asked the portal's users to confirm receipt of one share ("Potwierdzam odbiór").

    ``batch`` groups the shares of one sharing action: reminders are one email per
    person per batch, never per item.
    """

    share = models.OneToOneField(
        "wagtail_clientportal.Share",
        on_delete=models.CASCADE,
        related_name="receipt_request",
        verbose_name=_("share"),
    )
    batch = models.UUIDField(_("batch"), db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    due_on = models.DateField(_("confirm by"), null=True, blank=True)

    class Meta:
        verbose_name = _("receipt confirmation request")
        verbose_name_plural = _("receipt confirmation requests")

    def __str__(self) -> str:
        return f"{self.share_id} {self.due_on or ''}"


class ReceiptReminder(models.Model):
    """One reminder (to a client) or one overdue notice (to staff) per person per batch."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        OVERDUE = "overdue", _("Overdue notice")

    batch = models.UUIDField(_("batch"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("receipt reminder")
        verbose_name_plural = _("receipt reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "kind", "user"], name="clientportal_receipt_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.batch}"


class WriteOnceQuerySet(models.QuerySet):
    """A timestamp's token is written once: updates only ever touch rows still without one."""

    def update(self, **kwargs):
        return models.QuerySet.update(self.filter(token__isnull=True), **kwargs)

    def delete(self):
        raise AppendOnlyError("timestamp tokens are kept with their records")


class DeliveryTimestamp(models.Model):
    """An RFC 3161 timestamp token over one delivery record's hash (DESIGN rule 13).

    Asked for after the record commits, never inside the request; retried with
    backoff like the outbox. The row is a work item until the TSA answers; its
    token, once stored, can no longer be changed (``WriteOnceQuerySet``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the time-stamping authority")
        GRANTED = "granted", _("Granted")
        FAILED = "failed", _("Failed")

    event = models.OneToOneField(
        DeliveryEvent,
        on_delete=models.PROTECT,
        related_name="timestamp",
        verbose_name=_("delivery record"),
    )
    # The record hash at the time of asking: the message imprint the TSA signs.
    record_hash = models.CharField(_("record hash"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The TSA's whole answer (DER TimeStampResp), as received: verifiable by any tool.
    token = models.BinaryField(_("timestamp token"), null=True, editable=False)
    gen_time = models.DateTimeField(_("time of the timestamp"), null=True)
    serial = models.CharField(_("serial number"), max_length=64, blank=True)
    tsa_name = models.CharField(_("time-stamping authority"), max_length=255, blank=True)

    objects = WriteOnceQuerySet.as_manager()

    class Meta:
        verbose_name = _("trusted timestamp")
        verbose_name_plural = _("trusted timestamps")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="clientportal_tst_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("timestamps change only through services.timestamps")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("timestamp tokens are kept with their records")
