"""The audit ZIP's receipts/ and optional files/: the receipts the downloads give, the
files as stored, mismatches flagged, no secret, the export's permission."""

import hashlib
import io
import json
import os
import zipfile

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.urls import reverse
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import ModelLogEntry

from tests.conftest import archive_texts, otp_login
from tests.factories import DocumentFactory
from tests.test_receipt_signing import _validate, firm_pki, signing  # noqa: F401, F811 (fixtures)
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import ClientPortalPermissionDenied
from wagtail_clientportal.models import AuditExport
from wagtail_clientportal.portal.tokens import activation_path, password_reset_url
from wagtail_clientportal.services import audit_export, client_audit_export

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PASSWORD = "Bardzo-Tajne-Haslo-2026!"
LIVE_SENT = b"%PDF-1.4 umowa jak doreczona"


def _get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200 and response.streaming, response.status_code
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _portal_url(portal):
    return reverse("clientportal_portals:audit_zip", args=[portal.pk])


def _client_url(client_obj):
    return reverse("clientportal_portals:client_audit_zip", args=[client_obj.pk])


def _staff_receipt(client, share_id, portal_user_id, fmt):
    url = reverse("clientportal_staff:receipt", args=[share_id, portal_user_id, fmt])
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def _download(client, portal, share):
    url = reverse("wagtail_clientportal:download", args=[portal.pk, share.pk])
    b"".join(client.get(url).streaming_content)


@pytest.fixture
def history(client, editor, administrator, member, portal_a, portal_a2):
    """portal_a: a revoked share, a superseded version and a live document, each
    downloaded, the live one replaced since, a confirmation; portal_a2: a download,
    then the portal deleted."""
    portal_a2.portal_users.add(member)
    revoked_doc = DocumentFactory(title="Pełnomocnictwo", file=ContentFile(b"pe", name="p.pdf"))
    [revoked] = services.share_items(editor, [portal_a], [revoked_doc]).created
    doc = DocumentFactory(title="Umowa źródłowa", file=ContentFile(b"v1", name="u.pdf"))
    v1 = services.snapshot_document(editor, doc, label="v1")
    [old] = services.share_items(editor, [portal_a], [v1]).created
    live = DocumentFactory(title="Regulamin", file=ContentFile(LIVE_SENT, name="r.pdf"))
    [live_share] = services.share_items(editor, [portal_a], [live]).created
    [gone] = services.share_items(editor, [portal_a2], [DocumentFactory(title="Aneks")]).created
    otp_login(client, member.user)
    for share in (revoked, old, live_share):
        _download(client, portal_a, share)
    _download(client, portal_a2, gone)
    client.logout()
    services.revoke_shares(editor, [revoked])
    doc.file = ContentFile(b"v2", name="u.pdf")
    doc.save()
    v2 = services.snapshot_document(editor, doc, label="v2")
    [new] = services.share_items(editor, [portal_a], [v2], require_receipt=True).created
    otp_login(client, member.user)
    _download(client, portal_a, new)
    confirm = reverse("wagtail_clientportal:confirm_receipt", args=[portal_a.pk, new.pk])
    assert client.post(confirm).status_code == 302
    client.logout()
    live.file = ContentFile(b"%PDF-1.4 umowa zmieniona potem", name="r2.pdf")
    live.save()
    gone_portal = portal_a2.pk
    services.delete_portal(administrator, portal_a2)
    return {
        "revoked": revoked,
        "old": old,
        "new": new,
        "live": live_share,
        "gone": gone,
        "gone_portal": gone_portal,
        "v1": v1,
        "v2": v2,
    }


def _receipt_name(share, person, fmt):
    return f"potwierdzenie-doreczenia-{share.pk}-{person.pk}.{fmt}"


