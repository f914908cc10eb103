"""The only code that changes the portal's state.

Every function here runs in one transaction, checks the acting staff user's
permission first, and returns what it did. Views, admin actions and management
commands all call these functions; none writes the models directly.

Services that change portals, portal users or logins lock the rows first, in
one order (portals, portal users, logins; each in pk order) and re-read them
under the lock: see ``services.locking``. Two staff actions at once then run one
after the other, and the later one is refused with a stable code if the first
deleted what it meant to change.
"""

from . import accounts, delivery, delivery_status, receipts, timestamps, verification
from .access import (
    AccessDecision,
    accessible_portal_users,
    check_portal_access,
    enter_portal,
    new_share_counts,
    record_access,
    share_to_send,
    shares_of,
    visible_shares,
)
from .notifications import resend_notifications
from .portals import (
    PortalDeletion,
    create_portal,
    delete_portal,
    plan_portal_deletion,
    rename_portal,
)
from .sharing import ShareResult, portals_sharing, revoke_items, revoke_shares, share_items
from .users import (
    activate_login,
    assign_portals,
    block_portal_user,
    block_portal_users,
    create_portal_user,
    delete_portal_user,
    rename_portal_user,
    send_activation,
    set_access_expiry,
    unblock_portal_user,
    unblock_portal_users,
    update_portal_user,
)
from .versions import snapshot_document

__all__ = [
    "AccessDecision",
    "PortalDeletion",
    "ShareResult",
    "accessible_portal_users",
    "accounts",
    "delivery",
    "delivery_status",
    "receipts",
    "timestamps",
    "verification",
    "activate_login",
    "assign_portals",
    "block_portal_user",
    "block_portal_users",
    "check_portal_access",
    "enter_portal",
    "new_share_counts",
    "create_portal",
    "create_portal_user",
    "delete_portal",
    "delete_portal_user",
    "plan_portal_deletion",
    "record_access",
    "rename_portal",
    "rename_portal_user",
    "resend_notifications",
    "revoke_items",
    "revoke_shares",
    "send_activation",
    "set_access_expiry",
    "portals_sharing",
    "share_items",
    "snapshot_document",
    "unblock_portal_user",
    "unblock_portal_users",
    "update_portal_user",
    "share_to_send",
    "shares_of",
    "visible_shares",
]
