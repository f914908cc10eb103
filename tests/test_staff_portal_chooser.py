"""The share dialog's portal chooser (Wagtail's chooser modal): search, client filter, pages,
user counts, permission, bounded queries, and sharing with the ids it returns."""

import pytest
from django.urls import reverse
from wagtail import hooks

from tests.factories import ClientFactory, DocumentFactory, InvoiceFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import Client, Portal, Share

pytestmark = pytest.mark.django_db

CHOOSE = "clientportal_portal_chooser:choose"
RESULTS = "clientportal_portal_chooser:choose_results"
CHOSEN = "clientportal_portal_chooser:chosen_multiple"


@pytest.fixture(autouse=True)
def _editor_sees_documents(editor):
    """Wagtail grants documents per collection; the editor may choose those in the root."""
    from django.contrib.auth.models import Permission
    from wagtail.models import Collection, GroupCollectionPermission

    GroupCollectionPermission.objects.create(
        group=editor.groups.get(),
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(
            content_type__app_label="wagtaildocs", codename="choose_document"
        ),
    )


def modal_html(response) -> str:
    """The chooser's HTML: a ModalWorkflow JSON answer (choose) or a fragment (results)."""
    assert response.status_code == 200
    if response["Content-Type"].startswith("application/json"):
        return response.json()["html"]
    return response.text


def share_url(docs, model="casedocument", app="testapp"):
    url = reverse("wagtail_bulk_action", args=[app, model, "clientportal_share"])
    return url + "?" + "&".join(f"id={d.pk}" for d in docs)


def test_chooser_lists_portals_with_client_and_user_count(
    client, editor, client_a, portal_a, portal_a2, portal_b
):
    PortalUserFactory.create_batch(2, client=client_a, portals=[portal_a])
    PortalUserFactory(client=client_a, portals=[portal_a2])
    client.force_login(editor)
    html = modal_html(client.get(reverse(CHOOSE), {"multiple": 1, "client": client_a.pk}))
    # Started on one client: its portals, ticks to choose several, each with its user count.
    assert f'name="id" value="{portal_a.pk}"' in html
    assert f'name="id" value="{portal_a2.pk}"' in html
    assert f'value="{portal_b.pk}"' not in html
    assert "2 użytkowników PK" in html and "1 użytkownik PK" in html
    assert "Zatwierdź wybór" in html or "data-multiple-choice-submit" in html
    # The client filter offers that client and "all clients", never a list of every client.
    assert html.count("<option") == 2
    assert client_a.name in html


def test_chooser_searches_clients_and_portals_on_the_server(
    client, editor, client_a, client_b, portal_a, portal_a2, portal_b
):
    client.force_login(editor)
    by_client = modal_html(client.get(reverse(RESULTS), {"multiple": 1, "q": "beta"}))
    assert f'value="{portal_b.pk}"' in by_client and f'value="{portal_a.pk}"' not in by_client
    # Every word must match the portal's or the client's name.
    words = modal_html(client.get(reverse(RESULTS), {"multiple": 1, "q": f"alfa {portal_a.name}"}))
    assert f'value="{portal_a.pk}"' in words and f'value="{portal_b.pk}"' not in words
    none = modal_html(client.get(reverse(RESULTS), {"q": "nic-takiego"}))
    assert "nic-takiego" in none and "<table" not in none
    # Nonsense client ids are ignored, not a 500.
    assert client.get(reverse(RESULTS), {"client": "abc"}).status_code == 200
    assert client.get(reverse(RESULTS), {"client": "99999999999999999999"}).status_code == 200


def test_chooser_pages_its_results(client, editor):
    customer = ClientFactory(name="Gamma")
    Portal.objects.bulk_create(Portal(client=customer, name=f"Sprawa {i:02}") for i in range(45))
    client.force_login(editor)
    first = modal_html(client.get(reverse(CHOOSE), {"multiple": 1}))
    assert first.count('name="id"') == 20
    last = modal_html(client.get(reverse(RESULTS), {"multiple": 1, "p": 3}))
    assert last.count('name="id"') == 5 and "Sprawa 44" in last
    assert "45 paneli klienta" in last  # the count in the language's plural form
    assert client.get(reverse(RESULTS), {"p": 9}).status_code == 404


def test_chooser_needs_the_share_permission(client, ado, nobody, portal_a):
    for user in (ado, nobody):
        client.force_login(user)
        for url in (reverse(CHOOSE), reverse(RESULTS), reverse(CHOSEN) + f"?id={portal_a.pk}"):
            assert client.get(url).status_code == 403
    client.logout()
    response = client.get(reverse(CHOOSE))
    assert response.status_code == 302 and reverse("wagtailadmin_login") in response["Location"]


def test_chosen_portals_come_back_with_client_and_user_count(
    client, editor, client_a, portal_a, portal_b
):
    PortalUserFactory(client=client_a, portals=[portal_a])
    client.force_login(editor)
    query = f"?id={portal_b.pk}&id={portal_a.pk}&id=abc&id=999999"
    data = client.get(reverse(CHOSEN) + query).json()
    assert data["step"] == "chosen"
    assert [r["id"] for r in data["result"]] == [str(portal_a.pk), str(portal_b.pk)]
    assert data["result"][0] == {
        "id": str(portal_a.pk),
        "title": portal_a.name,
        "client": client_a.name,
        "users": "1 użytkownik PK",
        "edit_url": "",
    }


