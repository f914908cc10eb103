"""Files a client sends to the firm: checked, stored privately, recorded, announced.

One sending is all-or-nothing: every file is checked (rule 9, the portal's switch,
rate, count, sizes, quota, type decided from the content) before a byte is
written, and a failure while writing removes what was written, so a refused
sending leaves neither rows nor files. The type comes from the file's first bytes
(``filetype``, the detector Wagtail itself uses), never from its name: a program
renamed ``umowa.pdf`` is refused, a HEIC photo from an iPhone is accepted and kept
byte for byte as sent.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import filetype
from django.core.cache import caches
from django.db import transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import log

from .. import conf, hooks, permissions
from ..exceptions import ClientPortalPermissionDenied, ClientPortalValidationError
from ..filenames import safe_filename
from ..models import Notification, Portal, Upload, UploadedFile
from ..notifications import outbox
from . import access

logger = logging.getLogger(__name__)

#: Wagtail audit-log actions (registered in ``staff.upload_hooks``).
LOG_RECEIVED = "wagtail_clientportal.upload_received"
LOG_HANDLED = "wagtail_clientportal.upload_handled"
LOG_TO_DOCUMENT = "wagtail_clientportal.upload_to_document"
LOG_STAFF_DOWNLOAD = "wagtail_clientportal.upload_downloaded"
LOG_SCANNED = "wagtail_clientportal.upload_scanned"

HEAD = 8192  # what the detector reads
CHUNK = 1024 * 1024
NOTE_MAX = 2000


@dataclass
class FileError:
    name: str
    code: str
    message: str


class UploadRefused(ClientPortalValidationError):
    """Nothing was written; ``errors`` says why, one line per refused file (or sending)."""

    def __init__(self, code: str, errors: list[FileError] | None = None, message=None, **params):
        super().__init__(code, message, **params)
        self.errors = errors or []


def _refuse(code: str, message, **params):
    raise UploadRefused(code, message=message, **params)


def detect(handle) -> tuple[str, str] | None:
    """(MIME type, extension) from the content, or None when not recognised."""
    handle.seek(0)
    head = handle.read(HEAD)
    handle.seek(0)
    kind = filetype.guess(head)
    if kind is None:
        return None
    return kind.mime, kind.extension


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def _rate_key(user_id: int) -> str:
    return f"clientportal:uploads:{user_id}"


def _check_rate(user) -> None:
    """A counter per person for a fixed window; counted on every attempt past rule 9."""
    count, seconds = conf.upload_rate()
    cache = caches[conf.throttle_cache()]
    key = _rate_key(user.pk)
    cache.add(key, 0, timeout=seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        used = 1
    if used > count:
        _refuse("upload_rate_limited", _("Too many sendings in a short time. Please try later."))


def check_can_upload(user, portal: Portal):
    """Rule 9 as for a download, plus the portal's own switch. Returns the portal user."""
    decision = access.check_portal_access(user, portal)
    if not decision:
        raise ClientPortalPermissionDenied("upload_no_access")
    if not portal.uploads_enabled:
        raise ClientPortalPermissionDenied("uploads_disabled")
    return decision.portal_user


def _check_files(files) -> tuple[list[dict], list[FileError]]:
    allowed = conf.upload_types()
    max_size = conf.upload_max_file_size()
    checked, errors = [], []
    for upload in files:
        name = safe_filename(upload.name)[:255]
        if upload.size == 0:
            errors.append(FileError(name, "upload_empty", _("The file is empty.")))
            continue
        if upload.size > max_size:
            message = _("The file is too large (at most %(max)s).") % {
                "max": filesizeformat(max_size)
            }
            errors.append(FileError(name, "upload_too_large", message))
            continue
        kind = detect(upload)
        if kind is None or kind[0] not in allowed:
            message = _(
                "This kind of file is not accepted. Please send PDF files, photos or "
                "office documents."
            )
            errors.append(FileError(name, "upload_type_refused", message))
            continue
        checked.append({"upload": upload, "name": name, "mime": kind[0], "ext": kind[1]})
    return checked, errors


