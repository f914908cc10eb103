"""The staff screens at 1366 px in Polish, with no JavaScript error on any of them.

Writes the README's staff screenshots (``CLIENTPORTAL_SCREENSHOTS=1``): the client card's
tabs, the portal users listing with a row's "⋯" menu open, the portal chooser and the
share dialog it fills, and the documents listing's "Udostępniono" column. Every page
the package adds is opened once in the same browser; a ``pageerror`` or a console error
on any of them fails the test.
"""

import re

import pytest
from django.urls import reverse

from tests.factories import ClientFactory, DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import Share

from .conftest import (
    active_portal_user,
    admin_login,
    expect,
    firm_with_portals,
    staff_member,
    user_on_two_portals,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDE = {"width": 1366, "height": 900}


@pytest.fixture
def strict_page(new_page):
    """A 1366 px page; an uncaught exception or a console error on it fails the test."""
    errors: list[str] = []
    page = new_page(viewport=WIDE)
    page.on("pageerror", lambda error: errors.append(f"pageerror on {page.url}: {error}"))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and errors.append(f"console error on {page.url}: {message.text}")
        ),
    )
    yield page
    assert not errors, "\n".join(errors)


def test_staff_screens_and_sharing_through_the_portal_chooser(strict_page, screenshot, settings):
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = None  # offline: no avatar requests to fail
    page = strict_page
    firm = firm_with_portals()
    staff_member("admin", "Administrator")
    piotr = user_on_two_portals(firm)
    active_portal_user(
        firm.ado, firm.client, "anna@example.com", "Anna", "Księgowa", [firm.invoices_portal]
    )
    for i in range(30):  # other clients: the chooser starts on the firm's client anyway
        services.create_portal(firm.ado, ClientFactory(name=f"Klient {i:02} S.A."), "Dokumenty")
    protocol = DocumentFactory(title="Protokół ze zgromadzenia wspólników")
    admin_login(page, "admin")

    # The client card: its tabs, on the "Panel klienta" tab.
    page.goto(reverse("clientportal_portals:client", args=[firm.client.pk]))
    expect(page.get_by_role("tab", name="Panel klienta", selected=True)).to_be_visible()
    expect(page.get_by_role("tab", name="Dane klienta")).to_be_visible()
    expect(page.get_by_role("link", name="Usuń panel klienta Faktury")).to_be_visible()
    screenshot(page, "admin-portal-tab")

    # "Użytkownicy PK" with one row's "⋯" menu open.
    page.get_by_role("tab", name="Użytkownicy PK").click()
    expect(page.get_by_role("tab", name="Użytkownicy PK", selected=True)).to_be_visible()
    row = page.get_by_role("row", name=re.compile(piotr.email))
    row.get_by_role("button", name=re.compile("Więcej opcji")).click()
    expect(row.get_by_role("link", name="Zablokuj")).to_be_visible()
    screenshot(page, "admin-portal-users-menu", full_page=False)
    page.keyboard.press("Escape")

    # Wagtail's documents listing with the "Udostępniono" column.
    page.goto("/admin/documents/")
    expect(page.get_by_role("columnheader", name="Udostępniono")).to_be_visible()
    shared_row = page.get_by_role("row", name=re.compile(re.escape(firm.docs[0].title)))
    expect(shared_row).to_contain_text("1")
    screenshot(page, "admin-documents-shared")

    # Share two documents: the chooser starts on their client (they are shared there).
    for title in (firm.docs[1].title, protocol.title):
        page.get_by_role("row", name=re.compile(re.escape(title))).get_by_role("checkbox").check()
    page.locator("[data-bulk-action-button]", has_text="Dodaj udostępnienie").click()
    expect(page.get_by_role("heading", name="Dodaj udostępnienie")).to_be_visible()
    page.get_by_role("button", name="Wybierz panele klienta").click()
    modal = page.locator(".modal-content")
    expect(modal.get_by_role("heading", name="Wybierz panele klienta")).to_be_visible()
    expect(modal.get_by_role("combobox", name="Klient")).to_have_value(str(firm.client.pk))
    expect(modal.get_by_role("row", name=re.compile("Faktury"))).to_contain_text(
        "2 użytkowników PK"
    )
    expect(modal.get_by_text("Klient 00 S.A.")).to_have_count(0)
    modal.get_by_role("checkbox", name=re.compile("Faktury")).check()
    screenshot(page, "admin-portal-chooser", full_page=False)
    # Searching all clients on the server: the other clients' portals are there too.
    modal.get_by_role("combobox", name="Klient").select_option("")
    modal.get_by_role("textbox", name="Szukaj według nazwy klienta lub panelu").fill("klient 07")
    expect(modal.get_by_role("row", name=re.compile("Klient 07 S.A."))).to_be_visible()
    modal.get_by_role("textbox", name="Szukaj według nazwy klienta lub panelu").fill("")
    modal.get_by_role("combobox", name="Klient").select_option(str(firm.client.pk))
    expect(modal.locator("tbody tr")).to_have_count(2)  # the firm's client's two portals again
    modal.get_by_role("checkbox", name=re.compile("Faktury")).check()
    modal.get_by_role("button", name="Potwierdź zaznaczenie").click()
    expect(modal).to_have_count(0)
    chosen = page.locator("[data-clientportal-portals] li")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text(f"Faktury — {firm.client.name} (2 użytkowników PK)")
    screenshot(page, "admin-share-dialog")
    page.get_by_role("button", name="Udostępnij").click()
    expect(page.get_by_text("w panelu „Faktury”")).to_be_visible()
    shared = Share.objects.active().filter(portal=firm.invoices_portal, document__isnull=False)
    assert {s.document_id for s in shared} == {firm.docs[1].pk, protocol.pk}

    # Every other page the package adds, once, for JavaScript errors.
    for url in (
        reverse("clientportal_clients:index"),
        reverse("clientportal_clients:edit", args=[firm.client.pk]),
        reverse("clientportal_portals:index"),
        reverse("clientportal_portals:detail", args=[firm.invoices_portal.pk]),
        reverse("clientportal_portals:edit", args=[firm.invoices_portal.pk]),
        reverse("clientportal_portals:delete", args=[firm.invoices_portal.pk]),
        f"{reverse('clientportal_portals:add')}?client={firm.client.pk}",
        reverse("clientportal_portal_users:index"),
        reverse("clientportal_portal_users:portal", args=[firm.invoices_portal.pk]),
        f"{reverse('clientportal_portal_users:add')}?client={firm.client.pk}",
        reverse("clientportal_portal_users:edit", args=[piotr.pk]),
        reverse("clientportal_portal_users:delete", args=[piotr.pk]),
        reverse("clientportal_shares:list"),
        reverse("clientportal_notifications:list"),
        reverse("clientportal_invoices:list"),
        "/admin/",
    ):
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