def _portals(n: int) -> None:
    clients = Client.objects.bulk_create(Client(name=f"Klient {i:04}") for i in range(n))
    Portal.objects.bulk_create(Portal(client=c, name="Dokumenty") for c in clients)
    for customer in clients[:3]:
        PortalUserFactory(client=customer, portals=list(customer.portals.all()))


@pytest.mark.parametrize("url_name", [CHOOSE, RESULTS])
def test_chooser_queries_do_not_grow_with_portals(
    client, editor, url_name, django_assert_max_num_queries
):
    client.force_login(editor)
    _portals(10)
    with django_assert_max_num_queries(12) as small:
        html = modal_html(client.get(reverse(url_name), {"multiple": 1}))
    assert html.count('name="id"') == 10
    _portals(990)
    assert Portal.objects.count() == 1000
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        html = modal_html(client.get(reverse(url_name), {"multiple": 1, "q": "klient"}))
    assert html.count('name="id"') == 20  # one page, not a thousand rows
    assert len(large.captured_queries) == len(small.captured_queries)


def test_share_form_with_a_thousand_portals_renders_none_of_them(
    client, editor, document, django_assert_max_num_queries
):
    _portals(1000)
    client.force_login(editor)
    with django_assert_max_num_queries(30):
        response = client.get(share_url([document]))
    assert response.status_code == 200
    assert "Klient 0999" not in response.text and "Klient 0000" not in response.text


def test_sharing_with_the_portals_the_chooser_returned(
    client, editor, administrator, client_a, portal_a, portal_b
):
    document = DocumentFactory()
    client.force_login(editor)
    chosen = client.get(reverse(CHOSEN) + f"?id={portal_a.pk}&id={portal_b.pk}").json()
    ids = [r["id"] for r in chosen["result"]]
    # A refused POST shows the chosen portals again (name, client), and only those.
    again = client.post(share_url([document]), {"portals": ids, "expires_at": "2020-01-01 10:00"})
    assert again.status_code == 200 and "expires_at" in again.context["form"].errors
    for portal in (portal_a, portal_b):
        assert f'name="portals" value="{portal.pk}"' in again.text
        assert portal.client.name in again.text
    response = client.post(share_url([document]), {"portals": ids, "mode": "live"})
    assert response.status_code == 302
    assert set(Share.objects.active().values_list("portal", flat=True)) == {
        portal_a.pk,
        portal_b.pk,
    }


def test_chooser_starts_on_the_client_of_the_selected_items(
    client, editor, administrator, client_a, portal_a, portal_b
):
    client.force_login(editor)
    invoice = InvoiceFactory(client=client_a)
    form = client.get(share_url([invoice], "invoice", "wagtail_clientportal")).context["form"]
    assert form.fields["portals"].widget.client_id == client_a.pk
    # Documents have no owner: the client where they are already shared, when only one.
    docs = DocumentFactory.create_batch(2)
    services.share_items(administrator, [portal_a], docs)
    form = client.get(share_url(docs)).context["form"]
    assert form.fields["portals"].widget.client_id == client_a.pk
    assert f'data-client="{client_a.pk}"' in client.get(share_url(docs)).text
    services.share_items(administrator, [portal_b], docs[:1])
    assert client.get(share_url(docs)).context["form"].fields["portals"].widget.client_id is None


def test_posted_portal_ids_are_still_checked_by_the_service(
    client, editor, nobody, client_a, portal_a, portal_b
):
    """The chooser only offers; a hand-made POST meets the same checks as before."""
    invoice = InvoiceFactory(client=client_a)
    url = share_url([invoice], "invoice", "wagtail_clientportal")
    client.force_login(editor)
    # Another client's portal for this client's invoice: refused by share_items.
    response = client.post(url, {"portals": [portal_b.pk]})
    assert response.status_code == 200
    assert "portals" in response.context["form"].errors
    # A portal the host's policy refuses (the clientportal_before_share hook).
    document = DocumentFactory()

    def no_portal_b(actor, portals, items):
        return "Nie do tego panelu." if portal_b in portals else None

    with hooks.register_temporarily("clientportal_before_share", no_portal_b):
        response = client.post(
            share_url([document]), {"portals": [portal_a.pk, portal_b.pk], "mode": "live"}
        )
    assert response.status_code == 200 and "Nie do tego panelu." in response.text
    assert not Share.objects.exists()
    # Without the share permission: 403 before any form.
    client.force_login(nobody)
    response = client.post(share_url([document]), {"portals": [portal_a.pk], "mode": "live"})
    assert response.status_code == 403
    assert not Share.objects.exists()


def test_portal_and_client_names_are_escaped_in_chooser_and_dialog(client, editor):
    customer = ClientFactory(name="<b>Klient</b>")
    portal = Portal.objects.create(client=customer, name='<img src=x onerror="alert(1)">')
    document = DocumentFactory()
    client.force_login(editor)
    html = modal_html(client.get(reverse(CHOOSE), {"multiple": 1, "client": customer.pk}))
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "<b>Klient</b>" not in html
    # The dialog shown again after a refused POST lists the chosen portal, escaped.
    again = client.post(share_url([document]), {"portals": [portal.pk], "mode": "nonsense"})
    assert again.status_code == 200
    assert "<img src=x" not in again.text and "&lt;img src=x" in again.text
