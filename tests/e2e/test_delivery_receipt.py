"""Proof of delivery in a browser: the client confirms receipt, staff download the receipt."""

import pytest
from django.urls import reverse

from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import DeliveryEvent

from .conftest import active_portal_user, admin_login, expect, firm_with_portals, portal_login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TITLE = "Postanowienie Sądu Okręgowego w Łodzi"


def test_client_confirms_receipt_and_staff_download_the_receipt(new_page, screenshot_dir, tmp_path):
    import pypdfium2

    firm = firm_with_portals()
    person = active_portal_user(
        firm.ado, firm.client, "zofia@example.com", "Zofia", "Żółkiewska", [firm.documents_portal]
    )
    doc = DocumentFactory(title=TITLE)
    [share] = services.share_items(
        firm.editor, [firm.documents_portal], [doc], require_receipt=True
    ).created

    user = new_page()
    portal_login(user, "zofia@example.com")
    user.goto(reverse("wagtail_clientportal:item", args=[firm.documents_portal.pk, share.pk]))
    # The file itself, in the browser's session, so the receipt states a complete download.
    file_url = reverse("wagtail_clientportal:download", args=[firm.documents_portal.pk, share.pk])
    assert user.request.get(user.url.split("/portal/")[0] + file_url).ok
    user.get_by_role("button", name="Potwierdzam odbiór").click()
    expect(user.get_by_text("Odbiór potwierdzono")).to_be_visible()
    assert DeliveryEvent.objects.filter(
        kind="confirmation", share_ref=share.pk, portal_user_ref=person.pk
    ).exists()

    staff = new_page()
    admin_login(staff, "ado")
    staff.goto(reverse("clientportal_portals:detail", args=[firm.documents_portal.pk]))
    with staff.expect_download() as download:
        row = staff.get_by_role("row").filter(has_text=TITLE).filter(has_text="Żółkiewska")
        row.get_by_role("link", name="PDF").click()
    pdf_path = tmp_path / "receipt.pdf"
    download.value.save_as(pdf_path)

    pdf = pypdfium2.PdfDocument(str(pdf_path))
    page = pdf[0]
    text = page.get_textpage().get_text_range()
    for words in ("Potwierdzenie doręczenia", TITLE, "Zofia Żółkiewska", firm.client.name):
        assert words in text
    assert DeliveryEvent.objects.filter(share_ref=share.pk, status="complete").exists()
    page.render(scale=1.5).to_pil().save(screenshot_dir / "receipt-pdf.png")
    pdf.close()
