"""Staff actions on the outbox: sending failed notifications again."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .. import notifications as outbox
from ..exceptions import ClientPortalPermissionDenied, ClientPortalValidationError
from ..models import Notification
from ..permissions import MANAGE_PORTAL_USERS, SHARE_ITEMS
from . import audit

#: Staff who may see the outbox and send failed notifications again.
OUTBOX_PERMS = (MANAGE_PORTAL_USERS, SHARE_ITEMS)


def may_see_outbox(actor) -> bool:
    return bool(
        actor is not None and actor.is_active and any(actor.has_perm(p) for p in OUTBOX_PERMS)
    )


@transaction.atomic
def resend_notifications(actor, notifications: Iterable[Notification]) -> list[int]:
    """Queue the given failed notifications again (attempts start over); returns their ids.

    They are delivered once the transaction commits, with fresh links (an activation
    email gets a new link; a new-shares email goes only to people who still have
    access). Only failed notifications may be sent again, and never a login code.
    """
    if not may_see_outbox(actor):
        raise ClientPortalPermissionDenied()
    ids = {n.pk for n in notifications}
    if not ids:
        raise ClientPortalValidationError("nothing_selected")
    rows = Notification.objects.filter(pk__in=ids)
    found = {
        pk: (status, kind)
        for pk, status, kind in rows.select_for_update().values_list("pk", "status", "kind")
    }
    if len(found) != len(ids):
        raise ClientPortalValidationError("unknown_target")
    if any(
        status != Notification.Status.FAILED or kind not in outbox.outbox.RESENDABLE_KINDS
        for status, kind in found.values()
    ):
        raise ClientPortalValidationError("not_resendable")
    audit.notifications_resent(actor, rows.order_by("pk"))
    return outbox.requeue_failed(rows)
