"""The package's permissions (DESIGN rule 2) and the one check services use."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_backends

from .exceptions import ClientPortalPermissionDenied

APP = "wagtail_clientportal"
MANAGE_PORTALS = f"{APP}.manage_portals"
MANAGE_PORTAL_USERS = f"{APP}.manage_portal_users"
SHARE_ITEMS = f"{APP}.share_items"
# The data-protection officer's (ADO): a person's RODO export and erasure, legal holds.
MANAGE_PERSONAL_DATA = f"{APP}.manage_personal_data"
ACCESS_ADMIN = "wagtailadmin.access_admin"


def require(actor, perm: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise ClientPortalPermissionDenied()


def is_staff_login(user) -> bool:
    """A login the firm needs for its own work: never deleted with a portal user."""
    return bool(user.is_staff or user.is_superuser or user.has_perm(ACCESS_ADMIN))


def staff_login_ids(logins: Iterable) -> set[int]:
    """The ids of the staff logins among ``logins``: ``is_staff_login`` asked of a set.

    ``has_perm`` costs two queries per login (its own and its groups' permissions),
    which made deleting a portal with hundreds of users slow. The flags come from the
    rows; the permission from each authentication backend's ``with_perm`` (Django's
    set-based counterpart of ``has_perm``, one query). A backend without ``with_perm``
    is asked login by login, as before.
    """
    logins = list(logins)
    found = {u.pk for u in logins if u.is_staff or u.is_superuser}
    rest = [u for u in logins if u.pk not in found]
    for backend in get_backends() if rest else ():
        with_perm = getattr(backend, "with_perm", None)
        if with_perm is None:
            found |= {u.pk for u in rest if is_staff_login(u)}
            continue
        found |= set(
            with_perm(ACCESS_ADMIN, is_active=True, include_superusers=False)
            .filter(pk__in=[u.pk for u in rest])
            .values_list("pk", flat=True)
        )
    return found