def test_every_pair_has_the_receipt_the_staff_download_gives(
    client, ado, administrator, history, member, portal_a
):
    client.force_login(ado)
    archive = _get(client, _portal_url(portal_a))
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest["files"]) == names - {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    # Revoked, superseded and current shares all keep their receipts.
    assert history["old"].pk != history["new"].pk
    for key in ("revoked", "old", "new", "live"):
        share = history[key]
        json_name = "receipts/" + _receipt_name(share, member, "json")
        assert {json_name, json_name[:-4] + "pdf"} <= names, key
        in_zip = json.loads(archive.read(json_name))
        downloaded = json.loads(_staff_receipt(client, share.pk, member.pk, "json"))
        assert in_zip["digest"] == downloaded["digest"] and in_zip == downloaded
    assert not any(history["gone"].pk == int(n.split("-")[-2]) for n in names if "receipts/" in n)
    assert manifest["receipts"] == {
        "pairs": 4,
        "json": 4,
        "pdf": 4,
        "pdf_left_out": 0,
        "pdf_limit": 200,
        "pdf_signed": False,
    }
    assert "delivered_files" not in manifest and not any(n.startswith("files/") for n in names)
    name = "receipts/" + _receipt_name(history["new"], member, "json")
    confirmed = json.loads(archive.read(name))
    assert confirmed["receipt_confirmed"] and confirmed["item"]["sha256"] == history["v2"].sha256


def test_a_deleted_portals_history_keeps_its_receipts_in_the_client_zip(
    client, ado, history, member, client_a
):
    client.force_login(ado)
    archive = _get(client, _client_url(client_a))
    manifest = json.loads(archive.read("manifest.json"))
    [gone] = [p for p in manifest["portals"] if p["deleted"]]
    assert gone["id"] == history["gone_portal"]
    name = gone["folder"] + "receipts/" + _receipt_name(history["gone"], member, "json")
    data = json.loads(archive.read(name))
    assert data["portal"]["id"] == history["gone_portal"] and data["records"]
    assert (
        data["digest"]
        == json.loads(_staff_receipt(client, history["gone"].pk, member.pk, "json"))["digest"]
    )
    assert archive.read(name[:-4] + "pdf").startswith(b"%PDF")
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert manifest["receipts"]["pairs"] == 5


def test_pdfs_stop_at_the_limit_and_every_json_stays(client, ado, settings, history, portal_a):
    settings.WAGTAILCLIENTPORTAL_AUDIT_EXPORT_RECEIPT_PDFS = 1
    client.force_login(ado)
    archive = _get(client, _portal_url(portal_a))
    names = archive.namelist()
    assert len([n for n in names if n.endswith(".json") and "receipts/" in n]) == 4
    assert len([n for n in names if n.endswith(".pdf")]) == 1
    receipts = json.loads(archive.read("manifest.json"))["receipts"]
    assert (receipts["pdf"], receipts["pdf_left_out"], receipts["pdf_limit"]) == (1, 3, 1)


def test_the_receipt_pdf_names_the_chain_records_in_polish(client, ado, history, member, portal_a):
    from pypdf import PdfReader

    client.force_login(ado)
    archive = _get(client, _portal_url(portal_a))
    raw = archive.read("receipts/" + _receipt_name(history["new"], member, "pdf"))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(raw)).pages)
    assert "pobranie, pełne" in text and "potwierdzenie odbioru, potwierdzone" in text
    assert "download/complete" not in text and "confirmation/confirmed" not in text
    data = json.loads(archive.read("receipts/" + _receipt_name(history["new"], member, "json")))
    assert [(r["kind"], r["status"]) for r in data["records"]] == [
        ("download", "complete"),
        ("confirmation", "confirmed"),
    ]


def test_zip_pdfs_are_signed(client, ado, signing, firm_pki, history, member, portal_a):  # noqa: F811
    """When receipt signing is set, as the receipt views do."""
    _paths, ca, _ = firm_pki
    client.force_login(ado)
    archive = _get(client, _portal_url(portal_a))
    raw = archive.read("receipts/" + _receipt_name(history["new"], member, "pdf"))
    status = _validate(raw, ca)
    assert status.intact and status.valid
    assert json.loads(archive.read("manifest.json"))["receipts"]["pdf_signed"] is True


