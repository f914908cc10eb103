"""The portal's audit ZIP: every record, streamed, hashed in the manifest, no secrets."""

import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.conftest import archive_texts, otp_login
from tests.conftest import streamed_zip as _zip
from tests.conftest import zip_csv as _csv
from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import ClientPortalPermissionDenied
from wagtail_clientportal.models import Notification
from wagtail_clientportal.services import audit_export

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _url(portal):
    return reverse("clientportal_portals:audit_zip", args=[portal.pk])


@pytest.fixture
def history(client, editor, member, portal_a):
    """On portal_a: a revoked share, a superseded version, a download, a confirmation."""
    revoked = services.share_items(editor, [portal_a], [DocumentFactory(title="Pełnomocnictwo")])
    services.revoke_shares(editor, revoked.created)
    doc = DocumentFactory(title="Umowa źródłowa", file=ContentFile(b"v1", name="u.pdf"))
    v1 = services.snapshot_document(editor, doc, label="v1")
    doc.file = ContentFile(b"v2", name="u.pdf")
    doc.save()
    v2 = services.snapshot_document(editor, doc, label="v2")
    [old] = services.share_items(editor, [portal_a], [v1]).created
    [new] = services.share_items(editor, [portal_a], [v2], require_receipt=True).created
    otp_login(client, member.user)
    download = reverse("wagtail_clientportal:download", args=[portal_a.pk, new.pk])
    b"".join(client.get(download).streaming_content)
    confirm = reverse("wagtail_clientportal:confirm_receipt", args=[portal_a.pk, new.pk])
    assert client.post(confirm).status_code == 302
    client.logout()
    return {"revoked": revoked.created[0], "old": old, "new": new}


def test_the_zip_holds_every_record_and_the_manifest_hashes_match(
    client, ado, history, member, portal_a
):
    client.force_login(ado)
    response = client.get(_url(portal_a))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"].startswith("private, no-store")
    archive = _zip(response)
    names = set(archive.namelist())
    receipt = f"receipts/potwierdzenie-doreczenia-{history['new'].pk}-{member.pk}"
    assert names - {receipt + ".json", receipt + ".pdf"} == {
        "manifest.json",
        "shares.csv",
        "access.csv",
        "delivery.csv",
        "confirmations.csv",
        "notifications.csv",
    }
    manifest = json.loads(archive.read("manifest.json"))
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert set(manifest["files"]) == names - {"manifest.json"}
    assert manifest["portal"]["id"] == portal_a.pk and manifest["generated_by"]
    shares = {int(r["share_id"]): r for r in _csv(archive, "shares.csv")}
    assert shares[history["revoked"].pk]["revoked_at"] and shares[history["revoked"].pk]["item"]
    assert "Pełnomocnictwo" in shares[history["revoked"].pk]["item"]
    assert shares[history["old"].pk]["superseded_by_share"] == str(history["new"].pk)
    delivery = _csv(archive, "delivery.csv")
    assert {r["kind"] for r in delivery} == {"download", "confirmation"}
    assert all(len(r["record_hash"]) == 64 and len(r["sha256"]) == 64 for r in delivery)
    [confirmation] = _csv(archive, "confirmations.csv")
    assert confirmation["share_id"] == str(history["new"].pk)
    assert any(r["kind"] == "new_shares" for r in _csv(archive, "notifications.csv"))


def test_the_zip_never_holds_a_code_token_password_or_link(client, ado, history, member, portal_a):
    Notification.objects.filter(portal=portal_a).update(
        context={"login_url": "https://example.com/secret-token"}
    )
    client.force_login(ado)
    archive = _zip(client.get(_url(portal_a)))
    text = "".join(archive_texts(archive).values())
    assert "secret-token" not in text and "http" not in text
    assert member.user.password not in text and "pbkdf2" not in text


def test_only_ado_and_administrator_may_export(client, editor, nobody, portal_a):
    for user in (editor, nobody):
        client.force_login(user)
        assert client.get(_url(portal_a)).status_code == 403
    with pytest.raises(ClientPortalPermissionDenied):
        audit_export.portal_audit_zip(editor, portal_a)


def test_a_cell_that_excel_would_run_as_a_formula_is_neutralised():
    [_, line] = list(audit_export.csv_lines(["a"], [["=HYPERLINK(1)"]]))
    assert line == b"'=HYPERLINK(1)\r\n"


def test_the_stream_is_produced_in_chunks(editor, ado, portal_a):
    services.share_items(editor, [portal_a], DocumentFactory.create_batch(300))
    chunks = list(audit_export.portal_audit_zip(ado, portal_a))
    assert len(chunks) > 3
    assert zipfile.ZipFile(io.BytesIO(b"".join(chunks))).testzip() is None