def receive_upload(request, portal: Portal, files, note: str = "") -> Upload:
    """Check everything, then store every file and record the sending, or nothing at all."""
    portal_user = check_can_upload(request.user, portal)
    files = list(files)
    note = (note or "").strip()
    if not files:
        _refuse("upload_no_files", _("Choose at least one file."))
    if len(note) > NOTE_MAX:
        raise UploadRefused("message_too_long", max=NOTE_MAX)
    _check_rate(request.user)
    max_files = conf.upload_max_files()
    if len(files) > max_files:
        message = ngettext(
            "At most %(max)d file can be sent at once.",
            "At most %(max)d files can be sent at once.",
            max_files,
        )
        _refuse("upload_too_many", message, max=max_files)
    total = sum(f.size for f in files)
    if total > conf.upload_max_total_size():
        message = _("The files are too large together (at most %(max)s).") % {
            "max": filesizeformat(conf.upload_max_total_size())
        }
        _refuse("upload_total_too_large", message)
    checked, errors = _check_files(files)
    if errors:
        raise UploadRefused("upload_files_refused", errors=errors)
    for item in checked:
        item["sha256"] = _sha256(item["upload"])
    # The field's own storage: the one every later read of ``row.file`` uses.
    storage = UploadedFile._meta.get_field("file").storage
    written: list[str] = []
    try:
        with transaction.atomic():
            # The portal's row is the quota's lock: two sendings cannot both fit the last bytes.
            locked = Portal.objects.select_for_update().filter(pk=portal.pk).first()
            if locked is None or not locked.uploads_enabled:
                raise ClientPortalPermissionDenied("uploads_disabled")
            _check_quota(locked, total)
            upload = Upload.objects.create(
                portal=locked,
                client_id=locked.client_id,
                portal_user=portal_user,
                user=request.user,
                note=note,
                ip_address=access.client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
                user_email=portal_user.email,
                user_name=portal_user.full_name,
                client_name=portal.client.name,
                portal_name=locked.name,
            )
            rows = []
            for item in checked:
                row = UploadedFile(
                    upload=upload,
                    original_name=item["name"],
                    extension=item["ext"],
                    content_type=item["mime"],
                    size=item["upload"].size,
                    sha256=item["sha256"],
                    scan_status=_initial_scan_status(),
                )
                name = storage.save(
                    row.file.field.generate_filename(row, item["name"]), item["upload"]
                )
                written.append(name)
                row.file.name = name
                rows.append(row)
            UploadedFile.objects.bulk_create(rows)
            log(
                instance=upload,
                action=LOG_RECEIVED,
                user=request.user,
                data=_log_data(upload, rows),
            )
            _notify_staff(upload, locked, rows)
            transaction.on_commit(lambda: scan_files([r.pk for r in rows]), robust=True)
    except BaseException:
        for name in written:
            try:
                storage.delete(name)
            except Exception:  # pragma: no cover - the storage is already failing
                logger.exception("Could not remove %s after a failed upload", name)
        raise
    return upload


def _check_quota(portal: Portal, adding: int) -> None:
    quota = conf.upload_quota()
    if quota is None:
        return
    used = UploadedFile.objects.filter(upload__portal=portal).aggregate(n=Sum("size"))["n"] or 0
    if used + adding > quota:
        _refuse(
            "upload_quota_exceeded",
            _("This portal cannot take more files. Please contact the firm."),
        )


def _initial_scan_status() -> str:
    if not hooks.get(hooks.SCAN_UPLOAD) and conf.upload_trust_unscanned():
        return UploadedFile.Scan.CLEAN
    return UploadedFile.Scan.UNCHECKED


def _log_data(upload: Upload, rows) -> dict:
    return {
        "portal_id": upload.portal_id,
        "portal": upload.portal_name,
        "client": upload.client_name,
        "files": [{"sha256": r.sha256, "size": r.size, "type": r.content_type} for r in rows],
    }


def staff_recipients(portal: Portal) -> list[str]:
    configured = conf.upload_notify()
    if configured is not None:
        return sorted({e for e in configured if e})
    person = portal.client.contact_person
    email = getattr(person, person.get_email_field_name(), "") if person else ""
    return [email] if email else []


def _notify_staff(upload: Upload, portal: Portal, rows) -> None:
    """One email per sending and recipient, through the outbox (never the files)."""
    context = {
        "upload_id": upload.pk,
        "count": len(rows),
        "total_size": sum(r.size for r in rows),
        "portal_name": portal.name,
        "client_name": upload.client_name,
        "person": upload.user_name,
        "has_note": bool(upload.note),
    }
    if conf.upload_notify_file_names():
        context["file_names"] = [r.original_name for r in rows]
    for email in staff_recipients(portal):
        outbox.create(Notification.Kind.UPLOAD_RECEIVED, email, portal=portal, context=context)


