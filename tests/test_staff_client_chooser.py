"""The client filter of staff listings is Wagtail's chooser, not a <select> of every client."""

import json

import pytest
from django.urls import reverse

from tests.factories import ClientFactory, InvoiceFactory, PortalFactory
from wagtail_clientportal.test_utils import staff_user

LISTINGS = [
    "clientportal_shares:list",
    "clientportal_invoices:list",
    "clientportal_portals:index",
    "clientportal_portal_users:index",
]


@pytest.mark.parametrize("url_name", LISTINGS)
def test_listing_does_not_render_every_client(client, administrator, url_name):
    ClientFactory.create_batch(30)
    hidden = ClientFactory(name="Zeta Nieużywana Sp. z o.o.")
    client.force_login(administrator)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "Zeta Nieużywana" not in response.text
    assert reverse("clientportal_client_chooser:choose") in response.text
    # The chosen client is rendered (by name) when the listing is filtered by it.
    response = client.get(reverse(url_name), {"client": hidden.pk})
    assert response.status_code == 200
    assert "Zeta Nieużywana" in response.text


@pytest.mark.parametrize("value", ["abc", "999999", "-1", "1e9"])
def test_bad_client_id_is_not_a_500(client, administrator, value):
    client.force_login(administrator)
    response = client.get(reverse("clientportal_invoices:list"), {"client": value})
    assert response.status_code == 200


def test_filter_keeps_only_the_chosen_clients_rows(client, administrator, client_a, client_b):
    mine = InvoiceFactory(client=client_a, number="FV/ALFA/1")
    other = InvoiceFactory(client=client_b, number="FV/BETA/1")
    client.force_login(administrator)
    text = client.get(reverse("clientportal_invoices:list"), {"client": client_a.pk}).text
    assert mine.number in text
    assert other.number not in text


def test_chooser_searches_by_name_and_nip_and_pages(client, editor):
    ClientFactory.create_batch(45, name="Klient seryjny")
    wanted = ClientFactory(name="Omega S.A.", nip="5265877635")
    client.force_login(editor)
    url = reverse("clientportal_client_chooser:choose_results")
    first = client.get(url)
    assert first.status_code == 200
    assert first.context["results"].paginator.num_pages == 3  # 46 clients, 20 a page
    by_nip = client.get(url, {"q": "52658"})
    assert [c.pk for c in by_nip.context["results"]] == [wanted.pk]
    by_name = client.get(url, {"q": "omega"})
    assert [c.pk for c in by_name.context["results"]] == [wanted.pk]
    modal = client.get(reverse("clientportal_client_chooser:choose"))
    assert modal.status_code == 200


def test_chosen_returns_the_client(client, editor, client_a):
    client.force_login(editor)
    response = client.get(reverse("clientportal_client_chooser:chosen", args=[client_a.pk]))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["step"] == "chosen"
    assert data["result"]["title"] == client_a.name


@pytest.mark.parametrize("value", ["abc", "²", "0", str(10**30)])
def test_chosen_with_a_bad_id_is_a_404_not_a_500(client, editor, value):
    client.force_login(editor)
    response = client.get(reverse("clientportal_client_chooser:chosen", args=[value]))
    assert response.status_code == 404


@pytest.mark.parametrize("view", ["choose", "choose_results"])
def test_staff_without_portal_permissions_cannot_list_clients(client, nobody, view):
    ClientFactory(name="Tajny Klient")
    client.force_login(nobody)
    response = client.get(reverse(f"clientportal_client_chooser:{view}"))
    assert response.status_code in (302, 403)
    assert "Tajny Klient" not in response.content.decode()


def test_chosen_refused_without_permission(client, nobody, client_a):
    client.force_login(nobody)
    response = client.get(reverse("clientportal_client_chooser:chosen", args=[client_a.pk]))
    assert response.status_code in (302, 403)
    assert client_a.name not in response.content.decode()


def test_anonymous_is_sent_to_the_admin_login(client, client_a):
    response = client.get(reverse("clientportal_client_chooser:choose"))
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]


def test_listing_queries_constant_with_clients(
    client, administrator, django_assert_max_num_queries
):
    PortalFactory.create_batch(5)
    client.force_login(administrator)
    url = reverse("clientportal_portals:index")
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    ClientFactory.create_batch(300)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.content) < 200_000


PORTAL_FILTERED = [
    ("clientportal_shares:list", "portal"),
    ("clientportal_portal_users:index", "portals"),
    ("wagtaildocs:index", "shared_portal"),
]


@pytest.mark.parametrize("url_name, parameter", PORTAL_FILTERED)
def test_portal_filter_does_not_render_every_portal(client, db, url_name, parameter):
    PortalFactory.create_batch(20)
    hidden = PortalFactory(name="Panel Niewidoczny")
    client.force_login(staff_user("root", superuser=True))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "Panel Niewidoczny" not in response.text
    assert reverse("clientportal_portal_filter_chooser:choose") in response.text
    chosen = client.get(reverse(url_name), {parameter: hidden.pk})
    assert chosen.status_code == 200
    assert "Panel Niewidoczny" in chosen.text
    assert client.get(reverse(url_name), {parameter: "x"}).status_code == 200


def test_portal_chooser_searches_portal_and_client_names(client, editor, client_a):
    wanted = PortalFactory(client=client_a, name="Zarząd")
    PortalFactory.create_batch(5, name="Inny")
    client.force_login(editor)
    url = reverse("clientportal_portal_filter_chooser:choose_results")
    by_client = client.get(url, {"q": "alfa"})
    assert [p.pk for p in by_client.context["results"]] == [wanted.pk]
    by_name = client.get(url, {"q": "zarz"})
    assert [p.pk for p in by_name.context["results"]] == [wanted.pk]
    chosen = client.get(reverse("clientportal_portal_filter_chooser:chosen", args=[wanted.pk]))
    result = json.loads(chosen.content)["result"]
    assert (result["title"], result["client"]) == ("Zarząd", "Alfa Sp. z o.o.")


def test_portal_chooser_refused_without_permission(client, nobody, portal_a):
    client.force_login(nobody)
    for view, args in (("choose", []), ("choose_results", []), ("chosen", [portal_a.pk])):
        url = reverse(f"clientportal_portal_filter_chooser:{view}", args=args)
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert portal_a.name not in response.content.decode()


@pytest.mark.parametrize("value", ["²", "abc", "99999999999999999999", ""])
def test_odd_portal_ids_on_the_add_form_and_select_all_are_not_a_500(
    client, administrator, client_a, member, value
):
    from tests import staff_urls

    client.force_login(administrator)
    add = f"{reverse('clientportal_portal_users:add')}?client={client_a.pk}&portal={value}"
    assert client.get(add).status_code == 200
    url = reverse("wagtail_bulk_action", args=("wagtail_clientportal", "portaluser", "block"))
    for parent in (f"client-{value}", f"portal-{value}"):
        response = client.get(f"{url}?id=all&childOf={parent}")
        assert response.status_code in (200, 302)
    assert staff_urls.users_tab(client_a)
