"""Files a client sends to the firm: limits, types from the content, rule 9, all-or-nothing."""

import datetime
import hashlib
import json
import os

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from tests.conftest import otp_login
from tests.factories import PortalUserFactory, UserFactory
from wagtail_clientportal.models import Notification, Upload, UploadedFile
from wagtail_clientportal.services import upload_receipt

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + os.urandom(256)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def pdf(name="skan.pdf", body=PDF):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture
def open_portal(portal_a):
    portal_a.uploads_enabled = True
    portal_a.upload_instructions = "Prosimy o skan pełnomocnictwa."
    portal_a.save()
    return portal_a


@pytest.fixture
def browser(member):
    http = HttpClient()
    otp_login(http, member.user)
    return http


def url(portal):
    return reverse("wagtail_clientportal:upload", args=[portal.pk])


def send(browser, portal, *files, note="", **extra):
    return browser.post(url(portal), {"files": list(files), "note": note}, **extra)


def stored_names():
    storage = UploadedFile._meta.get_field("file").storage
    try:
        _dirs, _files = storage.listdir("clientportal/uploads")
    except FileNotFoundError:
        return []
    names = []
    for year in _dirs:
        for month in storage.listdir(f"clientportal/uploads/{year}")[0]:
            names += storage.listdir(f"clientportal/uploads/{year}/{month}")[1]
    return names


BASELINE: set[str] = set()


@pytest.fixture(autouse=True)
def _baseline():
    """The private storage is shared by the suite: compare with what was there before."""
    BASELINE.clear()
    BASELINE.update(stored_names())


def nothing_stored() -> bool:
    return set(stored_names()) == BASELINE


def test_two_files_are_stored_privately_under_generated_names(open_portal, browser):
    response = send(
        browser, open_portal, pdf(), SimpleUploadedFile("zdjęcie.png", PNG), note="Do sprawy"
    )
    assert response.status_code == 302
    upload = Upload.objects.get()
    assert upload.portal == open_portal and upload.note == "Do sprawy"
    files = list(upload.files.order_by("pk"))
    assert [f.original_name for f in files] == ["skan.pdf", "zdjęcie.png"]
    assert [f.content_type for f in files] == ["application/pdf", "image/png"]
    for row, body in zip(files, (PDF, PNG), strict=True):
        assert row.file.name.startswith("clientportal/uploads/")
        assert "skan" not in row.file.name and "zdj" not in row.file.name
        with row.file.storage.open(row.file.name, "rb") as handle:
            stored = handle.read()
        assert stored == body
        assert row.sha256 == hashlib.sha256(stored).hexdigest()
        with pytest.raises(NotImplementedError):
            row.file.url  # noqa: B018  never a public URL


def test_heic_from_an_iphone_is_accepted_and_kept_as_sent(open_portal, browser):
    response = send(browser, open_portal, SimpleUploadedFile("IMG_0001.HEIC", HEIC))
    assert response.status_code == 302
    row = UploadedFile.objects.get()
    assert row.content_type == "image/heic" and row.file.name.endswith(".heic")
    with row.file.storage.open(row.file.name, "rb") as handle:
        assert handle.read() == HEIC


@pytest.mark.parametrize(
    "name,body",
    [
        ("umowa.pdf", EXE),
        ("strona.html", HTML),
        ("obraz.svg", b"<svg onload=alert(1)>"),
        ("x.txt", b"abc"),
    ],
)
def test_types_are_decided_from_the_content(open_portal, browser, name, body):
    response = send(browser, open_portal, pdf(), SimpleUploadedFile(name, body, "application/pdf"))
    assert response.status_code == 400
    assert response.context["error"].code == "upload_files_refused"
    assert [e.code for e in response.context["error"].errors] == ["upload_type_refused"]
    assert not Upload.objects.exists() and not UploadedFile.objects.exists()
    assert nothing_stored()  # the accepted PDF was not written either


