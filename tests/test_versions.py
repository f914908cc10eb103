"""Pinned document versions are frozen copies in private storage."""

import hashlib

import pytest
from django.core.files.base import ContentFile

from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import ClientPortalPermissionDenied
from wagtail_clientportal.models import DocumentVersion
from wagtail_clientportal.storage import get_private_storage

pytestmark = pytest.mark.django_db


def test_snapshot_is_a_frozen_copy(editor, settings):
    body = "Umowa zażółć gęślą jaźń ".encode() * 50_000  # > 1 MiB: several chunks
    doc = DocumentFactory(file=ContentFile(body, name="umowa-zażółć.pdf"), case_number="I C 1/26")
    version = services.snapshot_document(editor, doc, label="v1 – podpisana")
    assert version.sha256 == hashlib.sha256(body).hexdigest()
    assert version.size == len(body)
    assert version.original_filename == "umowa-zażółć.pdf"
    assert (version.title, version.label, version.created_by) == (
        doc.title,
        "v1 – podpisana",
        editor,
    )
    # The copy lives in private storage, outside MEDIA_ROOT, and has no public URL.
    path = get_private_storage().path(version.file.name)
    assert path.startswith(str(settings.WAGTAILCLIENTPORTAL_PRIVATE_ROOT))
    with pytest.raises(NotImplementedError):
        version.file.url  # noqa: B018

    doc.file = ContentFile(b"changed", name="inne.pdf")
    doc.save()
    version = DocumentVersion.objects.get(pk=version.pk)
    with version.file.open("rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == hashlib.sha256(body).hexdigest()


def test_version_survives_document_deletion(editor, document):
    version = services.snapshot_document(editor, document)
    document.delete()
    version.refresh_from_db()
    assert version.document is None and version.title


def test_snapshot_needs_share_permission(nobody, document):
    with pytest.raises(ClientPortalPermissionDenied):
        services.snapshot_document(nobody, document)
    assert not DocumentVersion.objects.exists()


def test_snapshot_of_a_missing_file_is_a_clear_error(editor, document):
    from wagtail_clientportal.exceptions import ClientPortalValidationError

    document.file.storage.delete(document.file.name)
    with pytest.raises(ClientPortalValidationError) as exc:
        services.snapshot_document(editor, document)
    assert exc.value.code == "document_has_no_file"
    assert not DocumentVersion.objects.exists()
