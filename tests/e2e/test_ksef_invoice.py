"""KSeF in a browser: staff import an invoice's FA(3) file, the client sees its KOD I.

Screenshots (``CLIENTPORTAL_SCREENSHOTS=1``): ``staff-invoice-ksef-import.png`` (the
filled form), ``portal-invoice-kod-i.png`` (desktop) and ``phone-portal-invoice-kod-i.png``
(390 × 844). The portal page has no axe-core violation at all and logs no console error
(a CSP refusal of the QR code's SVG would be one).
"""

import base64
import hashlib
from pathlib import Path

import pytest
from django.urls import reverse

from wagtail_clientportal import services
from wagtail_clientportal.ksef import crc8
from wagtail_clientportal.models import Invoice

from .conftest import (
    AXE_JS,
    AXE_RESULTS,
    PHONE,
    active_portal_user,
    admin_login,
    axe_violations,
    expect,
    firm_with_portals,
    portal_login,
)

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.axe]

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "fa3_invoice.xml"
NUMBER = "FV/2026/11/0042"
_KSEF = "5265877635-20261102-0100001AF629-"
KSEF_NUMBER = _KSEF + f"{crc8(_KSEF[:32].encode()):02X}"


def console_errors(page) -> list[str]:
    """Console errors and uncaught exceptions of ``page`` from now on (the list fills)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_staff_import_the_xml_and_the_client_sees_kod_i(new_page, screenshot, tmp_path):
    firm = firm_with_portals()
    active_portal_user(
        firm.ado, firm.client, "ewa@example.com", "Ewa", "Wiśniewska", [firm.invoices_portal]
    )
    pdf = tmp_path / "faktura.pdf"
    pdf.write_bytes(b"%PDF-1.4 faktura")

    staff = new_page()
    admin_login(staff, "ado")
    staff.goto(reverse("clientportal_invoices:add"))
    # The client chooser (a modal) has its own tests: its hidden input is set directly.
    staff.locator("#id_client").evaluate("(e, pk) => { e.value = pk; }", str(firm.client.pk))
    staff.locator("#id_pdf").set_input_files(str(pdf))
    staff.locator("#id_ksef_xml").set_input_files(str(SAMPLE))
    staff.locator("#id_ksef_mode").select_option("online")
    staff.locator("#id_ksef_number").fill(KSEF_NUMBER)
    staff.get_by_role("button", name="Zapisz").first.click()
    staff.wait_for_load_state()
    errors = staff.locator(".error-message, .help-critical, [role=alert]").all_inner_texts()
    assert Invoice.objects.filter(number=NUMBER).exists(), (staff.url, errors)
    invoice = Invoice.objects.get(number=NUMBER)  # number, dates, amounts, NIP from the XML
    assert (invoice.seller_nip, str(invoice.gross_amount)) == ("5265877635", "1200.00")
    staff.goto(reverse("clientportal_invoices:edit", args=[invoice.pk]))
    expect(staff.locator("#id_seller_nip")).to_have_value("5265877635")
    staff.locator("#id_ksef_xml").evaluate("e => e.closest('section').scrollIntoView(true)")
    screenshot(staff, "staff-invoice-ksef-import", full_page=False)

    [share] = services.share_items(firm.editor, [firm.invoices_portal], [invoice]).created
    digest = base64.urlsafe_b64encode(hashlib.sha256(SAMPLE.read_bytes()).digest())
    expected = "https://qr.ksef.mf.gov.pl/invoice/5265877635/02-11-2026/" + digest.decode().rstrip(
        "="
    )
    item = reverse("wagtail_clientportal:item", args=[firm.invoices_portal.pk, share.pk])
    for viewport, name in ((None, "portal-invoice-kod-i"), (PHONE, "phone-portal-invoice-kod-i")):
        client_page = new_page(viewport=viewport) if viewport else new_page()
        errors = console_errors(client_page)
        portal_login(client_page, "ewa@example.com")
        client_page.goto(item)
        section = client_page.get_by_role("region", name="Kod weryfikujący KSeF (KOD I)")
        expect(section).to_be_visible()
        expect(section.locator("svg")).to_be_visible()
        expect(section.locator("figcaption")).to_have_text(KSEF_NUMBER)
        link = section.get_by_role("link", name="Weryfikacja faktury w KSeF")
        expect(link).to_have_attribute("href", expected)
        section.scroll_into_view_if_needed()
        screenshot(client_page, name)
        if AXE_JS.exists():
            violations = axe_violations(client_page)
            AXE_RESULTS[name] = violations
            assert violations == [], violations
        assert errors == [], errors
