"""The firm's side of files from clients: scanning, safe downloads, listing, documents."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from wagtail import hooks
from wagtail.models import Collection, ModelLogEntry

from tests.conftest import otp_login
from tests.factories import UserFactory
from tests.test_uploads import PDF, PNG
from wagtail_clientportal.models import Portal, Upload, UploadedFile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


@pytest.fixture
def open_portal(portal_a):
    portal_a.uploads_enabled = True
    portal_a.save()
    return portal_a


def send(member, portal, *files):
    http = HttpClient()
    otp_login(http, member.user)
    response = http.post(
        reverse("wagtail_clientportal:upload", args=[portal.pk]), {"files": list(files)}
    )
    assert response.status_code == 302
    return Upload.objects.order_by("-pk").first()


def pdf(name="skan.pdf"):
    return SimpleUploadedFile(name, PDF)


def file_url(row, inline=False):
    return reverse("clientportal_uploads:file", args=[row.pk]) + ("?inline=1" if inline else "")


def assert_sandboxed_attachment(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"


def test_without_a_scanner_files_are_unchecked_and_only_saved(
    client, administrator, open_portal, member
):
    upload = send(member, open_portal, pdf())
    row = upload.files.get()
    assert row.scan_status == UploadedFile.Scan.UNCHECKED
    client.force_login(administrator)
    response = client.get(file_url(row, inline=True))
    assert_sandboxed_attachment(response)
    assert b"".join(response.streaming_content) == PDF
    page = client.get(reverse("clientportal_uploads:detail", args=[upload.pk]))
    assert 'data-scan="unchecked"' in page.text
    assert file_url(row, inline=True) not in page.text


def test_a_failing_scan_hook_keeps_the_file_out_of_the_inline_view(
    client, administrator, open_portal, member, django_capture_on_commit_callbacks
):
    def broken_scanner(uploaded_file):
        raise ConnectionRefusedError("clamd is down")

    with hooks.register_temporarily("clientportal_scan_upload", broken_scanner):
        with django_capture_on_commit_callbacks(execute=True):
            upload = send(member, open_portal, pdf())
    row = upload.files.get()
    assert row.scan_status == UploadedFile.Scan.FAILED
    client.force_login(administrator)
    assert_sandboxed_attachment(client.get(file_url(row, inline=True)))


def test_an_infected_file_cannot_become_a_document(
    client, open_portal, member, django_capture_on_commit_callbacks
):
    def scanner(uploaded_file):
        return "Eicar-Test-Signature"

    with hooks.register_temporarily("clientportal_scan_upload", scanner):
        with django_capture_on_commit_callbacks(execute=True):
            upload = send(member, open_portal, pdf())
    row = upload.files.get()
    assert (row.scan_status, row.scan_detail) == ("infected", "Eicar-Test-Signature")
    admin = UserFactory(username="root", is_superuser=True)
    client.force_login(admin)
    client.post(
        reverse("clientportal_uploads:detail", args=[upload.pk]),
        {
            "action": "document",
            "file": row.pk,
            f"f{row.pk}-collection": Collection.get_first_root_node().pk,
        },
    )
    row.refresh_from_db()
    assert row.document is None


def test_a_clean_pdf_opens_inline_still_sandboxed(
    client, administrator, open_portal, member, django_capture_on_commit_callbacks
):
    seen = []

    def scanner(uploaded_file):
        with uploaded_file.file.open("rb") as handle:
            seen.append(handle.read())
        return None

    with hooks.register_temporarily("clientportal_scan_upload", scanner):
        with django_capture_on_commit_callbacks(execute=True):
            upload = send(member, open_portal, pdf(), SimpleUploadedFile("a.png", PNG))
    assert seen == [PDF, PNG]
    row = upload.files.get(content_type="application/pdf")
    assert row.scan_status == "clean"
    client.force_login(administrator)
    response = client.get(file_url(row, inline=True))
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert ModelLogEntry.objects.filter(action="wagtail_clientportal.upload_downloaded").exists()


def test_staff_without_the_packages_permissions_see_nothing(client, nobody, open_portal, member):
    upload = send(member, open_portal, pdf())
    client.force_login(nobody)
    assert client.get(reverse("clientportal_uploads:index")).status_code == 403
    assert client.get(reverse("clientportal_uploads:detail", args=[upload.pk])).status_code == 403
    response = client.get(file_url(upload.files.get()))
    assert response.status_code == 403 and not getattr(response, "streaming", False)


def test_listing_filters_and_mark_handled(client, administrator, open_portal, portal_b, member):
    first = send(member, open_portal, pdf())
    second = send(member, open_portal, pdf("drugi.pdf"))
    client.force_login(administrator)
    index = reverse("clientportal_uploads:index")
    assert len(client.get(index).context["page_obj"].object_list) == 2
    response = client.post(
        reverse("clientportal_uploads:detail", args=[first.pk]), {"action": "handled"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.handled_at is not None and first.handled_by == administrator
    open_list = client.get(index, {"handled": "no"}).context["page_obj"].object_list
    assert [u.pk for u in open_list] == [second.pk]
    assert not client.get(index, {"portal": portal_b.pk}).context["page_obj"].object_list
    assert ModelLogEntry.objects.filter(action="wagtail_clientportal.upload_handled").count() == 1


def test_uploads_on_the_client_card_and_the_portal_page(client, administrator, open_portal, member):
    upload = send(member, open_portal, pdf())
    client.force_login(administrator)
    detail = reverse("clientportal_uploads:detail", args=[upload.pk])
    portal_page = client.get(reverse("clientportal_portals:detail", args=[open_portal.pk]))
    assert detail in portal_page.text
    card = client.get(reverse("clientportal_portals:client", args=[open_portal.client_id]))
    assert detail in card.text


def test_turning_a_file_into_a_document_in_a_chosen_collection(client, open_portal, member):
    from wagtail.documents import get_document_model

    upload = send(member, open_portal, pdf("pełnomocnictwo.pdf"))
    row = upload.files.get()
    root = Collection.get_first_root_node()
    chosen = root.add_child(name="Sprawa 12/2026")
    admin = UserFactory(username="root", is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("clientportal_uploads:detail", args=[upload.pk]),
        {"action": "document", "file": row.pk, f"f{row.pk}-collection": chosen.pk},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    document = get_document_model().objects.get()
    assert row.document == document and document.collection == chosen
    with document.file.open("rb") as handle:
        assert handle.read() == PDF
    assert row.file.name != document.file.name  # the private copy stays where it was


def test_a_collection_the_staff_member_may_not_add_to_is_refused(
    client, administrator, open_portal, member
):
    upload = send(member, open_portal, pdf())
    row = upload.files.get()
    client.force_login(administrator)  # no document permissions at all
    client.post(
        reverse("clientportal_uploads:detail", args=[upload.pk]),
        {
            "action": "document",
            "file": row.pk,
            f"f{row.pk}-collection": Collection.get_first_root_node().pk,
        },
    )
    row.refresh_from_db()
    assert row.document is None


def test_portal_edit_form_switches_uploads_on(client, ado, editor, portal_a):
    url = reverse("clientportal_portals:edit", args=[portal_a.pk])
    data = {
        "name": portal_a.name,
        "description": "",
        "uploads_enabled": "on",
        "upload_instructions": "Prosimy o skan pełnomocnictwa",
    }
    client.force_login(editor)
    client.post(url, data)
    assert not Portal.objects.get(pk=portal_a.pk).uploads_enabled
    client.force_login(ado)
    assert client.post(url, data).status_code == 302
    portal = Portal.objects.get(pk=portal_a.pk)
    assert portal.uploads_enabled and portal.upload_instructions == "Prosimy o skan pełnomocnictwa"
