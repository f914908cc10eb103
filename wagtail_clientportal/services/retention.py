"""Retention: how long records are kept, enforced by ``clientportal_enforce_retention``.

Four kinds, each with a setting in days (``conf.retention_*_days``; ``None`` keeps for
ever): access events, finished notifications, export files in the private storage
under ``EXPORTS_DIR``, and delivery records (off by default: they are the firm's
evidence). A portal under a **legal hold** (``Portal.legal_hold``) keeps all of its
records (access events, notifications, delivery records) whatever the settings.

Delivery records go a whole chain at a time: a portal's chain is deleted once its
newest record is older than the period, in one transaction per chain, so every chain
left verifies from its first record (dropping only the oldest records would break
the numbering ``verify_chain`` checks).

Set-based and bounded: rows are deleted in batches of ``BATCH`` primary keys (one
``SELECT`` and one ``DELETE`` per batch and table), never loaded as objects. A dry run
counts the same querysets and deletes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .. import conf
from ..models import AccessEvent, DeliveryEvent, DeliveryTimestamp, Notification, Portal
from ..permissions import MANAGE_PERSONAL_DATA, require
from ..storage import get_private_storage
from . import audit
from .references import delete_set

BATCH = 1000
EXPORTS_DIR = "clientportal/exports"
#: Statuses of a notification that is still owed: never deleted.
PENDING = (Notification.Status.QUEUED, Notification.Status.SENDING)


@dataclass
class KindReport:
    kind: str
    days: int | None
    count: int = 0

    @property
    def enabled(self) -> bool:
        return self.days is not None


def _cutoff(days: int, now) -> datetime.datetime:
    return now - datetime.timedelta(days=days)


def held_portal_ids() -> list[int]:
    return list(Portal.objects.filter(legal_hold=True).values_list("pk", flat=True))


def old_access_events(days: int, now, held):
    return AccessEvent.objects.filter(at__lt=_cutoff(days, now)).exclude(share__portal_id__in=held)


def old_notifications(days: int, now, held):
    # A digest row names no portal (it may list several): it is held through the rows it
    # was made from, which name theirs (kept themselves by the line above it).
    held_digests = Notification.objects.filter(portal_id__in=held, digest__isnull=False).values(
        "digest_id"
    )
    return (
        Notification.objects.filter(created_at__lt=_cutoff(days, now))
        .exclude(status__in=PENDING)
        .exclude(portal_id__in=held)
        .exclude(pk__in=held_digests)
    )


def old_chains(days: int, now, held) -> list[int]:
    """Portal ids (chain keys) whose newest record is older than the period, not held."""
    return list(
        DeliveryEvent._base_manager.exclude(chain_key__in=held)
        .values("chain_key")
        .annotate(newest=Max("finished_at"))
        .filter(newest__lt=_cutoff(days, now))
        .values_list("chain_key", flat=True)
        .order_by("chain_key")
    )


def old_exports(days: int, now) -> list[str]:
    """Names of export files older than the period (the storage's modified time)."""
    storage = get_private_storage()
    cutoff = _cutoff(days, now)
    found = []
    pending = [EXPORTS_DIR]
    while pending:
        folder = pending.pop()
        try:
            dirs, files = storage.listdir(folder)
        except (FileNotFoundError, NotImplementedError):
            continue
        pending.extend(f"{folder}/{d}" for d in dirs)
        for name in files:
            path = f"{folder}/{name}"
            try:
                modified = storage.get_modified_time(path)
            except (OSError, NotImplementedError):
                continue
            if timezone.is_naive(modified):
                modified = timezone.make_aware(modified)
            if modified < cutoff:
                found.append(path)
    return sorted(found)


def _delete_in_batches(queryset, delete) -> int:
    """Delete ``queryset``'s rows ``BATCH`` primary keys at a time; returns the count."""
    total = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True).order_by("pk")[:BATCH])
        if not ids:
            return total
        delete(ids)
        total += len(ids)


def _raw_delete(model, ids) -> None:
    rows = model._base_manager.filter(pk__in=ids)
    rows._raw_delete(rows.db)


def _delete_chain(chain_key: int) -> int:
    """One whole chain and its timestamp tokens, in one transaction (write-once models:
    only retention removes them, through the plain managers)."""
    with transaction.atomic():
        records = DeliveryEvent._base_manager.filter(chain_key=chain_key)

        def delete(ids):
            _raw_delete(
                DeliveryTimestamp,
                DeliveryTimestamp._base_manager.filter(event_id__in=ids).values_list(
                    "pk", flat=True
                ),
            )
            _raw_delete(DeliveryEvent, ids)

        return _delete_in_batches(records, delete)


def enforce(*, dry_run: bool, now=None) -> list[KindReport]:
    """Count (``dry_run``) or delete what the settings say is too old, per kind."""
    now = now or timezone.now()
    held = held_portal_ids()
    reports = []

    def rows_of(kind, days, old, delete):
        report = KindReport(kind, days)
        if days is not None:
            rows = old(days, now, held)
            report.count = rows.count() if dry_run else _delete_in_batches(rows, delete)
        reports.append(report)

    rows_of(
        "access_events",
        conf.retention_access_events_days(),
        old_access_events,
        lambda ids: _raw_delete(AccessEvent, ids),
    )
    # Outbox rows are snippets: delete_set also drops their reference-index entries.
    rows_of(
        "notifications",
        conf.retention_notifications_days(),
        old_notifications,
        lambda ids: delete_set(Notification, ids),
    )

    days = conf.retention_exports_days()
    report = KindReport("exports", days)
    if days is not None:
        names = old_exports(days, now)
        if not dry_run:
            storage = get_private_storage()
            for name in names:
                storage.delete(name)
        report.count = len(names)
    reports.append(report)

    days = conf.retention_delivery_days()
    report = KindReport("delivery_records", days)
    if days is not None:
        chains = old_chains(days, now, held)
        if dry_run:
            report.count = DeliveryEvent._base_manager.filter(chain_key__in=chains).count()
        else:
            report.count = sum(_delete_chain(key) for key in chains)
    reports.append(report)
    return reports


@transaction.atomic
def set_legal_hold(actor, portal: Portal, on: bool) -> Portal:
    """Put a portal on legal hold or lift it; logged only when it changes."""
    require(actor, MANAGE_PERSONAL_DATA)
    locked = Portal.objects.select_for_update().select_related("client").filter(pk=portal.pk)
    current = locked.first()
    if current is None:
        from ..exceptions import ClientPortalValidationError

        raise ClientPortalValidationError("portal_gone")
    if current.legal_hold != bool(on):
        current.legal_hold = bool(on)
        current.save(update_fields=["legal_hold"])
        audit.legal_hold_changed(actor, current)
    portal.legal_hold = current.legal_hold
    return portal
