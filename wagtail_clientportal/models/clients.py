"""Clients, their portals and the people who may log in to them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..validators import validate_nip, validate_pesel, validate_regon


class Client(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSON = "person", _("Person")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    nip = models.CharField(_("NIP"), max_length=13, blank=True, validators=[validate_nip])
    regon = models.CharField(_("REGON"), max_length=14, blank=True, validators=[validate_regon])
    pesel = models.CharField(_("PESEL"), max_length=11, blank=True, validators=[validate_pesel])
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.TextField(_("address"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The firm's person for this client (the responsible lawyer): shown to its portal
    # users beside the firm's own contact, in the portal and in every email.
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact person at the firm"),
        help_text=_("Shown to the client's portal users with the firm's contact details."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["is_active"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A PESEL identifies a natural person; a company has none.
        if self.kind == self.Kind.COMPANY and self.pesel:
            raise ValidationError({"pesel": _("A company has no PESEL.")})


class Portal(models.Model):
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="portals", verbose_name=_("client")
    )
    name = models.CharField(
        _("name"), max_length=120, help_text=_("Visible to the client's portal users.")
    )
    description = models.TextField(_("description"), blank=True)
    # Off by default: a portal only receives files when staff decide it should.
    uploads_enabled = models.BooleanField(
        _("clients may send files"),
        default=False,
        help_text=_("The portal's users can send files to the firm through it."),
    )
    upload_instructions = models.CharField(
        _("instruction for sending files"),
        max_length=300,
        blank=True,
        help_text=_("Shown to the client above the form, e.g. which document to send."),
    )
    # A legal hold (a dispute, an authority's request): the retention command never
    # deletes the portal's delivery records, and the portal cannot be deleted.
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_(
            "While set, the portal's delivery records are kept whatever the retention "
            "settings, and the portal cannot be deleted."
        ),
    )
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
        verbose_name = _("client portal")
        verbose_name_plural = _("client portals")
        ordering = ["client__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "name"], name="clientportal_portal_name_unique"
            )
        ]
        permissions = [("manage_portals", _("Can create and delete client portals"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.client.name})"


class PortalUser(models.Model):
    """A person on the client's side; the login itself is a Django user."""

    class NotificationPreference(models.TextChoices):
        # Login codes, activation, password reset and security emails are never
        # batched: this choice concerns only emails about newly shared items.
        IMMEDIATE = "immediate", _("An email for each sharing action")
        DAILY = "daily", _("One daily digest")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="clientportal_memberships",
        verbose_name=_("user"),
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="portal_users", verbose_name=_("client")
    )
    portals = models.ManyToManyField(
        Portal,
        through="PortalAssignment",
        related_name="portal_users",
        verbose_name=_("portals"),
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    access_expires_on = models.DateField(
        _("access expires on"),
        null=True,
        blank=True,
        help_text=_("Access ends at the end of this day. Leave empty for no limit."),
    )
    is_blocked = models.BooleanField(_("blocked"), default=False)
    # Chosen by the person on their account page, for all their memberships at once
    # (``services.accounts.set_notification_preference``); a new membership copies it.
    notification_preference = models.CharField(
        _("notifications of new items"),
        max_length=10,
        choices=NotificationPreference.choices,
        default=NotificationPreference.IMMEDIATE,
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
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
        verbose_name = _("portal user")
        verbose_name_plural = _("portal users")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client"], name="clientportal_portaluser_unique"
            )
        ]
        permissions = [
            ("manage_portal_users", _("Can create and delete portal users")),
            # RODO: the data-protection officer's permission (export, erase, legal hold).
            (
                "manage_personal_data",
                _("Can export and erase a person's data and set legal holds (RODO)"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.client.name})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def email(self) -> str:
        return getattr(self.user, self.user.get_email_field_name(), "") or ""

    def is_expired(self, today=None) -> bool:
        if self.access_expires_on is None:
            return False
        return (today or timezone.localdate()) > self.access_expires_on


class PortalAssignment(models.Model):
    """Explicit through table so the same-client rule is checked on every write path."""

    portal_user = models.ForeignKey(PortalUser, on_delete=models.CASCADE, related_name="+")
    portal = models.ForeignKey(Portal, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("portal assignment")
        verbose_name_plural = _("portal assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["portal_user", "portal"], name="clientportal_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.portal_user_id} → {self.portal_id}"

    def save(self, *args, **kwargs):
        if self.portal.client_id != self.portal_user.client_id:
            from ..exceptions import ClientPortalValidationError

            raise ClientPortalValidationError("portal_of_other_client")
        super().save(*args, **kwargs)
