"""Pinning a document's current bytes as a DocumentVersion."""

from __future__ import annotations

import hashlib
import os
import tempfile

from django.core.files import File
from django.db import transaction

from ..exceptions import ClientPortalValidationError
from ..models import DocumentVersion
from ..permissions import SHARE_ITEMS, require
from . import audit

CHUNK = 1024 * 1024


@transaction.atomic
def snapshot_document(actor, document, label: str = "") -> DocumentVersion:
    """Copy the document's file into private storage; the copy never changes afterwards.

    The file is read once in chunks (hashing while copying to a spooled temporary
    file), so large documents never sit whole in memory.
    """
    require(actor, SHARE_ITEMS)
    if not document.file:
        raise ClientPortalValidationError("document_has_no_file")
    digest = hashlib.sha256()
    size = 0
    original = os.path.basename(document.file.name)
    with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as copy:
        try:
            with document.file.open("rb") as source:
                for chunk in source.chunks(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    copy.write(chunk)
        except OSError:  # the row names a file the storage no longer has
            raise ClientPortalValidationError("document_has_no_file") from None
        copy.seek(0)
        version = DocumentVersion(
            document=document,
            title=document.title,
            label=label or "",
            original_filename=original,
            sha256=digest.hexdigest(),
            size=size,
            created_by=actor,
        )
        version.file.save(original, File(copy, name=original), save=False)
    try:
        version.save()
    except Exception:
        version.file.delete(save=False)  # no orphan file when the row cannot be written
        raise
    audit.version_pinned(actor, version)
    return version
