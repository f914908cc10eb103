"""Audit ZIPs of large portals and clients: built by a task, not by the request.

Below ``WAGTAILCLIENTPORTAL_AUDIT_EXPORT_STREAM_ROWS`` rows (shares, access events,
delivery records, notifications and receipts together, a receipt PDF weighing
``PDF_ROW_WEIGHT`` rows) and, with the delivered files,
``WAGTAILCLIENTPORTAL_AUDIT_EXPORT_STREAM_FILE_BYTES`` of files, the ZIP is streamed
to the browser as it is written. Above either a streamed response would hold a
worker (and the person's browser) for minutes, so ``request_export()`` records an
``AuditExport`` and enqueues ``build_audit_export`` after commit. The task writes the same ZIP to a
temporary file, updating ``rows_done`` as it goes (the page staff wait on shows the
progress), stores it in the private storage, and emails the requester a link to the
admin page where they download it; the link carries no token (login and the export
permission are checked on download). The file is deleted after
``WAGTAILCLIENTPORTAL_AUDIT_EXPORT_KEEP_DAYS`` (by default the retention period of
exports) by ``purge_expired()``, which every build runs first; the files live under
``clientportal/exports/``, which ``clientportal_enforce_retention`` also cleans.

The task may run twice (no backend promises exactly-once): only the run that moves
the row from "queued" to "running" builds it.
"""

from __future__ import annotations

import datetime
import hashlib
import tempfile
from collections.abc import Iterator

from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import conf
from ..compat import make_task
from ..models import AccessEvent, AuditExport, Client, DeliveryEvent, Notification, Portal, Share
from ..notifications import outbox
from ..permissions import MANAGE_PORTALS, require
from . import audit_export, audit_export_files, audit_export_receipts, client_audit_export
from .audit import audit_exported

PROGRESS_EVERY = 2000  # rows between two progress writes
REUSE_WINDOW = datetime.timedelta(hours=1)  # a pending export asked for again is reused


def count_rows(scopes, pairs=None) -> int:
    """Data rows the ZIP will hold (confirmations twice: in delivery.csv and their own;
    a receipt pair as one row)."""
    total = sum(audit_export_receipts.count_pairs(s) for s in scopes) if pairs is None else pairs
    for scope in scopes:
        shares = Share.objects.filter(scope.shares)
        total += shares.count()
        total += AccessEvent.objects.filter(share__in=shares.values("pk")).count()
        records = DeliveryEvent.objects.filter(scope.delivery())
        total += records.count()
        total += records.filter(kind=DeliveryEvent.Kind.CONFIRMATION).count()
        total += Notification.objects.filter(scope.notifications).count()
    return total


def scopes_of(target) -> list:
    if isinstance(target, Client):
        return client_audit_export.client_scopes(target)
    return [audit_export.Scope.of_portal(target)]


def is_large(target, files: bool = False) -> bool:
    scopes = scopes_of(target)
    pairs = sum(audit_export_receipts.count_pairs(s) for s in scopes)
    limit = conf.audit_export_receipt_pdfs()
    pdfs = pairs if limit is None else min(pairs, limit)
    weight = count_rows(scopes, pairs) + pdfs * audit_export_receipts.PDF_ROW_WEIGHT
    if weight > conf.audit_export_stream_rows():
        return True
    return files and audit_export_files.file_bytes(scopes) > conf.audit_export_stream_file_bytes()


def request_export(actor, target: Portal | Client, *, files: bool = False) -> AuditExport:
    """Record the request and enqueue the build after commit; ADO and Administrator only.

    ``files`` (the delivered files too) travels with the task and is in the audit log.
    The same person's export of the same portal or client, with or without the files
    as asked now, still queued or running is returned instead: the ZIP's URL is a GET
    (a link, a reload, a double click), and each request would otherwise queue another
    full build and another email. Only one asked for within ``REUSE_WINDOW``: a worker
    killed mid-build leaves its row "running", which must not refuse the person a new
    export for ever.
    """
    require(actor, MANAGE_PORTALS)
    is_client = isinstance(target, Client)
    scope = AuditExport.Scope.CLIENT if is_client else AuditExport.Scope.PORTAL
    pending = AuditExport.objects.filter(
        requested_by=actor,
        scope=scope,
        object_id=target.pk,
        with_files=files,
        status__in=[AuditExport.Status.QUEUED, AuditExport.Status.RUNNING],
        created_at__gt=timezone.now() - REUSE_WINDOW,
    ).first()
    if pending is not None:
        return pending
    export = AuditExport.objects.create(
        requested_by=actor,
        requester_email=getattr(actor, actor.get_email_field_name(), "") or "",
        scope=scope,
        object_id=target.pk,
        object_name=target.name,
        with_files=files,
        rows_total=count_rows(scopes_of(target)),
    )
    audit_exported(actor, target, "task", export_id=export.pk, files=files)
    transaction.on_commit(lambda: build_audit_export.enqueue(export.pk, files))
    return export


