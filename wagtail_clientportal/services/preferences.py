"""A portal user's own choices about email: one per sharing action, or a daily digest.

The choice is the person's, so it is kept on every membership of their login at
once (one person may be a portal user of several clients) and a new membership
copies it (``users.create_portal_user``). Only emails about new items follow it;
login codes, activation, password reset and security emails are always sent at once.
"""

from __future__ import annotations

from django.db import transaction

from ..exceptions import ClientPortalValidationError
from ..models import PortalUser
from . import audit

CHOICES = PortalUser.NotificationPreference


def notification_preference_of(user) -> str:
    """The person's choice (the default when they have not made one)."""
    values = set(
        PortalUser.objects.filter(user=user).values_list("notification_preference", flat=True)
    )
    return CHOICES.DAILY if CHOICES.DAILY in values else CHOICES.IMMEDIATE


def inherited_preference(user) -> str:
    """What a new membership of ``user`` starts with: the person's existing choice."""
    if user is None or not user.pk:
        return CHOICES.IMMEDIATE
    return notification_preference_of(user)


@transaction.atomic
def set_notification_preference(user, preference: str) -> int:
    """Set the person's choice on all their memberships; returns how many changed.

    Called by the account page from a verified (password and second factor)
    session; ``user`` is that session's login, so no one changes another's choice.
    Items already held for a digest still go in the next digest.
    """
    if preference not in CHOICES.values:
        raise ClientPortalValidationError("notification_preference_invalid")
    memberships = list(
        PortalUser.objects.select_for_update()
        .select_related("client", "user")
        .filter(user=user)
        .order_by("pk")
    )
    changed = [m for m in memberships if m.notification_preference != preference]
    if not changed:
        return 0
    old = {m.pk: m.notification_preference for m in changed}
    PortalUser.objects.filter(pk__in=[m.pk for m in changed]).update(
        notification_preference=preference
    )
    audit.notification_preference_changed(user, changed, old, preference)
    return len(changed)
