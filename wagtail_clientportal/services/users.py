"""Managing the client's portal users (DESIGN rules 2, 3 and 8)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from .. import hooks, notifications
from ..exceptions import ClientPortalValidationError
from ..models import Client, Portal, PortalUser
from ..permissions import MANAGE_PORTAL_USERS, is_staff_login, require


def _check_portals(client_id: int, portals: Sequence[Portal]) -> list[Portal]:
    portals = list({p.pk: p for p in portals}.values())
    if not portals:
        raise ClientPortalValidationError("portals_required")
    if any(p.client_id != client_id for p in portals):
        raise ClientPortalValidationError("portal_of_other_client")
    return portals


def _normalize_email(email: str) -> str:
    email = BaseUserManager.normalize_email((email or "").strip())
    if not email:
        raise ClientPortalValidationError("email_required")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ClientPortalValidationError("email_required", message=exc.messages[0]) from None
    return email


def _get_or_create_login(email: str):
    """One person, one login: reuse the login of the same email (any client, or staff)."""
    User = get_user_model()
    email_field = User.get_email_field_name()
    existing = User._default_manager.filter(**{f"{email_field}__iexact": email}).first()
    if existing is not None:
        return existing, False
    fields = {email_field: email}
    if User.USERNAME_FIELD != email_field:
        fields[User.USERNAME_FIELD] = email
    user = User(**fields)
    user.set_unusable_password()  # set by the person on activation
    user.save()
    return user, True


@transaction.atomic
def create_portal_user(
    actor,
    client: Client,
    *,
    email: str,
    first_name: str,
    last_name: str,
    portals: Sequence[Portal],
    access_expires_on: datetime.date | None = None,
) -> PortalUser:
    require(actor, MANAGE_PORTAL_USERS)
    email = _normalize_email(email)
    portals = _check_portals(client.pk, portals)
    login, created_login = _get_or_create_login(email)
    if PortalUser.objects.filter(user=login, client=client).exists():
        raise ClientPortalValidationError("portal_user_exists")
    now = timezone.now()
    portal_user = PortalUser.objects.create(
        user=login,
        client=client,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        access_expires_on=access_expires_on,
        invited_at=now,
        # A person who already has a password (active at another client, or staff) is
        # not sent an activation link: one would let whoever reads the email replace
        # their password and second factor. Their existing login opens the new portals.
        activated_at=None if created_login or not login.has_usable_password() else now,
        created_by=actor,
    )
    portal_user.portals.set(portals)
    notifications.queue_activation(portal_user)
    hooks.run(
        hooks.AFTER_USER_CREATED, actor=actor, portal_user=portal_user, created_login=created_login
    )
    return portal_user


@transaction.atomic
def send_activation(actor, portal_user: PortalUser) -> PortalUser:
    """Send the activation link again; every earlier link keeps working until used or expired."""
    require(actor, MANAGE_PORTAL_USERS)
    if portal_user.activated_at is not None:
        raise ClientPortalValidationError("already_activated")
    portal_user.invited_at = timezone.now()
    portal_user.save(update_fields=["invited_at"])
    notifications.queue_activation(portal_user)
    return portal_user


def _update(actor, portal_user: PortalUser, **fields) -> PortalUser:
    require(actor, MANAGE_PORTAL_USERS)
    for name, value in fields.items():
        setattr(portal_user, name, value)
    portal_user.save(update_fields=list(fields))
    return portal_user


@transaction.atomic
def block_portal_user(actor, portal_user: PortalUser) -> PortalUser:
    return _update(actor, portal_user, is_blocked=True)


@transaction.atomic
def unblock_portal_user(actor, portal_user: PortalUser) -> PortalUser:
    return _update(actor, portal_user, is_blocked=False)


@transaction.atomic
def set_access_expiry(
    actor, portal_user: PortalUser, expires_on: datetime.date | None
) -> PortalUser:
    return _update(actor, portal_user, access_expires_on=expires_on)


@transaction.atomic
def rename_portal_user(
    actor, portal_user: PortalUser, first_name: str, last_name: str
) -> PortalUser:
    return _update(
        actor,
        portal_user,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
    )


@transaction.atomic
def assign_portals(actor, portal_user: PortalUser, portals: Sequence[Portal]) -> PortalUser:
    """Replace the user's portals; unassignment takes effect at the user's next request."""
    require(actor, MANAGE_PORTAL_USERS)
    portal_user.portals.set(_check_portals(portal_user.client_id, portals))
    return portal_user


@transaction.atomic
def update_portal_user(
    actor,
    portal_user: PortalUser,
    *,
    first_name: str,
    last_name: str,
    access_expires_on: datetime.date | None,
    portals: Sequence[Portal],
) -> PortalUser:
    """The edit form's changes as one transaction: all of them are saved, or none."""
    if (first_name, last_name) != (portal_user.first_name, portal_user.last_name):
        rename_portal_user(actor, portal_user, first_name, last_name)
    if access_expires_on != portal_user.access_expires_on:
        set_access_expiry(actor, portal_user, access_expires_on)
    if {p.pk for p in portals} != set(portal_user.portals.values_list("pk", flat=True)):
        assign_portals(actor, portal_user, portals)
    return portal_user


@transaction.atomic
def delete_portal_user(actor, portal_user: PortalUser) -> bool:
    """Delete the portal user; returns whether their login was deleted too.

    The login stays when the person is also a portal user of another client or staff.
    """
    require(actor, MANAGE_PORTAL_USERS)
    login = portal_user.user
    portal_user.delete()
    if is_staff_login(login) or PortalUser.objects.filter(user=login).exists():
        return False
    login.delete()
    return True


@transaction.atomic
def activate_login(login, password: str):
    """The person behind ``login`` set a password from a valid activation link.

    One login may be a portal user of several clients: every membership becomes
    activated, since the person proved control of the one email they share.
    """
    login.set_password(password)
    login.save(update_fields=["password"])
    PortalUser.objects.filter(user=login, activated_at__isnull=True).update(
        activated_at=timezone.now()
    )
    return login
