"""Staff side: the "Klienci" area and the client card tabs, through the real admin URLs."""

import pytest
from django.urls import reverse

from tests import staff_urls
from tests.factories import ClientFactory, PortalUserFactory, UserFactory
from wagtail_clientportal.models import Client, Portal, PortalUser

pytestmark = pytest.mark.django_db


def test_clients_listing_search_and_filters(client, administrator, client_a, client_b, portal_a):
    ClientFactory(name="Gamma", is_active=False)
    client.force_login(administrator)
    url = reverse("clientportal_clients:index")
    response = client.get(url)
    assert response.status_code == 200
    assert "Alfa Sp. z o.o." in response.text and "Beta S.A." in response.text
    assert "icon-check" in response.text and "<td>True</td>" not in response.text  # an icon
    response = client.get(url, {"q": "Alfa"})
    assert "Alfa Sp. z o.o." in response.text and "Beta S.A." not in response.text
    response = client.get(url, {"has_portals": "true"})
    assert "Alfa Sp. z o.o." in response.text and "Beta S.A." not in response.text
    response = client.get(url, {"is_active": "false"})
    assert "Gamma" in response.text and "Beta S.A." not in response.text


def test_menu_shows_clients_only_to_portal_staff(client, administrator, editor, nobody):
    client.force_login(administrator)
    assert reverse("clientportal_clients:index") in client.get(reverse("wagtailadmin_home")).text
    client.force_login(nobody)
    assert (
        reverse("clientportal_clients:index") not in client.get(reverse("wagtailadmin_home")).text
    )
    assert client.get(reverse("clientportal_clients:index")).status_code in (302, 403)


def test_create_and_edit_client(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("clientportal_clients:add"),
        {"name": "Delta Sp. z o.o.", "kind": "company", "is_active": "on"},
    )
    assert response.status_code == 302, response.text
    delta = Client.objects.get(name="Delta Sp. z o.o.")
    response = client.post(
        reverse("clientportal_clients:edit", args=[delta.pk]),
        {"name": "Delta S.A.", "kind": "company", "nip": "123"},
    )
    assert response.status_code == 200  # invalid NIP: form error, nothing written
    delta.refresh_from_db()
    assert delta.name == "Delta Sp. z o.o."
    response = client.get(reverse("clientportal_clients:edit", args=[delta.pk]))
    # The client card's tabs: client data, Panel klienta, Użytkownicy PK.
    assert staff_urls.portals_tab(delta.pk) in response.text
    assert reverse("clientportal_portal_users:client", args=[delta.pk]) in response.text
    assert "Użytkownicy PK" in response.text


# --- Panel klienta ---------------------------------------------------------------------------


def portals_url(c):
    return staff_urls.portals_tab(c.pk)


def test_portals_tab_shows_details_box(client, editor, client_a, portal_a, member, administrator):
    portal_a.created_by = administrator
    portal_a.save()
    client.force_login(editor)
    response = client.get(portals_url(client_a))
    assert response.status_code == 200
    assert "Dokumenty" in response.text
    assert "Panel klienta" in response.text
    # Editors see no "+" and no trash icon.
    assert staff_urls.portal_delete(portal_a.pk) not in response.text


@pytest.mark.parametrize("who", ["administrator", "ado"])
def test_manager_creates_renames_and_deletes_portal(request, client, who, client_a):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.post(
        staff_urls.portal_add(client_a), {"name": "Spory", "description": "Sprawy"}
    )
    assert response.status_code == 302
    portal = Portal.objects.get(client=client_a, name="Spory")
    assert portal.created_by == user and portal.description == "Sprawy"

    response = client.post(
        staff_urls.portal_edit(portal.pk),
        {"name": "Spory sądowe", "description": ""},
    )
    assert response.status_code == 302
    portal.refresh_from_db()
    assert portal.name == "Spory sądowe"

    delete_url = staff_urls.portal_delete(portal.pk)
    assert client.get(delete_url).status_code == 200
    assert client.post(delete_url).status_code == 302
    assert not Portal.objects.filter(pk=portal.pk).exists()


