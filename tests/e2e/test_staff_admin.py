"""The firm's side in a browser: portals and portal users, sharing, revoking, deleting."""

import re

import pytest
from django.core import mail

from tests.factories import ClientFactory, DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import DocumentVersion, Notification, Portal, PortalUser, Share

from .conftest import (
    PORTAL_PASSWORD,
    active_portal_user,
    admin_login,
    expect,
    firm_with_portals,
    portal_login,
    record_axe,
    staff_member,
)

# serialized_rollback: Wagtail's migrations made rows (root collection, groups' collection
# permissions) that the live server's flush would otherwise take from the next test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLIENT = "Kowalczyk Budownictwo Sp. z o.o."


def open_clients(page):
    """The admin's menu: the "Panel klienta" group → Klienci."""
    page.goto("/admin/")
    page.get_by_role("button", name="Panel klienta").click()
    page.get_by_role("link", name="Klienci").click()


def open_client_card(page, name: str):
    """From the admin's menu: Klienci → the client → its card (client data tab)."""
    open_clients(page)
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_role("tab", name="Panel klienta")).to_be_visible()


def open_portals_tab(page, name: str):
    """Klienci → the client's "more options" menu → Panel klienta.

    Editors may not edit client data, so the client's name is not a link for them;
    the row's menu leads to the card's tabs for everyone.
    """
    open_clients(page)
    page.get_by_role("button", name=f"Więcej opcji dla '{name}'").click()
    page.get_by_role("link", name="Panel klienta").click()
    expect(page.get_by_role("tab", name="Panel klienta", selected=True)).to_be_visible()


def test_administrator_creates_portal_and_portal_user(page, new_page):
    staff_member("admin", "Administrator")
    client = ClientFactory(name=CLIENT)
    other = services.create_portal(
        staff_member("ado", "ADO"), client, "Dokumenty", "Umowy, opinie, protokoły."
    )
    admin_login(page, "admin")

    open_client_card(page, CLIENT)
    page.get_by_role("tab", name="Panel klienta").click()
    page.get_by_role("link", name="Dodaj panel klienta").click()
    page.get_by_label("Nazwa").fill("Faktury")
    page.get_by_label("Opis").fill("Faktury i zestawienia godzin.")
    page.get_by_role("button", name="Utwórz").click()
    expect(page.get_by_text("Utworzono panel klienta „Faktury”.")).to_be_visible()
    expect(page.get_by_role("heading", name="Faktury")).to_be_visible()
    portal = Portal.objects.get(client=client, name="Faktury")
    assert portal.created_by.username == "admin"

    page.get_by_role("tab", name="Użytkownicy PK").click()
    page.get_by_role("link", name="Dodaj użytkownika PK").click()
    page.get_by_label("Imię").fill("Anna")
    page.get_by_label("Nazwisko").fill("Księgowa")
    page.get_by_label("E-mail").fill("anna.ksiegowa@example.com")
    page.get_by_label("Faktury").check()
    page.get_by_role("button", name="Zapisz i wyślij e-mail aktywacyjny").click()
    expect(page.get_by_text("e-mail aktywacyjny wysłano na adres")).to_be_visible()
    expect(page.get_by_role("cell", name="anna.ksiegowa@example.com")).to_be_visible()

    portal_user = PortalUser.objects.get(user__email="anna.ksiegowa@example.com")
    assert list(portal_user.portals.all()) == [portal]
    page.get_by_role("tab", name="Panel klienta").click()
    expect(page.get_by_role("heading", name="Faktury")).to_be_visible()
    record_axe(page, "admin: portal tab")
    assert other not in portal_user.portals.all()
    activation = Notification.objects.get(recipient="anna.ksiegowa@example.com")
    assert (activation.kind, activation.status) == ("activation", "sent")
    [message] = [m for m in mail.outbox if m.to == ["anna.ksiegowa@example.com"]]
    link = re.search(r"https?://[^/\s]+(/portal/activate/\S+/)", message.body).group(1)
    # The email really left and its link works: Anna's own browser opens the activation form.
    anna = new_page()
    anna.goto(link)
    expect(anna.get_by_role("heading", name="Aktywacja konta")).to_be_visible()
    expect(anna.get_by_role("button", name="Ustaw hasło")).to_be_visible()


