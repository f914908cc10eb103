"""Creating, renaming and deleting portals (DESIGN rules 1, 2 and 7)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from .. import hooks
from ..exceptions import ClientPortalValidationError
from ..models import Client, Notification, Portal, PortalAssignment, PortalUser, Share
from ..permissions import MANAGE_PORTALS, require, staff_login_ids
from . import audit
from .locking import lock_portal_users
from .references import forget_references_to
from .users import delete_portal_users_rows, delete_unused_logins


@dataclass
class PortalDeletion:
    """What deleting a portal does (or did): shown to staff before and after."""

    portal_id: int
    portal_name: str
    client_name: str
    active_shares: int = 0
    # Users who keep access to other portals of the client; they only lose this one.
    unassigned: list[PortalUser] = field(default_factory=list)
    # Users whose only portal this is: deleted with it (rule 7).
    deleted: list[PortalUser] = field(default_factory=list)
    # Of those, the logins deleted too (not needed by another client or by staff).
    deleted_login_ids: list[int] = field(default_factory=list)

    @property
    def users_losing_access(self) -> int:
        return len(self.unassigned) + len(self.deleted)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ClientPortalValidationError("portal_name_required")
    return name


def _name_taken(client_id: int, name: str, exclude_pk: int | None = None) -> bool:
    qs = Portal.objects.filter(client_id=client_id, name__iexact=name)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


@transaction.atomic
def create_portal(actor, client: Client, name: str, description: str = "") -> Portal:
    require(actor, MANAGE_PORTALS)
    name = _clean_name(name)
    if _name_taken(client.pk, name):
        raise ClientPortalValidationError("portal_name_taken")
    try:
        with transaction.atomic():
            portal = Portal.objects.create(
                client=client, name=name, description=description or "", created_by=actor
            )
    except IntegrityError:  # a concurrent create with the same name
        raise ClientPortalValidationError("portal_name_taken") from None
    audit.portal_created(actor, portal)
    return portal


@transaction.atomic
def rename_portal(actor, portal: Portal, name: str, description: str | None = None) -> Portal:
    require(actor, MANAGE_PORTALS)
    name = _clean_name(name)
    if _name_taken(portal.client_id, name, exclude_pk=portal.pk):
        raise ClientPortalValidationError("portal_name_taken")
    old_name = portal.name
    portal.name = name
    fields = ["name"]
    if description is not None:
        portal.description = description
        fields.append("description")
    portal.save(update_fields=fields)
    audit.portal_renamed(actor, portal, old_name)
    return portal


def plan_portal_deletion(portal: Portal) -> PortalDeletion:
    """The consequences of deleting ``portal``, computed from the data; writes nothing."""
    # Annotate before filtering: the count must see all portals, not only the filtered join.
    users = list(
        PortalUser.objects.annotate(portal_count=Count("portals", distinct=True))
        .filter(portals=portal)
        .select_related("user")
        .order_by("last_name", "first_name")
    )
    only_here = [u for u in users if u.portal_count == 1]
    login_ids = {u.user_id for u in only_here}
    # A login stays if the person is a portal user of another client or is staff.
    kept = set(
        PortalUser.objects.filter(user_id__in=login_ids)
        .exclude(client_id=portal.client_id)
        .values_list("user_id", flat=True)
    )
    kept |= staff_login_ids(u.user for u in only_here)
    return PortalDeletion(
        portal_id=portal.pk,
        portal_name=portal.name,
        client_name=portal.client.name,
        active_shares=portal.shares.active().count(),
        unassigned=[u for u in users if u.portal_count > 1],
        deleted=only_here,
        deleted_login_ids=sorted(login_ids - kept),
    )


@transaction.atomic
def delete_portal(actor, portal: Portal) -> PortalDeletion:
    """Delete the portal and the users it alone gave access to (rule 7).

    Documents, versions, invoices and settlements are never touched: shares only
    point at them. The shares stay as history (rule 12): still-open ones are revoked
    by ``actor`` now, then lose their portal link and keep the copied portal and
    client names; their access events stay attached to them.

    Set-based: a bounded number of statements whatever the number of shares, users
    and notifications (no row-by-row delete collector, see ``services.references``).
    """
    require(actor, MANAGE_PORTALS)
    portal = (
        Portal.objects.select_for_update().select_related("client").filter(pk=portal.pk).first()
    )
    if portal is None:  # deleted meanwhile, e.g. by a colleague on the same page
        raise ClientPortalValidationError("portal_gone")
    if portal.legal_hold:  # the hold lives on the portal: deleting it would end the hold
        raise ClientPortalValidationError("portal_legal_hold")
    # With the portal locked no assignment to it changes (every user-management
    # service locks all of the client's portals), so the plan holds. The people and
    # logins go in the lock order (services.locking): people, then logins, each
    # re-checked under its lock (a login another client is adding the person with stays).
    plan = plan_portal_deletion(portal)
    delete_portal_users_rows(lock_portal_users(u.pk for u in plan.deleted))
    plan.deleted_login_ids = delete_unused_logins({u.user_id for u in plan.deleted})
    audit.portal_deleted(actor, portal, plan)  # while the row (and its pk) still exists
    now = timezone.now()
    Share.objects.filter(portal=portal, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    # Names as they are at deletion (the portal may have been renamed since sharing).
    Share.objects.filter(portal=portal).update(
        portal=None,
        portal_name=portal.name,
        client_name=portal.client.name,
        portal_ref=portal.pk,
        client_ref=portal.client_id,
    )
    Notification.objects.filter(portal=portal).update(portal=None, portal_ref=portal.pk)
    PortalAssignment.objects.filter(portal=portal).delete()
    forget_references_to(Portal, [portal.pk])
    # Nothing points at the portal any more: the collector finds no rows to visit.
    portal.delete()
    hooks.run(hooks.AFTER_PORTAL_DELETE, actor=actor, result=plan)
    return plan
