"""The one order in which services lock rows, so that two staff actions never deadlock.

Two staff members may act on the same client at once (two tabs, a double
click). Every service that changes portals, portal users or logins first locks
the rows it will change, with ``SELECT … FOR UPDATE``, always in this order:

1. **Portals**, in ascending primary key. ``share_items`` and ``delete_portal``
   lock the portals they touch; every user-management service locks *all*
   portals of the person's client (``lock_client_portals``), since a person's
   assignments may name any of them. Two assignments, a deletion and a share on
   the same client therefore run one after the other.
2. **Portal users**, in ascending primary key (``lock_portal_user``).
3. **Logins** (the auth user rows), in ascending primary key (``lock_logins``).
4. Rows of one kind that nothing else locks: shares (``revoke_shares``),
   notifications (``resend_notifications``).

A service may skip a level it does not need (blocking a person locks only the
portal user) but never locks an earlier level after a later one. After taking
a lock the service reads the row again: what it was handed may be stale (the
person or portal was deleted meanwhile), and then it refuses with a stable code
(``portal_gone``, ``portal_user_gone``) instead of writing.

Why explicit locks and not only constraints: Django creates PostgreSQL foreign
keys ``DEFERRABLE INITIALLY DEFERRED``, so an assignment to a portal deleted
meanwhile fails only at COMMIT, outside every handler, as an ``IntegrityError``
(a 500), and can roll back a colleague's delete. SQLite ignores ``FOR UPDATE``;
it has one writer at a time, which serialises the same actions.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from ..exceptions import ClientPortalValidationError
from ..models import Portal, PortalUser


def lock_client_portals(client_id: int) -> dict[int, Portal]:
    """Level 1: every portal of the client, locked in pk order; returned by pk."""
    rows = Portal.objects.select_for_update().filter(client_id=client_id).order_by("pk")
    return {portal.pk: portal for portal in rows}


def lock_portal_user(portal_user: PortalUser) -> PortalUser:
    """Level 2: lock the person's row and reload ``portal_user`` from it, in place.

    Raises ``portal_user_gone`` when the person was deleted meanwhile.
    """
    try:
        portal_user.refresh_from_db(from_queryset=PortalUser.objects.select_for_update())
    except PortalUser.DoesNotExist:
        raise ClientPortalValidationError("portal_user_gone") from None
    return portal_user


def lock_portal_users(ids: Iterable[int]) -> list[int]:
    """Level 2, several at once: the ids of those that still exist, locked in pk order."""
    rows = PortalUser.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk")
    return list(rows.values_list("pk", flat=True))


def lock_logins(ids: Iterable[int]) -> list:
    """Level 3: the logins that still exist, locked in pk order."""
    User = get_user_model()
    return list(User._default_manager.select_for_update().filter(pk__in=list(ids)).order_by("pk"))
