"""The client's side in a browser: activation, login with a code, portals, downloads."""

import re

import pytest

from tests.factories import ClientFactory, DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AccessEvent, Share

from .conftest import (
    PHONE,
    PORTAL_PASSWORD,
    active_portal_user,
    code_from_mail,
    expect,
    firm_with_portals,
    link_from_mail,
    portal_login,
    staff_member,
    submit_code,
    user_on_two_portals,
)

# serialized_rollback: Wagtail's migrations made rows (root collection, groups' collection
# permissions) that the live server's flush would otherwise take from the next test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLIENT = "Kowalczyk Budownictwo Sp. z o.o."
EMAIL = "anna.ksiegowa@example.com"
TITLES = ["Umowa o świadczenie usług prawnych", "Pełnomocnictwo", "Opinia prawna – spółka"]


def document_rows(page):
    return page.locator("ul.item-list > li.item")


def row_of(page, title):
    return document_rows(page).filter(has=page.get_by_role("link", name=title, exact=True))


def test_client_activates_logs_in_and_downloads(page, screenshot):
    ado = staff_member("ado", "ADO")
    editor = staff_member("redaktor", "Editors")
    client = ClientFactory(name=CLIENT)
    portal = services.create_portal(ado, client, "Faktury", "Faktury i zestawienia godzin.")
    services.create_portal_user(
        ado, client, email=EMAIL, first_name="Anna", last_name="Księgowa", portals=[portal]
    )
    docs = [DocumentFactory(title=title) for title in TITLES]
    services.share_items(editor, [portal], docs)

    # The activation link from the email the firm's admin made leave.
    page.goto(link_from_mail(EMAIL))
    expect(page.get_by_role("heading", name="Aktywacja konta")).to_be_visible()
    page.locator("#id_new_password1").fill(PORTAL_PASSWORD)
    page.locator("#id_new_password2").fill(PORTAL_PASSWORD)
    page.get_by_role("button", name="Ustaw hasło").click()
    page.wait_for_url("**/portal/setup/")
    page.get_by_label("Kod wysyłany na mój adres e-mail").check()
    page.get_by_role("button", name="Dalej").click()
    page.wait_for_url("**/portal/setup/verify/")
    page.get_by_label("Kod").fill(code_from_mail(EMAIL))
    submit_code(page, EMAIL, "Potwierdź")
    expect(page.get_by_role("heading", name="Kody zapasowe")).to_be_visible()
    codes = page.locator("ul.codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"\w{6,}", c) for c in codes)
    page.get_by_label("Kody zapasowe zostały zapisane w bezpiecznym miejscu.").check()
    page.get_by_role("button", name="Przejdź do panelu").click()

    # One portal: straight onto its documents, all three new.
    page.wait_for_url(f"**/portal/p/{portal.pk}/documents/")
    expect(page.get_by_role("heading", name="Faktury")).to_be_visible()
    expect(document_rows(page)).to_have_count(3)
    for title in TITLES:
        expect(row_of(page, title).get_by_text("nowe", exact=True)).to_be_visible()

    first = row_of(page, TITLES[0])
    with page.expect_download() as info:
        first.get_by_role("link", name=re.compile("^Pobierz")).click()
    download = info.value
    with open(download.path(), "rb") as fh:
        body = fh.read()
    docs[0].file.open("rb")
    assert body == docs[0].file.read()
    docs[0].file.close()
    share = Share.objects.get(portal=portal, document=docs[0])
    assert AccessEvent.objects.filter(share=share, action="download").count() == 1

    page.reload()
    expect(row_of(page, TITLES[0]).get_by_text("nowe", exact=True)).to_have_count(0)
    for title in TITLES[1:]:
        expect(row_of(page, title).get_by_text("nowe", exact=True)).to_be_visible()


def test_user_with_two_portals_chooses_and_switches(page, screenshot):
    firm = firm_with_portals()
    user_on_two_portals(firm)
    portal_login(
        page,
        "piotr.zarzad@example.com",
        on_code_step=lambda p: screenshot(p, "portal-login-code"),
    )

    page.wait_for_url("**/portal/choose/")
    expect(page.get_by_role("heading", name="Wybierz panel")).to_be_visible()
    expect(page.get_by_text(CLIENT).first).to_be_visible()
    screenshot(page, "portal-choice")
    page.get_by_role("link", name="Dokumenty").click()
    page.wait_for_url(f"**/portal/p/{firm.documents_portal.pk}/documents/")
    expect(page.get_by_role("heading", name="Dokumenty")).to_be_visible()
    expect(document_rows(page)).to_have_count(3)
    screenshot(page, "portal-documents")

    page.get_by_role("link", name="Zmień panel").click()
    page.wait_for_url("**/portal/choose/")
    page.get_by_role("link", name="Faktury").click()
    # An invoices-only portal opens on its invoices.
    page.wait_for_url(f"**/portal/p/{firm.invoices_portal.pk}/invoices/")
    page.get_by_role("navigation", name="Sekcje").get_by_role("link", name="Faktury").click()
    page.wait_for_url(f"**/portal/p/{firm.invoices_portal.pk}/invoices/")
    expect(page.get_by_role("link", name="FV/2026/11/001", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="FV/2026/11/002", exact=True)).to_be_visible()
    settlements = page.get_by_role("list", name="Rozliczenia")
    expect(settlements.get_by_role("link", name="Zestawienie godzin")).to_be_visible()
    # Nothing of the other portal here.
    expect(page.get_by_role("link", name="Pełnomocnictwo")).to_have_count(0)
    screenshot(page, "portal-invoices")


def _fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_phone_login_and_portal_list(new_page, screenshot):
    firm = firm_with_portals()
    user_on_two_portals(firm)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)

    def usable_code_step(p):
        assert _fits_width(p)
        expect(p.get_by_role("textbox", name="Kod")).to_be_in_viewport()
        screenshot(p, "phone-login-code")

    page.goto("/portal/")
    assert _fits_width(page)
    for name in ("Adres e-mail", "Hasło"):
        expect(page.get_by_label(name)).to_be_in_viewport()
    expect(page.get_by_role("button", name="Dalej")).to_be_in_viewport()
    portal_login(page, "piotr.zarzad@example.com", on_code_step=usable_code_step)

    page.wait_for_url("**/portal/choose/")
    assert _fits_width(page)
    page.get_by_role("link", name="Dokumenty").tap()
    page.wait_for_url(f"**/portal/p/{firm.documents_portal.pk}/documents/")
    assert _fits_width(page)
    expect(document_rows(page)).to_have_count(3)
    for row in document_rows(page).all():
        box = row.get_by_role("link", name=re.compile("^Pobierz")).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 24  # a finger can hit it
    screenshot(page, "phone-portal-documents")
    with page.expect_download() as info:
        document_rows(page).first.get_by_role("link", name=re.compile("^Pobierz")).tap()
    assert info.value.path()


def test_phone_portal_list_rows_are_compact(new_page):
    firm = firm_with_portals()
    active_portal_user(
        firm.ado, firm.client, "anna@example.com", "Anna", "Księgowa", [firm.documents_portal]
    )
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    portal_login(page, "anna@example.com")
    page.wait_for_url(f"**/portal/p/{firm.documents_portal.pk}/documents/")
    heights = [row.bounding_box()["height"] for row in document_rows(page).all()]
    assert len(heights) == 3
    # A title, a line of details and the download button fit in well under 200px.
    assert max(heights) < 200, heights