def test_size_limits_per_file_and_per_sending(open_portal, browser, settings):
    settings.WAGTAILCLIENTPORTAL_UPLOAD_MAX_FILE_SIZE = len(PDF) + 10
    response = send(browser, open_portal, pdf(body=PDF + b" " * 11))
    assert response.status_code == 400
    assert response.context["error"].errors[0].code == "upload_too_large"
    settings.WAGTAILCLIENTPORTAL_UPLOAD_MAX_FILE_SIZE = 10**6
    settings.WAGTAILCLIENTPORTAL_UPLOAD_MAX_TOTAL_SIZE = len(PDF) * 2 - 1
    response = send(browser, open_portal, pdf("a.pdf"), pdf("b.pdf"))
    assert response.status_code == 400
    assert response.context["error"].code == "upload_total_too_large"
    assert not Upload.objects.exists() and nothing_stored()


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(open_portal, browser, settings):
    settings.WAGTAILCLIENTPORTAL_UPLOAD_MAX_TOTAL_SIZE = 10
    response = browser.post(
        url(open_portal),
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(5 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert response["Cache-Control"] == "private, no-store"


def test_count_limit(open_portal, browser, settings):
    settings.WAGTAILCLIENTPORTAL_UPLOAD_MAX_FILES = 2
    response = send(browser, open_portal, pdf("1.pdf"), pdf("2.pdf"), pdf("3.pdf"))
    assert response.status_code == 400
    assert response.context["error"].code == "upload_too_many"
    assert not Upload.objects.exists()


def test_empty_sending_is_refused(open_portal, browser):
    response = browser.post(url(open_portal), {"note": "x"})
    assert response.status_code == 400
    assert response.context["error"].code == "upload_no_files"


def test_quota_per_portal(open_portal, browser, settings):
    settings.WAGTAILCLIENTPORTAL_UPLOAD_QUOTA = len(PDF) * 2
    assert send(browser, open_portal, pdf("1.pdf"), pdf("2.pdf")).status_code == 302
    response = send(browser, open_portal, pdf("3.pdf"))
    assert response.status_code == 400
    assert response.context["error"].code == "upload_quota_exceeded"
    assert UploadedFile.objects.count() == 2


def test_rate_limit_per_person(open_portal, browser, settings):
    settings.WAGTAILCLIENTPORTAL_UPLOAD_RATE = (2, 3600)
    assert send(browser, open_portal, pdf()).status_code == 302
    assert send(browser, open_portal, pdf()).status_code == 302
    response = send(browser, open_portal, pdf())
    assert response.status_code == 400
    assert response.context["error"].code == "upload_rate_limited"
    assert Upload.objects.count() == 2


def test_names_with_traversal_and_control_characters_are_harmless(open_portal, browser):
    name = "../../etc/\x00pass\r\nwd\u202egpj.pdf"
    response = send(browser, open_portal, pdf(name))
    assert response.status_code == 302
    row = UploadedFile.objects.get()
    assert "/" not in row.original_name and ".." not in row.original_name
    assert not any(ord(c) < 32 or c == "\u202e" for c in row.original_name)
    assert row.file.name.startswith("clientportal/uploads/") and ".." not in row.file.name


def test_a_failure_while_writing_leaves_nothing(open_portal, browser, monkeypatch):
    from wagtail_clientportal.services import uploads

    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(uploads, "_notify_staff", boom)
    with pytest.raises(RuntimeError):
        send(browser, open_portal, pdf("1.pdf"), pdf("2.pdf"))
    assert not Upload.objects.exists() and not UploadedFile.objects.exists()
    assert nothing_stored()


def test_no_upload_on_a_portal_with_uploads_off(portal_a, browser):
    assert browser.get(url(portal_a)).status_code == 404
    assert send(browser, portal_a, pdf()).status_code == 404
    assert not Upload.objects.exists()


@pytest.mark.parametrize("change", ["blocked", "expired", "unassigned"])
def test_no_upload_by_a_blocked_expired_or_unassigned_person(open_portal, member, browser, change):
    if change == "blocked":
        member.is_blocked = True
    elif change == "expired":
        member.access_expires_on = timezone.localdate() - datetime.timedelta(days=1)
    else:
        member.portals.clear()
    member.save()
    response = send(browser, open_portal, pdf())
    assert response.status_code in (403, 404)
    assert not Upload.objects.exists() and nothing_stored()


def test_no_upload_without_a_verified_code(open_portal, member):
    http = HttpClient()
    http.force_login(member.user)  # password only
    response = http.post(url(open_portal), {"files": [pdf()]})
    assert response.status_code == 302 and "/portal/" in response["Location"]
    assert not Upload.objects.exists()


def test_no_upload_without_csrf(open_portal, member):
    http = HttpClient(enforce_csrf_checks=True)
    otp_login(http, member.user)
    response = http.post(url(open_portal), {"files": [pdf()]})
    assert response.status_code == 403
    assert not Upload.objects.exists()


def test_another_persons_sendings_and_receipts_stay_hidden(open_portal, member, browser):
    send(browser, open_portal, pdf())
    upload = Upload.objects.get()
    other = PortalUserFactory(client=open_portal.client, portals=[open_portal])
    http = HttpClient()
    otp_login(http, other.user)
    page = http.get(url(open_portal))
    assert page.status_code == 200 and list(page.context["uploads"]) == []
    receipt = reverse(
        "wagtail_clientportal:upload_receipt", args=[open_portal.pk, upload.pk, "json"]
    )
    assert http.get(receipt).status_code == 404


def test_the_page_lists_the_sendings_with_hash_and_receipts(open_portal, browser):
    send(browser, open_portal, pdf())
    row = UploadedFile.objects.get()
    page = browser.get(url(open_portal))
    assert page.status_code == 200
    body = page.content.decode()
    assert row.sha256 in body and "multiple" in body and 'accept="' in body
    assert "skan pełnomocnictwa." in body
    assert "<script>" not in body and "uploads.js" in body
    assert "script-src" in page["Content-Security-Policy"]


def test_the_receipts_hash_equals_the_stored_files(open_portal, browser):
    send(browser, open_portal, pdf(), SimpleUploadedFile("IMG.heic", HEIC))
    upload = Upload.objects.get()
    base = ("wagtail_clientportal:upload_receipt", open_portal.pk, upload.pk)
    data = json.loads(browser.get(reverse(base[0], args=[*base[1:], "json"])).content)
    assert data["type"] == upload_receipt.RECEIPT_TYPE
    assert data["digest"] == upload_receipt.digest_of(data)
    for item, row in zip(data["files"], upload.files.order_by("pk"), strict=True):
        with row.file.storage.open(row.file.name, "rb") as handle:
            assert item["sha256"] == hashlib.sha256(handle.read()).hexdigest()
    response = browser.get(reverse(base[0], args=[*base[1:], "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment")


def test_ajax_answers_in_json_with_a_message_per_refused_file(open_portal, browser):
    response = send(
        browser,
        open_portal,
        pdf(),
        SimpleUploadedFile("a.pdf", EXE),
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "upload_files_refused"
    assert [f["code"] for f in answer["files"]] == ["upload_type_refused"]
    ok = send(browser, open_portal, pdf(), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert ok.status_code == 200 and ok.json()["location"] == url(open_portal)


def test_one_staff_email_per_sending_without_file_names(open_portal, browser, settings):
    settings.WAGTAILCLIENTPORTAL_UPLOAD_NOTIFY = ["sekretariat@kancelaria.pl"]
    send(browser, open_portal, pdf("tajne-pelnomocnictwo.pdf"), pdf("drugi.pdf"), pdf("trzeci.pdf"))
    rows = Notification.objects.filter(kind=Notification.Kind.UPLOAD_RECEIVED)
    assert rows.count() == 1
    from wagtail_clientportal.notifications.delivery import build_message

    message = build_message(rows.get())
    assert message.to == ["sekretariat@kancelaria.pl"]
    assert "tajne" not in message.body and "tajne" not in message.subject
    assert "3" in message.body


def test_staff_email_names_files_only_when_the_setting_says_so(open_portal, browser, settings):
    settings.WAGTAILCLIENTPORTAL_UPLOAD_NOTIFY = ["sekretariat@kancelaria.pl"]
    settings.WAGTAILCLIENTPORTAL_UPLOAD_NOTIFY_FILE_NAMES = True
    send(browser, open_portal, pdf("pelnomocnictwo.pdf"))
    from wagtail_clientportal.notifications.delivery import build_message

    message = build_message(Notification.objects.get(kind=Notification.Kind.UPLOAD_RECEIVED))
    assert "pelnomocnictwo.pdf" in message.body


def test_the_staff_email_goes_to_the_clients_contact_person_by_default(open_portal, browser):
    lawyer = UserFactory(username="mecenas", email="mecenas@kancelaria.pl")
    open_portal.client.contact_person = lawyer
    open_portal.client.save()
    send(browser, open_portal, pdf())
    assert list(
        Notification.objects.filter(kind="upload_received").values_list("recipient", flat=True)
    ) == ["mecenas@kancelaria.pl"]
    assert mail.outbox == [] or all("skan.pdf" not in m.body for m in mail.outbox)


def test_the_sending_is_in_wagtails_audit_log(open_portal, browser):
    from wagtail.models import ModelLogEntry

    send(browser, open_portal, pdf())
    upload = Upload.objects.get()
    entry = ModelLogEntry.objects.get(action="wagtail_clientportal.upload_received")
    assert entry.object_id == str(upload.pk)
    assert entry.data["files"][0]["sha256"] == upload.files.get().sha256