def test_files_only_when_asked_each_once_with_its_hash_and_mismatches_flagged(
    client, ado, history, portal_a
):
    client.force_login(ado)
    plain = _get(client, _portal_url(portal_a), files="0")
    assert not any(n.startswith("files/") for n in plain.namelist())
    archive = _get(client, _portal_url(portal_a), files="1")
    manifest = json.loads(archive.read("manifest.json"))
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    entries = {(e["kind"], e["item_id"]): e for e in manifest["delivered_files"]["entries"]}
    assert "delivered_sha256" in manifest["delivered_files"]["note"]
    files = [n for n in archive.namelist() if n.startswith("files/")]
    assert len(files) == len(set(files)) == 4  # revoked doc, v1, v2, live doc: once each
    for entry in entries.values():
        content = archive.read(entry["path"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        assert manifest["files"][entry["path"]] == entry["sha256"]
    for version in (history["v1"], history["v2"]):
        entry = entries[("document_version", version.pk)]
        assert entry["source"] == "pinned" and entry["sha256"] == version.sha256
        assert entry["matches_delivery"] is True and entry["matches_stored"] is True
    live = entries[("document", history["live"].document_id)]
    assert live["source"] == "live" and live["matches_delivery"] is False
    assert live["delivered_sha256"] == [hashlib.sha256(LIVE_SENT).hexdigest()]
    assert archive.read(live["path"]) == b"%PDF-1.4 umowa zmieniona potem"
    [entry] = ModelLogEntry.objects.filter(action="wagtail_clientportal.audit_export").filter(
        data__files=True
    )
    assert entry.data["how"] == "stream"


def test_a_second_version_with_the_same_hash_is_stored_once(client, ado, editor, portal_a):
    doc = DocumentFactory(title="Umowa", file=ContentFile(b"same", name="u.pdf"))
    first = services.snapshot_document(editor, doc, label="v1")
    services.share_items(editor, [portal_a], [first])
    other = DocumentFactory(title="Kopia", file=ContentFile(b"same", name="k.pdf"))
    second = services.snapshot_document(editor, other, label="k1")
    services.share_items(editor, [portal_a], [second])
    client.force_login(ado)
    archive = _get(client, _portal_url(portal_a), files="1")
    entries = json.loads(archive.read("manifest.json"))["delivered_files"]["entries"]
    assert len([n for n in archive.namelist() if n.startswith("files/")]) == 1
    paths = {e["item_id"]: e for e in entries}
    assert paths[second.pk]["same_as"] == paths[first.pk]["path"]
    assert paths[second.pk]["matches_delivery"] is None  # never downloaded


def test_the_client_zip_takes_the_files_too(client, ado, history, client_a):
    client.force_login(ado)
    archive = _get(client, _client_url(client_a), files="1")
    files = [n for n in archive.namelist() if n.startswith("files/")]
    assert len(files) == 5  # portal_a's four and the deleted portal's one
    manifest = json.loads(archive.read("manifest.json"))
    for name in files:
        assert hashlib.sha256(archive.read(name)).hexdigest() == manifest["files"][name]


def test_no_file_holds_a_code_token_password_hash_or_link(client, ado, history, member, portal_a):
    login = member.user
    login.set_password(PASSWORD)
    login.save()
    static = otp_login(client, login)
    client.logout()
    StaticToken.objects.create(device=static, token="zapasowy42")
    totp = TOTPDevice.objects.create(user=login, name="Aplikacja", confirmed=True)
    email_device = EmailDevice.objects.create(user=login, name="E-mail", confirmed=True)
    email_device.generate_token(valid_secs=300)
    login.refresh_from_db()
    email_device.refresh_from_db()
    secrets = {
        "password hash": login.password,
        "password": PASSWORD,
        "static token": "zapasowy42",
        "totp key": totp.key,
        "email code": email_device.token,
        "activation token": activation_path(login).rstrip("/").rsplit("/", 1)[-1],
        "reset token": default_token_generator.make_token(login),
        "reset link": password_reset_url(login),
    }
    client.force_login(ado)
    for url in (_portal_url(portal_a), _client_url(portal_a.client)):
        archive = _get(client, url, files="1")
        texts = archive_texts(archive)
        assert any(n.endswith(".pdf") and texts[n] for n in texts)  # PDFs' text is read
        for name, text in texts.items():
            for what, secret in secrets.items():
                assert secret and secret not in text, f"{what} in {name}"
            assert "pbkdf2" not in text, name


def test_an_editor_without_the_permission_gets_403(client, editor, nobody, history, portal_a):
    for user in (editor, nobody):
        client.force_login(user)
        for url in (_portal_url(portal_a), _client_url(portal_a.client)):
            assert client.get(url, {"files": "1"}).status_code == 403
            assert client.get(url).status_code == 403
    with pytest.raises(ClientPortalPermissionDenied):
        audit_export.portal_audit_zip(editor, portal_a, files=True)
    with pytest.raises(ClientPortalPermissionDenied):
        client_audit_export.client_audit_zip(editor, portal_a.client, files=True)
    assert not AuditExport.objects.exists()


def test_a_large_export_with_files_is_built_by_the_task_with_them(
    client, ado, settings, history, portal_a, django_capture_on_commit_callbacks
):
    settings.WAGTAILCLIENTPORTAL_AUDIT_EXPORT_STREAM_FILE_BYTES = 10
    client.force_login(ado)
    assert client.get(_portal_url(portal_a)).status_code == 200  # without files: streamed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(_portal_url(portal_a), {"files": "1"})
    assert response.status_code == 302
    export = AuditExport.objects.get()
    assert export.status == "done" and export.rows_done == export.rows_total
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["delivered_files"]["entries"] and manifest["receipts"]["pairs"] == 4
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest


def test_a_delivered_file_is_streamed_in_chunks(ado, editor, portal_a):
    content = os.urandom(4 * 1024 * 1024)
    doc = DocumentFactory(title="Skan", file=ContentFile(content, name="s.bin"))
    services.share_items(editor, [portal_a], [doc])
    chunks = list(audit_export.portal_audit_zip(ado, portal_a, files=True))
    # One read (1 MiB, as compressed) at most, never the whole file at once.
    assert max(len(c) for c in chunks) < 2 * 1024 * 1024 and len(chunks) >= 4
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    [name] = [n for n in archive.namelist() if n.startswith("files/")]
    assert archive.read(name) == content
