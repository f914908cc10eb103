"""Managing the client's portal users (DESIGN rules 2, 3 and 8)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import hooks, notifications
from ..exceptions import ClientPortalValidationError
from ..models import Client, Portal, PortalUser
from ..permissions import MANAGE_PORTAL_USERS, require, staff_login_ids
from . import audit, preferences
from .locking import lock_client_portals, lock_logins, lock_portal_user, lock_portal_users
from .references import delete_set, forget_references_to


def _check_portals(client_id: int, portals: Sequence[Portal]) -> list[Portal]:
    """The chosen portals, locked (lock level 1: all of the client's portals).

    A portal deleted since the form was shown is refused with ``portal_gone``:
    inserting its assignment would only fail at COMMIT (deferred foreign keys).
    """
    portals = list({p.pk: p for p in portals}.values())
    if not portals:
        raise ClientPortalValidationError("portals_required")
    if any(p.client_id != client_id for p in portals):
        raise ClientPortalValidationError("portal_of_other_client")
    locked = lock_client_portals(client_id)
    if any(p.pk not in locked for p in portals):
        raise ClientPortalValidationError("portal_gone")
    return [locked[p.pk] for p in portals]


def _normalize_email(email: str) -> str:
    email = BaseUserManager.normalize_email((email or "").strip())
    if not email:
        raise ClientPortalValidationError("email_required")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ClientPortalValidationError("email_required", message=exc.messages[0]) from None
    return email


def _locked_login_of(email: str):
    User = get_user_model()
    email_field = User.get_email_field_name()
    return (
        User._default_manager.select_for_update()
        .filter(**{f"{email_field}__iexact": email})
        .order_by("pk")
        .first()
    )


def _get_or_create_login(email: str):
    """One person, one login: reuse the login of the same email (any client, or staff).

    The login is locked (level 3) until the caller commits, so it cannot be deleted
    under the new membership (another client's staff deleting the person's last one).
    Two requests creating the same login at once: the second waits on the unique
    username, then takes the first one's login instead of failing.
    """
    existing = _locked_login_of(email)
    if existing is not None:
        return existing, False
    User = get_user_model()
    email_field = User.get_email_field_name()
    fields = {email_field: email}
    if User.USERNAME_FIELD != email_field:
        fields[User.USERNAME_FIELD] = email
    user = User(**fields)
    user.set_unusable_password()  # set by the person on activation
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # created meanwhile by a concurrent request
        existing = _locked_login_of(email)
        if existing is None:
            raise
        return existing, False
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
    # Locks the client's portals: a second "add" of the same person (a double
    # click) waits here, then finds the first one's membership.
    portals = _check_portals(client.pk, portals)
    login, created_login = _get_or_create_login(email)
    if PortalUser.objects.filter(user=login, client=client).exists():
        raise ClientPortalValidationError("portal_user_exists")
    now = timezone.now()
    portal_user = PortalUser(
        user=login,
        client=client,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        access_expires_on=access_expires_on,
        # The person's own choice, made on another client's portal, holds here too.
        notification_preference=preferences.inherited_preference(login),
        invited_at=now,
        # A person who already has a password (active at another client, or staff) is
        # not sent an activation link: one would let whoever reads the email replace
        # their password and second factor. Their existing login opens the new portals.
        activated_at=None if created_login or not login.has_usable_password() else now,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            portal_user.save()
    except IntegrityError:  # the unique (user, client) pair, should the locks be bypassed
        raise ClientPortalValidationError("portal_user_exists") from None
    portal_user.portals.set(portals)
    notifications.queue_activation(portal_user)
    audit.portal_user_logged(
        actor,
        portal_user,
        audit.USER_CREATE,
        portal_ids=sorted(p.pk for p in portals),
        access_expires_on=_iso(access_expires_on),
        new_login=created_login,
    )
    hooks.run(
        hooks.AFTER_USER_CREATED, actor=actor, portal_user=portal_user, created_login=created_login
    )
    return portal_user


@transaction.atomic
def send_activation(actor, portal_user: PortalUser) -> PortalUser:
    """Send the activation link again; every earlier link keeps working until used or expired."""
    require(actor, MANAGE_PORTAL_USERS)
    lock_portal_user(portal_user)
    if portal_user.activated_at is not None:
        raise ClientPortalValidationError("already_activated")
    portal_user.invited_at = timezone.now()
    portal_user.save(update_fields=["invited_at"])
    notifications.queue_activation(portal_user)
    audit.portal_user_logged(actor, portal_user, audit.USER_ACTIVATION)
    return portal_user


def _update(actor, portal_user: PortalUser, **fields) -> PortalUser:
    """Change the person's own fields: only their row is locked (level 2)."""
    require(actor, MANAGE_PORTAL_USERS)
    lock_portal_user(portal_user)
    for name, value in fields.items():
        setattr(portal_user, name, value)
    portal_user.save(update_fields=list(fields))
    return portal_user


def _iso(value):
    return value.isoformat() if value else None


def _log_edit(actor, portal_user: PortalUser, changes: dict) -> None:
    """One "edited" entry naming the changed fields, old and new (dates as ISO text)."""
    if changes:
        audit.portal_user_logged(actor, portal_user, audit.USER_EDIT, changes=changes)


@transaction.atomic
def block_portal_user(actor, portal_user: PortalUser) -> PortalUser:
    _update(actor, portal_user, is_blocked=True)
    audit.portal_user_logged(actor, portal_user, audit.USER_BLOCK)
    return portal_user


@transaction.atomic
def unblock_portal_user(actor, portal_user: PortalUser) -> PortalUser:
    _update(actor, portal_user, is_blocked=False)
    audit.portal_user_logged(actor, portal_user, audit.USER_UNBLOCK)
    return portal_user


def _set_blocked(actor, portal_users, blocked: bool) -> int:
    """One ``UPDATE`` for the whole selection, after locking it (level 2, pk order).

    Refused with ``portal_user_gone`` when one of them was deleted meanwhile: the
    staff member chose these people, so nobody is changed. Takes effect at each
    person's next request, like the single block.
    """
    require(actor, MANAGE_PORTAL_USERS)
    wanted = {pu.pk for pu in portal_users}
    if not wanted:
        raise ClientPortalValidationError("nothing_selected")
    ids = lock_portal_users(wanted)
    if len(ids) != len(wanted):
        raise ClientPortalValidationError("portal_user_gone")
    rows = PortalUser.objects.filter(pk__in=ids)
    audit.portal_users_blocked(actor, rows.select_related("client", "user").order_by("pk"), blocked)
    return rows.update(is_blocked=blocked)


@transaction.atomic
def block_portal_users(actor, portal_users) -> int:
    """Block many people at once; returns how many rows were written."""
    return _set_blocked(actor, list(portal_users), True)


@transaction.atomic
def unblock_portal_users(actor, portal_users) -> int:
    return _set_blocked(actor, list(portal_users), False)


@transaction.atomic
def set_access_expiry(
    actor, portal_user: PortalUser, expires_on: datetime.date | None
) -> PortalUser:
    require(actor, MANAGE_PORTAL_USERS)
    old = lock_portal_user(portal_user).access_expires_on  # as it is now, not as shown
    _update(actor, portal_user, access_expires_on=expires_on)
    _log_edit(actor, portal_user, _expiry_change(old, expires_on))
    return portal_user


def _expiry_change(old, new) -> dict:
    return {"access_expires_on": [_iso(old), _iso(new)]} if old != new else {}


def _name_change(portal_user, first_name, last_name) -> dict:
    old = [portal_user.first_name, portal_user.last_name]
    new = [(first_name or "").strip(), (last_name or "").strip()]
    return {"name": [" ".join(old).strip(), " ".join(new).strip()]} if old != new else {}


@transaction.atomic
def rename_portal_user(
    actor, portal_user: PortalUser, first_name: str, last_name: str
) -> PortalUser:
    require(actor, MANAGE_PORTAL_USERS)
    changes = _name_change(lock_portal_user(portal_user), first_name, last_name)
    _update(
        actor,
        portal_user,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
    )
    _log_edit(actor, portal_user, changes)
    return portal_user


@transaction.atomic
def assign_portals(actor, portal_user: PortalUser, portals: Sequence[Portal]) -> PortalUser:
    """Replace the user's portals; unassignment takes effect at the user's next request."""
    require(actor, MANAGE_PORTAL_USERS)
    _log_edit(actor, portal_user, _assign(portal_user, portals))
    return portal_user


def _assign(portal_user: PortalUser, portals: Sequence[Portal]) -> dict:
    """Set the portals (locks taken here); returns the change for the audit log."""
    portals = _check_portals(portal_user.client_id, portals)  # level 1
    lock_portal_user(portal_user)  # level 2: refused if deleted meanwhile
    old = sorted(portal_user.portals.values_list("pk", flat=True))
    portal_user.portals.set(portals)
    new = sorted(p.pk for p in portals)
    return {"portal_ids": [old, new]} if old != new else {}


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
    """The edit form's changes as one transaction: all of them are saved, or none.

    Locks in the documented order first (the client's portals, then the person)
    and compares with the row as it is now, not as the form saw it.
    """
    require(actor, MANAGE_PORTAL_USERS)
    lock_client_portals(portal_user.client_id)
    lock_portal_user(portal_user)
    changes = _name_change(portal_user, first_name, last_name)
    changes |= _expiry_change(portal_user.access_expires_on, access_expires_on)
    fields = {}
    if "name" in changes:
        fields.update(first_name=(first_name or "").strip(), last_name=(last_name or "").strip())
    if "access_expires_on" in changes:
        fields["access_expires_on"] = access_expires_on
    if fields:
        _update(actor, portal_user, **fields)
    if {p.pk for p in portals} != set(portal_user.portals.values_list("pk", flat=True)):
        changes |= _assign(portal_user, portals)
    _log_edit(actor, portal_user, changes)  # one entry for the whole form
    return portal_user


@transaction.atomic
def delete_portal_user(actor, portal_user: PortalUser) -> bool:
    """Delete the portal user; returns whether their login was deleted too.

    The login stays when the person is also a portal user of another client or staff.
    """
    require(actor, MANAGE_PORTAL_USERS)
    lock_client_portals(portal_user.client_id)  # level 1: no assignment meanwhile
    lock_portal_user(portal_user)  # level 2: refused if deleted meanwhile
    login_id = portal_user.user_id
    audit.portal_user_logged(actor, portal_user, audit.USER_DELETE)  # before the row goes
    delete_portal_users_rows([portal_user.pk])
    login_deleted = delete_unused_logins([login_id]) == [login_id]
    return login_deleted


def delete_portal_users_rows(ids) -> None:
    """Delete these portal users with one statement per table, whatever their number.

    Their history stays (rule 12): access events and notifications lose the link
    and keep their copied names and address. The caller holds the locks.
    """
    ids = list(ids)
    if not ids:
        return
    # Assignments deleted; access events, delivery records and notifications set NULL:
    # one statement per related table, not one per person (Wagtail indexes PortalUser).
    delete_set(PortalUser, ids)


def delete_unused_logins(login_ids) -> list[int]:
    """Delete the logins no longer needed: no membership at any client, not staff.

    Each login is locked first (level 3) and its memberships counted under the lock,
    so a membership another client's staff are adding at this moment keeps it.
    Returns the ids deleted. The caller holds the transaction.
    """
    logins = lock_logins(login_ids)
    needed = set(
        PortalUser.objects.filter(user_id__in=[u.pk for u in logins]).values_list(
            "user_id", flat=True
        )
    )
    candidates = [u for u in logins if u.pk not in needed]
    staff = staff_login_ids(candidates)
    unused = [u.pk for u in candidates if u.pk not in staff]
    if unused:
        # The login's own rows (OTP devices, Wagtail's profile) go with it through
        # Django's collector, one statement per related table and batch; shares and
        # notifications only lose their link to it (SET NULL, an UPDATE; rule 12).
        forget_references_to(get_user_model(), unused)
        get_user_model()._default_manager.filter(pk__in=unused).delete()
    return unused


@transaction.atomic
def activate_login(login, password: str):
    """The person behind ``login`` set a password from a valid activation link.

    One login may be a portal user of several clients: every membership becomes
    activated, since the person proved control of the one email they share.
    """
    # Memberships (level 2) before the login (level 3): the documented lock order.
    lock_portal_users(PortalUser.objects.filter(user=login).values_list("pk", flat=True))
    login.set_password(password)
    login.save(update_fields=["password"])
    PortalUser.objects.filter(user=login, activated_at__isnull=True).update(
        activated_at=timezone.now()
    )
    return login
