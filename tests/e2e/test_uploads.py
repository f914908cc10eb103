"""Files from a client in a browser: two files from a phone, then staff make one a document."""

import pytest

from tests.factories import ClientFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import UploadedFile
from wagtail_clientportal.services import uploads

from .conftest import PHONE, active_portal_user, admin_login, expect, portal_login, staff_member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EMAIL = "ewa.klientka@example.com"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 256


def test_phone_sends_two_files_and_staff_make_one_a_document(new_page, screenshot):
    ado = staff_member("ado", "ADO")
    staff_member("admin", superuser=True)
    client = ClientFactory(name="Kowalczyk Budownictwo Sp. z o.o.")
    portal = services.create_portal(ado, client, "Sprawa sądowa")
    uploads.set_portal_uploads(ado, portal, True, "Prosimy o skan podpisanego pełnomocnictwa.")
    active_portal_user(ado, client, EMAIL, "Ewa", "Klientka", [portal])

    phone = new_page(viewport=PHONE)
    portal_login(phone, EMAIL)
    phone.get_by_role("link", name="Prześlij pliki do kancelarii").click()
    expect(phone.get_by_text("Prosimy o skan podpisanego pełnomocnictwa.")).to_be_visible()
    phone.locator("#id_files").set_input_files(
        [
            {"name": "pełnomocnictwo.pdf", "mimeType": "application/pdf", "buffer": PDF},
            {"name": "zdjęcie pisma.jpg", "mimeType": "image/jpeg", "buffer": JPEG},
        ]
    )
    phone.get_by_label("Uwaga dla kancelarii (nieobowiązkowo)").fill("Skan i zdjęcie pisma z sądu.")
    screenshot(phone, "upload-phone-form")
    phone.get_by_role("button", name="Przesłać pliki").click()
    thanks = "Dziękujemy. 2 pliki zostały przesłane do kancelarii."
    expect(phone.get_by_text(thanks)).to_be_visible()
    expect(phone.get_by_role("heading", name="Przesłane przez Państwa")).to_be_visible()
    expect(phone.get_by_text("pełnomocnictwo.pdf")).to_be_visible()
    screenshot(phone, "upload-phone-sent")
    assert UploadedFile.objects.count() == 2

    staff = new_page()
    admin_login(staff, "admin")
    staff.goto("/admin/clientportal/uploads/")
    screenshot(staff, "upload-staff-listing")
    staff.get_by_role("link", name=r"20").first.click()
    row = UploadedFile.objects.get(content_type="application/pdf")
    form = staff.locator(f"form:has(input[name=file][value='{row.pk}'])")
    form.get_by_label("Kolekcja").select_option(index=1)
    form.get_by_role("button", name="Zamień w dokument").click()
    expect(staff.get_by_text("Utworzono dokument „pełnomocnictwo.pdf”.")).to_be_visible()
    screenshot(staff, "upload-staff-detail")
    row.refresh_from_db()
    assert row.document is not None
