"""Confirmation of receipt ("Potwierdzam odbiór"): asked by staff, given by the client.

A confirmation is only ever a POST by a verified portal session (password and
one-time code), never a GET or a link in an email, so no mail scanner or link
preview can confirm on a client's behalf. It is written as a record of its own in
the portal's delivery chain, with the hash of the content as it is at that moment.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .. import conf, hooks, share_kinds
from ..exceptions import ClientPortalPermissionDenied, ClientPortalValidationError
from ..models import DeliveryEvent, PortalUser, ReceiptReminder, ReceiptRequest, Share
from . import audit, delivery
from .access import check_portal_access, visible_shares


def request_confirmation(actor, shares, *, due_on=None) -> list[ReceiptRequest]:
    """Ask for confirmation of the given (just created) shares; one batch. Caller's transaction."""
    batch = uuid.uuid4()
    now = timezone.now()
    return ReceiptRequest.objects.bulk_create(
        [
            ReceiptRequest(
                share=share, batch=batch, requested_by=actor, requested_at=now, due_on=due_on
            )
            for share in shares
        ]
    )


def confirmed(share, portal_user) -> DeliveryEvent | None:
    return (
        DeliveryEvent.objects.filter(
            share_ref=share.pk,
            portal_user_ref=portal_user.pk,
            kind=DeliveryEvent.Kind.CONFIRMATION,
        )
        .order_by("seq")
        .first()
    )


def content_sha256(share) -> tuple[str, int]:
    """The hash and size of what the share serves now (a pinned version: as stored)."""
    kind = share_kinds.of_share(share)
    stored = kind.stored_sha256(share.target)
    if stored is not None:
        return stored, kind.size(share.target)
    return file_sha256(share)


def file_sha256(share) -> tuple[str, int]:
    """Hash and size of the stored file, read now (also for a pinned version)."""
    from ..portal import listing

    field_file = listing.file_of(share)
    digest = hashlib.sha256()
    size = 0
    with field_file.storage.open(field_file.name, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def confirm_receipt(request, portal, share_id: int) -> DeliveryEvent:
    """The client confirms receipt of one share; every rule checked now, from the database."""
    if request.method != "POST":
        raise ClientPortalValidationError("receipt_needs_post")
    decision = check_portal_access(request.user, portal)
    if not decision:
        raise ClientPortalPermissionDenied("receipt_no_access", reason=decision.reason)
    portal_user = decision.portal_user
    share = (
        visible_shares(portal_user, portal)
        .select_related(*share_kinds.RELATED)
        .filter(pk=share_id)
        .first()
    )
    if share is None:
        raise ClientPortalValidationError("receipt_not_requested")
    if not ReceiptRequest.objects.filter(share=share).exists():
        raise ClientPortalValidationError("receipt_not_requested")
    refusals = [
        r
        for r in hooks.run(hooks.BEFORE_RECEIPT_CONFIRMATION, portal_user=portal_user, share=share)
        if r
    ]
    if refusals:
        raise ClientPortalValidationError("receipt_refused", message=str(refusals[0]))
    sha256, size = content_sha256(share)  # outside the lock: a file read takes time
    with transaction.atomic():
        # One confirmation per person and share, also when two POSTs race.
        PortalUser.objects.select_for_update().filter(pk=portal_user.pk).first()
        if confirmed(share, portal_user) is not None:
            raise ClientPortalValidationError("receipt_already_confirmed")
        event = delivery.record_confirmation(share, portal_user, sha256, size, request)
        audit.receipt_confirmed(portal_user, share, event)
        return event


def receipt_state(share, portal_user) -> dict | None:
    """What the item page shows: None when nothing is asked, else the request and the answer."""
    request = ReceiptRequest.objects.filter(share=share).first()
    if request is None:
        return None
    return {"request": request, "confirmation": confirmed(share, portal_user)}


# --- reminders ------------------------------------------------------------------------


def _pending_by_batch(today):
    """{batch: (requested_by_id, due_on, [shares])} of batches with a date, shares active."""
    batches = defaultdict(lambda: [None, None, []])
    rows = ReceiptRequest.objects.filter(due_on__isnull=False).select_related("share__portal")
    for request in rows.filter(share__in=Share.objects.active()):
        entry = batches[request.batch]
        entry[0], entry[1] = request.requested_by_id, request.due_on
        entry[2].append(request.share)
    return batches


def _unconfirmed_people(shares) -> dict[int, tuple[PortalUser, int]]:
    """{user id: (portal user, how many of ``shares`` they have not confirmed)}."""
    from ..notifications.outbox import eligible_assignments

    done = set(
        DeliveryEvent.objects.filter(
            kind=DeliveryEvent.Kind.CONFIRMATION, share_ref__in=[s.pk for s in shares]
        ).values_list("share_ref", "portal_user_ref")
    )
    by_portal = defaultdict(list)
    for share in shares:
        by_portal[share.portal_id].append(share)
    people: dict[int, list] = {}
    for portal_id, pu_id, user_id, email in eligible_assignments(by_portal):
        missing = sum(1 for s in by_portal[portal_id] if (s.pk, pu_id) not in done)
        if missing and email:
            entry = people.setdefault(user_id, [pu_id, email, 0])
            entry[2] += missing
    return people


def _once(batch, kind, user_id) -> bool:
    """True the first time only (the unique constraint decides, also across workers)."""
    try:
        with transaction.atomic():
            ReceiptReminder.objects.create(batch=batch, kind=kind, user_id=user_id)
    except IntegrityError:
        return False
    return True


def send_reminders(*, today=None) -> dict:
    """One reminder per person per batch before the date; one notice to the sharer after it.

    Run daily (``clientportal_receipt_reminders``); running it twice sends nothing twice.
    """
    from ..models import Notification
    from ..notifications import outbox

    today = today or timezone.localdate()
    days = conf.receipt_reminder_days()
    login_url = conf.base_url().rstrip("/") + reverse("wagtail_clientportal:login")
    sent = {"reminders": 0, "overdue": 0}
    for batch, (requested_by_id, due_on, shares) in _pending_by_batch(today).items():
        people = _unconfirmed_people(shares)
        if not people:
            continue
        if due_on - datetime.timedelta(days=days) <= today <= due_on:
            for user_id, (pu_id, email, missing) in people.items():
                if _once(batch, ReceiptReminder.Kind.REMINDER, user_id):
                    outbox.create(
                        Notification.Kind.RECEIPT_REMINDER,
                        email,
                        user_id=user_id,
                        portal_user_id=pu_id,
                        context={
                            "count": missing,
                            "due_on": due_on.isoformat(),
                            "login_url": login_url,
                        },
                    )
                    sent["reminders"] += 1
        elif today > due_on and requested_by_id:
            from django.contrib.auth import get_user_model

            staff = get_user_model().objects.filter(pk=requested_by_id).first()
            email = getattr(staff, staff.get_email_field_name(), "") if staff else ""
            if email and _once(batch, ReceiptReminder.Kind.OVERDUE, requested_by_id):
                outbox.create(
                    Notification.Kind.RECEIPT_OVERDUE,
                    email,
                    user_id=requested_by_id,
                    context={
                        "people": len(people),
                        "due_on": due_on.isoformat(),
                        "portals": sorted({s.portal.name for s in shares}),
                    },
                )
                sent["overdue"] += 1
    return sent