def _count(state: dict, export_id: int) -> None:
    state["rows"] += 1
    if state["rows"] % PROGRESS_EVERY == 0:
        AuditExport.objects.filter(pk=export_id).update(rows_done=state["rows"])


def _counted(name: str, lines: Iterator[bytes], export_id: int, state: dict):
    """A CSV counts its lines but the header; a receipt pair one row (at its JSON)."""
    if name.endswith(".csv"):
        yield next(lines)  # the header line is not a row
        for line in lines:
            _count(state, export_id)
            yield line
        return
    if name.endswith(".json") and "receipts/" in name:
        _count(state, export_id)
    yield from lines


def _stream_of(export: AuditExport, state: dict, include_files: bool) -> Iterator[bytes]:
    actor = export.requested_by
    extras = audit_export.Extras(include_files=include_files)
    if export.scope == AuditExport.Scope.CLIENT:
        client = Client.objects.get(pk=export.object_id)
        scopes = client_audit_export.client_scopes(client)
        files = client_audit_export.client_files(scopes, extras)
        manifest = client_audit_export.client_manifest(actor, client, scopes)
    else:
        portal = Portal.objects.select_related("client").get(pk=export.object_id)
        files = audit_export.export_files([(audit_export.Scope.of_portal(portal), "")], extras)
        manifest = audit_export.portal_manifest(actor, portal)
    counted = ((name, _counted(name, lines, export.pk, state)) for name, lines in files)
    return audit_export.stream_zip(counted, manifest, extras)


def build(export_id: int, files: bool = False) -> str:
    """Build one export (the task's body); returns its final status."""
    purge_expired()
    claimed = AuditExport.objects.filter(pk=export_id, status=AuditExport.Status.QUEUED).update(
        status=AuditExport.Status.RUNNING
    )
    if not claimed:
        return "skipped"
    export = AuditExport.objects.select_related("requested_by").get(pk=export_id)
    if export.requested_by is None or not _may_export(export.requested_by):
        export.status = AuditExport.Status.FAILED  # the requester left or lost the right
        export.save(update_fields=["status"])
        return export.status
    state = {"rows": 0}
    digest = hashlib.sha256()
    try:
        with tempfile.TemporaryFile() as handle:
            for chunk in _stream_of(export, state, files):
                digest.update(chunk)
                handle.write(chunk)
            size = handle.tell()
            handle.seek(0)
            name = f"audit-{export.scope}-{export.object_id}-{timezone.localdate():%Y%m%d}.zip"
            export.file.save(name, File(handle), save=False)
    except (Client.DoesNotExist, Portal.DoesNotExist):
        export.status = AuditExport.Status.FAILED  # deleted meanwhile
        export.save(update_fields=["status"])
        return export.status
    except Exception:
        # Never left "running" for ever: the page says it failed, the task's log says why.
        AuditExport.objects.filter(pk=export.pk).update(status=AuditExport.Status.FAILED)
        raise
    now = timezone.now()
    export.status = AuditExport.Status.DONE
    export.rows_done, export.size, export.sha256 = state["rows"], size, digest.hexdigest()
    export.finished_at = now
    keep = conf.audit_export_keep_days()
    export.expires_at = None if keep is None else now + datetime.timedelta(days=keep)
    export.save()
    if export.requester_email:
        outbox.create(
            Notification.Kind.AUDIT_EXPORT_READY,
            export.requester_email,
            user=export.requested_by,
            context={
                "export_id": export.pk,
                "name": export.object_name,
                "scope": export.scope,
                "expires_on": (
                    timezone.localdate(export.expires_at).isoformat() if export.expires_at else ""
                ),
            },
        )
    return export.status


def _may_export(user) -> bool:
    return user.is_active and user.has_perm(MANAGE_PORTALS)


def purge_expired(now=None) -> int:
    """Delete the files of exports past their time; the rows stay (who exported what, when)."""
    now = now or timezone.now()
    expired = AuditExport.objects.filter(
        Q(expires_at__lte=now), status=AuditExport.Status.DONE
    ).exclude(file="")
    count = 0
    for export in expired.iterator():
        export.file.delete(save=False)
        export.status = AuditExport.Status.EXPIRED
        export.save(update_fields=["file", "status"])
        count += 1
    return count


def build_audit_export(export_id: int, files: bool = False) -> str:
    return build(export_id, files)


# Same name as the function: workers find the task by its import path.
build_audit_export = make_task(build_audit_export, backend=conf.task_backend())  # type: ignore[assignment]