def test_editor_gets_403_for_portal_create_and_delete(client, editor, client_a, portal_a):
    client.force_login(editor)
    assert client.get(staff_urls.portal_add(client_a)).status_code == 403
    assert client.post(staff_urls.portal_add(client_a), {"name": "Nowy"}).status_code == 403
    delete_url = staff_urls.portal_delete(portal_a.pk)
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url).status_code == 403
    rename_url = staff_urls.portal_edit(portal_a.pk)
    assert client.post(rename_url, {"name": "X"}).status_code == 403
    assert list(Portal.objects.values_list("name", flat=True)) == ["Dokumenty"]


@pytest.mark.parametrize("name", ["", "   ", "dokumenty"])
def test_bad_portal_name_is_a_form_error(client, administrator, client_a, portal_a, name):
    client.force_login(administrator)
    response = client.post(staff_urls.portal_add(client_a), {"name": name})
    assert response.status_code == 200
    assert 'class="error-message"' in response.text or "error" in response.text
    assert Portal.objects.count() == 1


def test_duplicate_portal_name_message_is_translated(client, administrator, client_a, portal_a):
    client.force_login(administrator)
    response = client.post(staff_urls.portal_add(client_a), {"name": "Dokumenty"})
    assert "Ten klient ma już panel o tej nazwie" in response.text or "już" in response.text


def test_unknown_ids_are_404(client, administrator):
    client.force_login(administrator)
    assert client.get(staff_urls.portals_tab(999)).status_code == 404
    assert client.post(staff_urls.portal_delete(999)).status_code == 404
    assert client.get(reverse("clientportal_portals:detail", args=[999])).status_code == 404


def test_delete_confirmation_states_consequences(
    client, administrator, client_a, portal_a, portal_a2
):
    only_here = PortalUserFactory(
        client=client_a, portals=[portal_a], first_name="Jan", last_name="Kowalski"
    )
    both = PortalUserFactory(
        client=client_a, portals=[portal_a, portal_a2], first_name="Ewa", last_name="Zając"
    )
    client.force_login(administrator)
    url = staff_urls.portal_delete(portal_a.pk)
    response = client.get(url)
    assert response.status_code == 200
    text = response.text
    assert "Jan Kowalski" in text and "Ewa Zając" in text
    assert "2 użytkowników PK straci dostęp" in text or "2 " in text
    response = client.post(url)
    assert response.status_code == 302
    assert not PortalUser.objects.filter(pk=only_here.pk).exists()
    assert list(PortalUser.objects.get(pk=both.pk).portals.all()) == [portal_a2]


def test_client_with_portals_cannot_be_deleted_but_an_empty_one_can(client, client_a, portal_a):
    superuser = UserFactory(username="root@kancelaria.pl", is_superuser=True)
    empty = ClientFactory(name="Pusty")
    client.force_login(superuser)
    response = client.post(reverse("clientportal_clients:delete", args=[client_a.pk]))
    assert response.status_code == 302
    assert Client.objects.filter(pk=client_a.pk).exists()
    assert client.post(reverse("clientportal_clients:delete", args=[empty.pk])).status_code == 302
    assert not Client.objects.filter(pk=empty.pk).exists()


def test_editor_opens_the_client_card_from_the_listing(client, editor, client_a):
    client.force_login(editor)
    text = client.get(reverse("clientportal_clients:index")).text
    assert staff_urls.portals_tab(client_a.pk) in text
    assert reverse("clientportal_clients:edit", args=[client_a.pk]) not in text


def test_portal_card_and_client_listing_counts(
    client, administrator, client_a, portal_a, portal_a2
):
    from tests.factories import DocumentFactory, PortalUserFactory
    from wagtail_clientportal import services

    PortalUserFactory.create_batch(2, client=client_a, portals=[portal_a])
    PortalUserFactory(client=client_a, portals=[portal_a, portal_a2])
    docs = DocumentFactory.create_batch(4)
    services.share_items(administrator, [portal_a], docs)
    services.revoke_items(administrator, docs[:1], portals=[portal_a])
    client.force_login(administrator)
    response = client.get(staff_urls.portals_tab(client_a.pk))
    counts = {p.name: (p.user_count, p.active_share_count) for p in response.context["portals"]}
    assert counts == {"Dokumenty": (3, 3), "Faktury": (1, 0)}
    listing = client.get(reverse("clientportal_clients:index"))
    [row] = [c for c in listing.context["object_list"] if c.pk == client_a.pk]
    assert (row.portal_count, row.user_count) == (2, 3)
