"""The three permissions of the package (DESIGN rule 2) and the one check services use."""

from __future__ import annotations

from .exceptions import ClientPortalPermissionDenied

APP = "wagtail_clientportal"
MANAGE_PORTALS = f"{APP}.manage_portals"
MANAGE_PORTAL_USERS = f"{APP}.manage_portal_users"
SHARE_ITEMS = f"{APP}.share_items"


def require(actor, perm: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise ClientPortalPermissionDenied()


def is_staff_login(user) -> bool:
    """A login the firm needs for its own work: never deleted with a portal user."""
    return bool(user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"))