def scan_files(ids) -> None:
    """Run the host's scanner hooks on these files (after the sending is committed)."""
    scanners = hooks.get(hooks.SCAN_UPLOAD)
    if not scanners:
        return
    for row in UploadedFile.objects.filter(pk__in=ids).select_related("upload"):
        status, detail = UploadedFile.Scan.CLEAN, ""
        try:
            for scanner in scanners:
                verdict = scanner(uploaded_file=row)
                if verdict is None or verdict is True or verdict == "clean":
                    continue
                status = UploadedFile.Scan.INFECTED
                detail = verdict if isinstance(verdict, str) else ""
                break
        except Exception as exc:
            logger.exception("Upload scan failed for file %s", row.pk)
            status, detail = UploadedFile.Scan.FAILED, type(exc).__name__
        record_scan(row, status, detail)


def record_scan(row: UploadedFile, status: str, detail: str = "") -> None:
    """Store a scanner's verdict (also for a host scanning later, in its own task)."""
    row.scan_status = status
    row.scan_detail = str(detail)[:255]
    row.scanned_at = timezone.now()
    row.save(update_fields=["scan_status", "scan_detail", "scanned_at"])
    log(instance=row.upload, action=LOG_SCANNED, data={"file": row.pk, "scan": status})


def may_show_inline(row: UploadedFile) -> bool:
    """Only a clean PDF or plain image may open in staff's browser; anything else is saved."""
    return row.scan_status == UploadedFile.Scan.CLEAN and row.content_type in INLINE_TYPES


INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def client_uploads(portal_user, portal):
    """The person's own sendings to this portal (never another person's)."""
    return (
        Upload.objects.filter(portal=portal, portal_user=portal_user)
        .prefetch_related("files")
        .order_by("-at", "-pk")
    )


@transaction.atomic
def set_portal_uploads(actor, portal: Portal, enabled: bool, instructions: str = "") -> Portal:
    """The portal's switch (off by default) and the instruction shown above the form."""
    permissions.require(actor, permissions.MANAGE_PORTALS)
    portal.uploads_enabled = bool(enabled)
    portal.upload_instructions = (instructions or "").strip()[:300]
    portal.save(update_fields=["uploads_enabled", "upload_instructions"])
    return portal


def require_upload_staff(actor) -> None:
    """Staff who share items or manage portals see and handle what clients send."""
    if actor is None or not actor.is_active or not actor.has_perm(permissions.ACCESS_ADMIN):
        raise ClientPortalPermissionDenied()
    if not (actor.has_perm(permissions.SHARE_ITEMS) or actor.has_perm(permissions.MANAGE_PORTALS)):
        raise ClientPortalPermissionDenied()


@transaction.atomic
def mark_handled(actor, upload: Upload) -> Upload:
    require_upload_staff(actor)
    if upload.handled_at is None:
        upload.handled_at = timezone.now()
        upload.handled_by = actor
        upload.save(update_fields=["handled_at", "handled_by"])
        log(instance=upload, action=LOG_HANDLED, user=actor)
    return upload


@transaction.atomic
def make_document(actor, row: UploadedFile, collection, title: str = ""):
    """A Wagtail document in ``collection`` with a copy of the file (the upload keeps its own)."""
    from django.core.files import File
    from wagtail.documents import get_document_model
    from wagtail.permissions import policy_registry

    require_upload_staff(actor)
    policy = policy_registry.get_by_type(get_document_model())
    if not policy.collections_user_has_permission_for(actor, "add").filter(pk=collection.pk):
        raise ClientPortalPermissionDenied()
    if row.scan_status in (UploadedFile.Scan.INFECTED, UploadedFile.Scan.FAILED):
        raise ClientPortalValidationError("upload_not_clean")
    Document = get_document_model()
    document = Document(title=(title or row.original_name)[:255], collection=collection)
    document.uploaded_by_user = actor
    with row.file.storage.open(row.file.name, "rb") as handle:
        document.file.save(safe_filename(row.original_name), File(handle), save=False)
    document.file_size = row.size
    document.file_hash = ""
    document.save()
    row.document = document
    row.save(update_fields=["document"])
    log(instance=row.upload, action=LOG_TO_DOCUMENT, user=actor, data={"document": document.pk})
    return document