def test_editor_shares_three_documents_pinning_the_version(page):
    ado = staff_member("ado", "ADO")
    staff_member("redaktor", "Editors")
    client = ClientFactory(name=CLIENT)
    portal = services.create_portal(ado, client, "Faktury", "Faktury i zestawienia godzin.")
    services.create_portal(ado, ClientFactory(name="Jan Kowalski"), "Sprawa spadkowa")
    titles = ["Umowa o świadczenie usług prawnych", "Pełnomocnictwo", "Opinia prawna – spółka"]
    docs = [DocumentFactory(title=title) for title in titles]
    DocumentFactory(title="Protokół ze zgromadzenia wspólników")
    active_portal_user(ado, client, "anna@example.com", "Anna", "Księgowa", [portal])
    mail.outbox = []
    admin_login(page, "redaktor")

    page.get_by_role("link", name="Dokumenty").first.click()
    page.wait_for_url("**/admin/documents/")
    for title in titles:
        page.get_by_role("row", name=re.compile(re.escape(title))).get_by_role("checkbox").check()
    # The button's aria-label ("Udostępnij wybrane dokumenty…") differs from its text.
    page.locator("[data-bulk-action-button]", has_text="Dodaj udostępnienie").click()
    expect(page.get_by_role("heading", name="Dodaj udostępnienie")).to_be_visible()
    # Wagtail's chooser modal: every portal of every client, searched on the server.
    page.get_by_role("button", name="Wybierz panele klienta").click()
    modal = page.locator(".modal-content")
    modal.get_by_role("textbox", name="Szukaj według nazwy klienta lub panelu").fill("faktury")
    expect(modal.locator("tbody tr")).to_have_count(1)  # the search answered
    modal.get_by_role("checkbox", name=re.compile("Faktury")).check()
    modal.get_by_role("button", name="Potwierdź zaznaczenie").click()
    expect(page.locator("[data-clientportal-portals] li")).to_contain_text("Faktury")
    page.get_by_label("Bieżącą wersję, utrwaloną").check()
    record_axe(page, "admin: share")
    page.get_by_role("button", name="Udostępnij").click()
    expect(
        page.get_by_text("Udostępniono 3 utrwalone wersje dokumentów w panelu „Faktury”.")
    ).to_be_visible()

    shares = Share.objects.active().filter(portal=portal)
    assert shares.count() == 3
    assert {s.document_version.document_id for s in shares} == {d.pk for d in docs}
    assert {s.shared_by.username for s in shares} == {"redaktor"}
    assert DocumentVersion.objects.count() == 3
    # One message for the whole batch (DESIGN rule 5), through the outbox.
    expect(page.get_by_text("1 użytkownik PK otrzyma powiadomienie")).to_be_visible()
    [notification] = Notification.objects.filter(recipient="anna@example.com", kind="new_shares")
    assert notification.status == "sent"
    [message] = mail.outbox
    assert message.to == ["anna@example.com"]
    subject = message.subject.replace("\xa0", " ")  # no-break spaces after one-letter words
    assert subject.startswith("3 nowe pozycje w panelu klienta „Faktury”")


