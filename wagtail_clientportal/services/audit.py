"""The package's entries in Wagtail's audit log ("Historia serwisu", each object's history).

Every state change a service makes is logged here, through ``wagtail.log_actions.log()``,
inside the service's own transaction: the entry and the change commit together or not
at all. The views log nothing themselves (their ``save_instance`` / ``delete_action``
call the services), so each action is logged once, wherever it comes from (admin view,
bulk action, management command).

Where an entry goes decides who sees it: Wagtail shows an entry in the site history
report to users with any permission on its object's model. So

- portal actions, shares, revocations and confirmations go on the ``Portal``
  (one entry per portal and action, with counts and ids, not one per item);
- a person's changes go on the ``PortalUser``;
- a pinned version on the ``DocumentVersion``; a notification sent again on the
  ``Notification``.

The payload (``data``) names the portal and client and counts what changed. It never
holds a secret: no one-time code, token, link or password.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.log_actions import LogFormatter, get_active_log_context, registry
from wagtail.log_actions import log as wagtail_log

PREFIX = "wagtail_clientportal"

PORTAL_CREATE = f"{PREFIX}.portal.create"
PORTAL_RENAME = f"{PREFIX}.portal.rename"
PORTAL_DELETE = f"{PREFIX}.portal.delete"
USER_CREATE = f"{PREFIX}.portal_user.create"
USER_EDIT = f"{PREFIX}.portal_user.edit"
USER_BLOCK = f"{PREFIX}.portal_user.block"
USER_UNBLOCK = f"{PREFIX}.portal_user.unblock"
USER_DELETE = f"{PREFIX}.portal_user.delete"
USER_ACTIVATION = f"{PREFIX}.portal_user.resend_activation"
USER_PASSKEY_ADD = f"{PREFIX}.portal_user.passkey_add"
USER_PASSKEY_REMOVE = f"{PREFIX}.portal_user.passkey_remove"
USER_NOTIFICATION_PREFERENCE = f"{PREFIX}.portal_user.notification_preference"
SHARE = f"{PREFIX}.share"
REVOKE = f"{PREFIX}.revoke"
VERSION_SNAPSHOT = f"{PREFIX}.version.snapshot"
RECEIPT_CONFIRM = f"{PREFIX}.receipt.confirm"
NOTIFICATION_RESEND = f"{PREFIX}.notification.resend"
AUDIT_EXPORT = f"{PREFIX}.audit_export"
PERSON_EXPORT = f"{PREFIX}.portal_user.rodo_export"
PERSON_ERASE = f"{PREFIX}.portal_user.rodo_erase"
PORTAL_LEGAL_HOLD = f"{PREFIX}.portal.legal_hold"


def _count_message(singular: str, plural: str, key: str):
    """A formatter whose message counts ``data[key]`` with Polish plural forms."""

    def format_message(self, log_entry):
        count = int((log_entry.data or {}).get(key) or 0)
        portal = (log_entry.data or {}).get("portal_name", "")
        return ngettext(singular, plural, count) % {"count": count, "portal": portal}

    return format_message


#: action -> (label, static message or None). Counted messages are set below.
_ACTIONS = {
    PORTAL_CREATE: (_("Client portal: created"), _("Created the client portal")),
    PORTAL_RENAME: (_("Client portal: renamed"), _("Renamed the client portal")),
    PORTAL_DELETE: (_("Client portal: deleted"), _("Deleted the client portal")),
    USER_CREATE: (_("Portal user: created"), _("Created the portal user")),
    USER_EDIT: (_("Portal user: edited"), _("Edited the portal user")),
    USER_BLOCK: (_("Portal user: blocked"), _("Blocked the portal user")),
    USER_UNBLOCK: (_("Portal user: unblocked"), _("Unblocked the portal user")),
    USER_DELETE: (_("Portal user: deleted"), _("Deleted the portal user")),
    USER_ACTIVATION: (
        _("Portal user: activation email sent again"),
        _("Sent the activation email again"),
    ),
    USER_PASSKEY_ADD: (_("Portal user: passkey added"), _("Added a passkey")),
    USER_PASSKEY_REMOVE: (_("Portal user: passkey removed"), _("Removed a passkey")),
    USER_NOTIFICATION_PREFERENCE: (
        _("Portal user: notification preference changed"),
        _("Changed how the person is told about new items"),
    ),
    SHARE: (_("Client portal: items shared"), None),
    REVOKE: (_("Client portal: shares revoked"), None),
    VERSION_SNAPSHOT: (_("Document version: pinned"), _("Pinned a document version")),
    RECEIPT_CONFIRM: (_("Client portal: receipt confirmed"), _("Receipt confirmed by the client")),
    NOTIFICATION_RESEND: (_("Notification: sent again"), _("Queued the notification again")),
    AUDIT_EXPORT: (_("Audit export"), _("Exported the audit records (ZIP)")),
    PERSON_EXPORT: (
        _("Portal user: personal data exported (RODO)"),
        _("Exported the person's data (RODO)"),
    ),
    PERSON_ERASE: (
        _("Portal user: personal data erased (RODO)"),
        _("Erased the person's data (RODO)"),
    ),
    PORTAL_LEGAL_HOLD: (_("Client portal: legal hold changed"), _("Changed the legal hold")),
}

_COUNTED = {
    SHARE: _count_message("Shared %(count)d item", "Shared %(count)d items", "count"),
    REVOKE: _count_message("Revoked %(count)d share", "Revoked %(count)d shares", "count"),
}


def register_actions(actions) -> None:
    """Called from the ``register_log_actions`` hook (``wagtail_hooks``)."""
    for action, (label, message) in _ACTIONS.items():
        attrs = {"label": label, "message": message or ""}
        if action in _COUNTED:
            attrs["format_message"] = _COUNTED[action]
        actions.register_action(action)(type("ClientPortalLogFormatter", (LogFormatter,), attrs))


# --- payloads ---------------------------------------------------------------------------


def portal_data(portal, **extra) -> dict:
    return {
        "portal_id": portal.pk,
        "portal_name": portal.name,
        "client_id": portal.client_id,
        "client_name": portal.client.name,
        **extra,
    }


def portal_user_data(portal_user, **extra) -> dict:
    return {
        "portal_user_id": portal_user.pk,
        "name": portal_user.full_name,
        "email": portal_user.email,
        "client_id": portal_user.client_id,
        "client_name": portal_user.client.name,
        **extra,
    }


def log(instance, action: str, actor, data: dict, **kwargs):
    """One entry; ``actor`` is the staff member (or, for a confirmation, the client's login)."""
    return wagtail_log(instance, action, user=actor, data=data, **kwargs)


def log_many(entries, action: str, actor) -> None:
    """Many entries of one action in one INSERT: ``entries`` is ``[(instance, data), ...]``.

    Bulk actions stay set-based (a bounded number of statements whatever the number
    of people or portals). The rows are the ones ``log()`` would write: the model
    Wagtail's registry names for the instance's class, the active log context's uuid.
    """
    entries = [(instance, data) for instance, data in entries]
    if not entries:
        return
    registry.scan_for_actions()
    model = registry.get_log_model_for_instance(entries[0][0])
    if model is None:
        return
    context = get_active_log_context()
    now = timezone.now()
    manager = model.objects
    model.objects.bulk_create(
        [
            model(
                content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
                label=manager.get_instance_title(instance),
                action=action,
                timestamp=now,
                data=data,
                user=actor if actor is not None else context.user,
                uuid=context.uuid,
                object_id=str(instance.pk),
            )
            for instance, data in entries
        ],
        # Ten columns a row: 2,000 rows stay under PostgreSQL's 65,535 parameters
        # (SQLite's own limit is applied by Django).
        batch_size=2000,
    )


# --- one function per kind of action ----------------------------------------------------


def portal_created(actor, portal) -> None:
    log(portal, PORTAL_CREATE, actor, portal_data(portal, description=portal.description))


def portal_renamed(actor, portal, old_name: str) -> None:
    log(portal, PORTAL_RENAME, actor, portal_data(portal, old_name=old_name), content_changed=True)


def portal_deleted(actor, portal, plan) -> None:
    """Logged before the row goes: the entry keeps the id and the copied names."""
    log(
        portal,
        PORTAL_DELETE,
        actor,
        portal_data(
            portal,
            active_shares_revoked=plan.active_shares,
            users_unassigned=len(plan.unassigned),
            users_deleted=len(plan.deleted),
            logins_deleted=len(plan.deleted_login_ids),
            deleted_portal_user_ids=[u.pk for u in plan.deleted],
        ),
        deleted=True,
    )


def portal_user_logged(actor, portal_user, action: str, **extra) -> None:
    kwargs = {"deleted": True} if action == USER_DELETE else {}
    log(portal_user, action, actor, portal_user_data(portal_user, **extra), **kwargs)


def passkey_changed(login, action: str, passkey_name: str) -> None:
    """The person added or removed a passkey themselves: on each of their ``PortalUser``
    rows (one login may belong to several clients), the login as the actor."""
    from ..models import PortalUser

    portal_users = PortalUser.objects.filter(user=login).select_related("client")
    log_many(
        ((pu, portal_user_data(pu, passkey=passkey_name)) for pu in portal_users), action, login
    )


def notification_preference_changed(user, portal_users, old: dict, new: str) -> None:
    """The person's own choice, on each membership (each client's history shows it)."""
    log_many(
        ((pu, portal_user_data(pu, old=old[pu.pk], new=new)) for pu in portal_users),
        USER_NOTIFICATION_PREFERENCE,
        user,
    )


def portal_users_blocked(actor, portal_users, blocked: bool) -> None:
    """A bulk block: one entry per person (each person's history shows it)."""
    action = USER_BLOCK if blocked else USER_UNBLOCK
    log_many(((pu, portal_user_data(pu, bulk=True)) for pu in portal_users), action, actor)


def _share_item(share) -> dict:
    kind = share.kind
    return {"share_id": share.pk, "kind": kind, "item_id": getattr(share, f"{kind}_id")}


def shared(actor, result, *, require_receipt: bool, expires_at) -> None:
    """One entry per portal that received new items."""
    by_portal = result.created_by_portal
    notified = {}
    for n in result.notifications:
        notified[n.portal_id] = notified.get(n.portal_id, 0) + 1
    entries = [
        (
            portal,
            portal_data(
                portal,
                count=len(by_portal[portal.pk]),
                items=[_share_item(s) for s in by_portal[portal.pk]],
                expires_at=expires_at.isoformat() if expires_at else None,
                receipt_requested=require_receipt,
                notified=notified.get(portal.pk, 0),
                superseded=[x.pk for x in result.superseded if x.portal_id == portal.pk],
            ),
        )
        for portal in result.portals
        if by_portal.get(portal.pk)
    ]
    log_many(entries, SHARE, actor)


def revoked(actor, rows) -> None:
    """One entry per portal. (Shares of a deleted portal are all revoked with it.)"""
    from ..models import Portal

    by_portal: dict = {}
    for row in rows:
        by_portal.setdefault(row.portal_id, []).append(row)
    portals = Portal.objects.select_related("client").in_bulk([pk for pk in by_portal if pk])
    log_many(
        (
            (portals[pk], portal_data(portals[pk], count=len(shares), items=_items(shares)))
            for pk, shares in by_portal.items()
            if pk in portals
        ),
        REVOKE,
        actor,
    )


def _items(shares) -> list[dict]:
    return [_share_item(s) for s in shares]


def version_pinned(actor, version) -> None:
    log(
        version,
        VERSION_SNAPSHOT,
        actor,
        {
            "document_id": version.document_id,
            "version_id": version.pk,
            "label": version.label,
            "sha256": version.sha256,
            "size": version.size,
        },
    )


def receipt_confirmed(portal_user, share, event) -> None:
    portal = share.portal
    log(
        portal,
        RECEIPT_CONFIRM,
        portal_user.user,
        portal_data(
            portal,
            portal_user_id=portal_user.pk,
            name=portal_user.full_name,
            **_share_item(share),
            item_title=event.item_title,
            sha256=event.sha256,
            record_seq=event.seq,
        ),
    )


def notifications_resent(actor, notifications) -> None:
    entries = (
        (
            n,
            {
                "notification_id": n.pk,
                "kind": n.kind,
                "recipient": n.recipient,
                "portal_id": n.portal_id,
                "portal_user_id": n.portal_user_id,
            },
        )
        for n in notifications
    )
    log_many(entries, NOTIFICATION_RESEND, actor)


def audit_exported(actor, target, how: str, export_id=None, files: bool = False) -> None:
    """An audit ZIP asked for (``how``: "stream" or "task"), on the portal or the client;
    ``files``: with the delivered files."""
    if hasattr(target, "client_id"):
        data = portal_data(target, how=how)
    else:
        data = {"client_id": target.pk, "client_name": target.name, "how": how}
    if export_id is not None:
        data["export_id"] = export_id
    data["files"] = files
    log(target, AUDIT_EXPORT, actor, data)


def person_exported(actor, portal_user, membership_ids) -> None:
    log(
        portal_user,
        PERSON_EXPORT,
        actor,
        portal_user_data(portal_user, portal_user_ids=list(membership_ids)),
    )


def person_erased(actor, portal_user, pseudonym: str, counts: dict) -> None:
    """Logged under the pseudonym: the entry never holds the erased name or address."""
    log(
        portal_user,
        PERSON_ERASE,
        actor,
        {"portal_user_id": portal_user.pk, "pseudonym": pseudonym, **counts},
        title=pseudonym,
        deleted=True,
    )


def legal_hold_changed(actor, portal) -> None:
    log(portal, PORTAL_LEGAL_HOLD, actor, portal_data(portal, legal_hold=portal.legal_hold))
