"""Staff roles (DESIGN rule 2): groups, the permission policies and the checks views use."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from wagtail.permission_policies.base import BasePermissionPolicy

from ..permissions import MANAGE_PERSONAL_DATA, MANAGE_PORTAL_USERS, MANAGE_PORTALS, SHARE_ITEMS

ACCESS_ADMIN = "wagtailadmin.access_admin"
PACKAGE_PERMS = (MANAGE_PORTALS, MANAGE_PORTAL_USERS, SHARE_ITEMS)
FULL = (ACCESS_ADMIN, MANAGE_PORTALS, MANAGE_PORTAL_USERS, SHARE_ITEMS)
# Group name -> permissions; "Editors" is Wagtail's own group and only gets sharing.
ROLES = {
    "Administrator": FULL,
    # Only the data-protection officer exports and erases a person's data (RODO).
    "ADO": (*FULL, MANAGE_PERSONAL_DATA),
    "Editors": (ACCESS_ADMIN, SHARE_ITEMS),
}
# Roles that manage documents in every collection (Wagtail checks them per collection).
DOCUMENT_ROLES = ("Administrator", "ADO")
DOCUMENT_CODENAMES = ("add_document", "change_document", "choose_document", "delete_document")
CLIENT_CODENAMES = (
    "add_client",
    "change_client",
    "view_client",
    "add_invoice",
    "change_invoice",
    "view_invoice",
    "delete_invoice",
    "view_share",
    # Wagtail's site history shows an entry to those with a permission on its model:
    # pinned versions and notifications sent again are logged on their own rows.
    "view_documentversion",
    "view_notification",
)


def has(user, perm: str) -> bool:
    return bool(user and user.is_active and user.has_perm(perm))


def is_portal_staff(user) -> bool:
    """May see the client card: admin access and at least one of the package's permissions."""
    return has(user, ACCESS_ADMIN) and any(has(user, p) for p in PACKAGE_PERMS)


def require_perm(user, perm: str) -> None:
    """Refuse with 403 when asked directly for something the menus hide."""
    if not has(user, ACCESS_ADMIN) or not has(user, perm):
        raise PermissionDenied


def require_portal_staff(user) -> None:
    if not is_portal_staff(user):
        raise PermissionDenied


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def ensure_roles() -> dict[str, Group]:
    """Create or complete the staff groups; idempotent, never removes a permission."""
    from wagtail.models import Collection, GroupCollectionPermission

    groups = {}
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = [_permission(p) for p in perms]
        if name in DOCUMENT_ROLES:
            wanted += [_permission(f"wagtail_clientportal.{c}") for c in CLIENT_CODENAMES]
        group.permissions.add(*wanted)
        groups[name] = group
    root = Collection.get_first_root_node()
    if root is not None:
        for name in DOCUMENT_ROLES:
            for codename in DOCUMENT_CODENAMES:
                GroupCollectionPermission.objects.get_or_create(
                    group=groups[name],
                    collection=root,
                    permission=_permission(f"wagtaildocs.{codename}"),
                )
    return groups


class PackagePermissionPolicy(BasePermissionPolicy):
    """Maps Wagtail's actions (add/change/delete/view) on a model to the package's permissions.

    ``actions`` maps an action to the permissions any one of which allows it; a user
    also passes with Django's own model permission (e.g. ``change_client``).
    """

    def __init__(self, model, actions: dict[str, tuple[str, ...]], denied=()):
        super().__init__(model)
        self.actions = actions
        # Actions nobody may do through generic admin views (e.g. editing a share).
        self.denied = set(denied)

    def user_has_permission(self, user, action):
        if not (user and user.is_active) or action in self.denied:
            return False
        if user.is_superuser:
            return True
        opts = self.model._meta
        if user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            return True
        return any(user.has_perm(p) for p in self.actions.get(action, ()))

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, a) for a in actions)

    def users_with_any_permission(self, actions):
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        actions = [a for a in actions if a not in self.denied]
        if not actions:
            return get_user_model().objects.none()
        perms = {p for a in actions for p in self.actions.get(a, ())}
        opts = self.model._meta
        perms |= {f"{opts.app_label}.{a}_{opts.model_name}" for a in actions}
        q = Q(is_superuser=True)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            q |= Q(
                user_permissions__content_type__app_label=app_label,
                user_permissions__codename=codename,
            ) | Q(
                groups__permissions__content_type__app_label=app_label,
                groups__permissions__codename=codename,
            )
        return get_user_model().objects.filter(is_active=True).filter(q).distinct()


def package_permissions(*codenames: str):
    """The package's own ``Permission`` rows, for a viewset's ``register_permissions``.

    Wagtail's group editor shows what the ``register_permissions`` hook returns; the
    package offers its own permissions there, not add/change/delete tickboxes that its
    policies refuse anyway (shares and outbox rows change only through the services).
    """
    return Permission.objects.filter(
        content_type__app_label="wagtail_clientportal", codename__in=codenames
    )


def register_policies() -> None:
    """Called from ``AppConfig.ready()``, as Wagtail's own apps do."""
    from wagtail.permissions import register_permission_policy

    from ..models import Client, Invoice, Notification, Portal, PortalUser, Share

    register_permission_policy(
        Client,
        PackagePermissionPolicy(
            Client,
            {
                "view": PACKAGE_PERMS,
                "add": (MANAGE_PORTALS, MANAGE_PORTAL_USERS),
                "change": (MANAGE_PORTALS, MANAGE_PORTAL_USERS),
            },
        ),
    )
    register_permission_policy(
        Portal,
        PackagePermissionPolicy(
            Portal,
            {
                "view": PACKAGE_PERMS,
                "add": (MANAGE_PORTALS,),
                "change": (MANAGE_PORTALS,),
                "delete": (MANAGE_PORTALS,),
            },
        ),
    )
    register_permission_policy(
        PortalUser,
        PackagePermissionPolicy(
            PortalUser,
            {
                "view": PACKAGE_PERMS,
                "add": (MANAGE_PORTAL_USERS,),
                "change": (MANAGE_PORTAL_USERS,),
                "delete": (MANAGE_PORTAL_USERS,),
            },
        ),
    )
    register_permission_policy(
        Invoice,
        PackagePermissionPolicy(
            Invoice,
            {"view": PACKAGE_PERMS, "add": (MANAGE_PORTALS,), "change": (MANAGE_PORTALS,)},
        ),
    )
    register_permission_policy(
        Share,
        PackagePermissionPolicy(
            Share,
            {"view": (SHARE_ITEMS, MANAGE_PORTALS)},
            denied=("add", "change", "delete"),
        ),
    )
    register_permission_policy(
        Notification,
        PackagePermissionPolicy(
            Notification,
            {"view": (MANAGE_PORTAL_USERS, SHARE_ITEMS)},
            # Rows change only through delivery and services.resend_notifications.
            denied=("add", "change", "delete"),
        ),
    )