def test_editor_revokes_from_portal_tab_and_the_client_loses_it(new_page, screenshot):
    firm = firm_with_portals()
    active_portal_user(
        firm.ado, firm.client, "piotr@example.com", "Piotr", "Zarząd", [firm.documents_portal]
    )
    revoked_doc, kept = firm.docs[0], firm.docs[1:]
    revoked_share = firm.doc_shares[0]
    assert revoked_share.document == revoked_doc

    user = new_page()
    portal_login(user, "piotr@example.com")
    user.wait_for_url(f"**/portal/p/{firm.documents_portal.pk}/documents/")
    expect(user.locator("ul.item-list > li.item")).to_have_count(3)
    download_path = f"/portal/p/{firm.documents_portal.pk}/file/{revoked_share.pk}/"
    assert user.request.get(download_path).status == 200

    staff = new_page()
    admin_login(staff, "redaktor")
    open_portals_tab(staff, CLIENT)
    staff.get_by_role("main").get_by_role("heading", name="Dokumenty").get_by_role("link").click()
    expect(staff.get_by_role("heading", name="Dokumenty", exact=True)).to_be_visible()
    staff.get_by_role("checkbox", name=f"Zaznacz {revoked_doc.title}").check()
    screenshot(staff, "admin-portal-shares")
    staff.get_by_role("button", name="Cofnij udostępnienie").click()
    # The shares' bulk confirmation, then back on the portal's page.
    expect(staff.get_by_role("main").get_by_text(revoked_doc.title)).to_be_visible()
    staff.get_by_role("button", name="Cofnij udostępnienie").click()
    expect(staff.get_by_text("Cofnięto 1 udostępnienie.")).to_be_visible()
    staff.wait_for_url(f"**/clientportal/portals/{firm.documents_portal.pk}/")
    revoked_share.refresh_from_db()
    assert revoked_share.revoked_by.username == "redaktor"

    # The user's next page load: gone from the list, and its download URL is refused.
    user.reload()
    expect(user.locator("ul.item-list > li.item")).to_have_count(2)
    expect(user.get_by_role("link", name=revoked_doc.title)).to_have_count(0)
    for doc in kept:
        expect(user.get_by_role("link", name=doc.title, exact=True)).to_be_visible()
    response = user.request.get(download_path)
    assert response.status in (403, 404)
    assert revoked_doc.title.encode() not in response.body()


def test_ado_deletes_portal_its_only_user_can_no_longer_log_in(new_page):
    firm = firm_with_portals()
    only = active_portal_user(
        firm.ado, firm.client, "anna@example.com", "Anna", "Księgowa", [firm.documents_portal]
    )
    both = active_portal_user(
        firm.ado,
        firm.client,
        "piotr@example.com",
        "Piotr",
        "Zarząd",
        [firm.documents_portal, firm.invoices_portal],
    )
    user = new_page()
    portal_login(user, "anna@example.com")
    user.wait_for_url(f"**/portal/p/{firm.documents_portal.pk}/documents/")

    staff = new_page()
    admin_login(staff, "ado")
    open_client_card(staff, CLIENT)
    staff.get_by_role("tab", name="Panel klienta").click()
    staff.get_by_role("link", name="Usuń panel klienta Dokumenty").click()
    expect(staff.get_by_text("Anna Księgowa (anna@example.com)")).to_be_visible()
    staff.get_by_role("button", name="Tak, usuń panel klienta").click()
    expect(staff.get_by_text("Usunięto panel klienta „Dokumenty”")).to_be_visible()

    assert not Portal.objects.filter(pk=firm.documents_portal.pk).exists()
    assert not PortalUser.objects.filter(pk=only.pk).exists()
    assert list(PortalUser.objects.get(pk=both.pk).portals.all()) == [firm.invoices_portal]

    # Her open session shows nothing any more, and she cannot log in again.
    user.reload()
    expect(user.get_by_role("link", name=firm.docs[0].title)).to_have_count(0)
    user.goto("/portal/")
    user.get_by_label("Adres e-mail").fill("anna@example.com")
    user.get_by_label("Hasło").fill(PORTAL_PASSWORD)
    user.get_by_role("button", name="Dalej").click()
    expect(user.get_by_role("alert")).to_be_visible()
    assert "/portal/login/code/" not in user.url

    # The documents are still in Wagtail.
    staff.goto("/admin/documents/")
    for doc in firm.docs:
        expect(staff.get_by_role("link", name=doc.title, exact=True)).to_be_visible()
