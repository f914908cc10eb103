"""Portals and portal users on Wagtail's viewsets: scoped listings, row menu, bulk actions,
one menu group, and query counts that do not grow with the rows."""

import pytest
from django.urls import reverse

from tests import staff_urls
from tests.factories import ClientFactory, PortalFactory, PortalUserFactory
from wagtail_clientportal.models import Portal, PortalUser

pytestmark = pytest.mark.django_db


def test_portal_page_has_its_own_users_tab(client, ado, client_a, portal_a, portal_a2):
    here = PortalUserFactory(client=client_a, portals=[portal_a], last_name="Tutaj")
    elsewhere = PortalUserFactory(client=client_a, portals=[portal_a2], last_name="Gdzieindziej")
    client.force_login(ado)
    response = client.get(staff_urls.portal_users_tab(portal_a))
    assert response.status_code == 200
    assert list(response.context["object_list"]) == [here]
    # "+" adds a user with this portal preselected; the tabs lead back to the shares.
    add = staff_urls.portal_user_add(client_a, portal=portal_a)
    assert add.replace("&", "&amp;") in response.text
    assert staff_urls.portal_page(portal_a) in response.text
    form = client.get(add).context["form"]
    assert form.initial["portals"] == [portal_a.pk]
    # The client-level tab lists everyone.
    everyone = client.get(staff_urls.users_tab(client_a)).context["object_list"]
    assert {pu.pk for pu in everyone} == {here.pk, elsewhere.pk}


def test_row_menu_offers_the_actions_that_apply(client, ado, client_a, portal_a):
    invited = PortalUserFactory(client=client_a, portals=[portal_a], activated_at=None)
    client.force_login(ado)
    text = client.get(staff_urls.users_tab(client_a)).text
    assert "icon-dots-horizontal" in text
    assert staff_urls.portal_user_edit(invited) in text
    assert staff_urls.portal_user_delete(invited) in text
    for action in ("resend", "block"):
        assert staff_urls.portal_user_action(action, invited).split("?")[0] in text
    # The bulk-action footer with Wagtail's select-all checkbox.
    assert "data-bulk-action-footer" in text and "data-bulk-action-select-all-checkbox" in text


def test_bulk_block_unblock_and_delete_several_users(client, ado, client_a, portal_a):
    users = PortalUserFactory.create_batch(3, client=client_a, portals=[portal_a])
    client.force_login(ado)
    assert client.post(staff_urls.portal_user_action("block", *users)).status_code == 302
    assert PortalUser.objects.filter(is_blocked=True).count() == 3
    assert client.post(staff_urls.portal_user_action("unblock", *users[:2])).status_code == 302
    assert PortalUser.objects.filter(is_blocked=True).count() == 1
    page = client.get(staff_urls.portal_user_action("delete", *users))
    assert page.status_code == 200 and len(page.context["items"]) == 3
    assert client.post(staff_urls.portal_user_action("delete", *users)).status_code == 302
    assert not PortalUser.objects.exists()


def test_bulk_resend_sends_only_to_invited(
    client, ado, client_a, portal_a, member, mailoutbox, django_capture_on_commit_callbacks
):
    invited = PortalUserFactory(client=client_a, portals=[portal_a], activated_at=None)
    client.force_login(ado)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(staff_urls.portal_user_action("resend", invited, member))
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[invited.email]]


def test_select_all_on_a_client_tab_stays_within_the_client(
    client, ado, client_a, client_b, portal_a, portal_b
):
    mine = PortalUserFactory(client=client_a, portals=[portal_a])
    other = PortalUserFactory(client=client_b, portals=[portal_b])
    client.force_login(ado)
    url = reverse("wagtail_bulk_action", args=("wagtail_clientportal", "portaluser", "block"))
    response = client.post(f"{url}?id=all&childOf=client-{client_a.pk}")
    assert response.status_code == 302
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.is_blocked and not other.is_blocked


def test_editor_sees_users_without_actions_and_cannot_bulk(client, editor, client_a, member):
    client.force_login(editor)
    response = client.get(staff_urls.users_tab(client_a))
    assert response.status_code == 200
    assert "data-bulk-action-checkbox" not in response.text
    # No row menu in the listing (the client filter's chooser widget has its own "⋯").
    table = response.text[response.text.index("<table") : response.text.index("</table>")]
    assert "icon-dots-horizontal" not in table
    assert staff_urls.portal_user_edit(member) not in response.text
    assert client.post(staff_urls.portal_user_action("delete", member)).status_code == 403
    assert PortalUser.objects.filter(pk=member.pk).exists()


def test_listings_search_filter_and_order(client, ado, client_a, client_b, portal_a, portal_b):
    PortalUserFactory(client=client_a, portals=[portal_a], last_name="Kowalska")
    PortalUserFactory(client=client_b, portals=[portal_b], last_name="Nowak", is_blocked=True)
    client.force_login(ado)
    index = reverse("clientportal_portal_users:index")
    names = lambda r: [pu.last_name for pu in r.context["object_list"]]  # noqa: E731
    assert names(client.get(index, {"q": "Kowal"})) == ["Kowalska"]
    assert names(client.get(index, {"status": "blocked"})) == ["Nowak"]
    assert names(client.get(index, {"client": client_b.pk})) == ["Nowak"]
    assert names(client.get(index, {"ordering": "-last_name"})) == ["Nowak", "Kowalska"]
    portals = client.get(reverse("clientportal_portals:index"), {"q": "Beta"})
    assert list(portals.context["object_list"]) == [portal_b]


def test_one_menu_group_holds_the_package(client, administrator):
    client.force_login(administrator)
    text = client.get(reverse("wagtailadmin_home")).text
    assert "Panel klienta" in text
    for name in (
        "clientportal_clients:index",
        "clientportal_portals:index",
        "clientportal_portal_users:index",
        "clientportal_invoices:list",
        "clientportal_shares:list",
        "clientportal_notifications:list",
    ):
        assert reverse(name) in text


def _rows(n):
    for i in range(n):
        customer = ClientFactory(name=f"Klient {i:04}")
        portal = PortalFactory(client=customer, name="Dokumenty")
        PortalUserFactory(client=customer, portals=[portal])


@pytest.mark.parametrize(
    "url_name", ["clientportal_portal_users:index", "clientportal_portals:index"]
)
def test_listing_queries_do_not_grow_with_rows(
    client, ado, url_name, django_assert_max_num_queries
):
    client.force_login(ado)
    _rows(10)
    with django_assert_max_num_queries(25) as small:
        assert client.get(reverse(url_name)).status_code == 200
    _rows(990)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert client.get(reverse(url_name)).status_code == 200
    assert Portal.objects.count() == 1000
    assert len(large.captured_queries) == len(small.captured_queries)


def test_scoped_tabs_queries_do_not_grow_with_users(
    client, ado, client_a, portal_a, django_assert_max_num_queries
):
    client.force_login(ado)
    PortalUserFactory.create_batch(10, client=client_a, portals=[portal_a])
    with django_assert_max_num_queries(30) as small:
        client.get(staff_urls.users_tab(client_a))
    PortalUserFactory.create_batch(40, client=client_a, portals=[portal_a])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(staff_urls.users_tab(client_a))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(staff_urls.portal_users_tab(portal_a))


def test_delete_portal_confirmation_agrees_with_one_person(client, ado, client_a, portal_a):
    PortalUserFactory(client=client_a, portals=[portal_a])
    client.force_login(ado)
    text = client.get(staff_urls.portal_delete(portal_a)).text
    assert "Ten użytkownik PK zostanie usunięty" in text
    assert "Ci użytkownicy PK" not in text


def _group_editor_post(client, group, permissions):
    """What Wagtail's group editor sends: every field of the page as rendered, ours ticked."""
    from bs4 import BeautifulSoup

    url = reverse("wagtailusers_groups:edit", args=[group.pk])
    soup = BeautifulSoup(client.get(url).text, "html.parser")
    form = soup.find("form", attrs={"method": "POST"})
    data = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.get("type") in ("checkbox", "submit"):
            continue
        data[name] = field.get("value", "")
    data["permissions"] = [str(p.pk) for p in permissions]
    return client.post(url, data)


def test_package_permissions_are_in_wagtails_group_editor_and_work(client, client_a):
    from django.contrib.auth.models import Group, Permission

    from tests.factories import UserFactory

    superuser = UserFactory(username="root@kancelaria.pl", is_superuser=True)
    group = Group.objects.create(name="Sekretariat")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    staff = UserFactory(username="sekretariat@kancelaria.pl")
    staff.groups.add(group)
    client.force_login(superuser)
    editor_page = client.get(reverse("wagtailusers_groups:edit", args=[group.pk]))
    offered = set(
        editor_page.context["form"]
        .fields["permissions"]
        .queryset.values_list("codename", flat=True)
    )
    assert {"manage_portals", "manage_portal_users", "share_items"} <= offered
    # Tickboxes the package refuses anyway are not offered.
    assert not {"add_share", "change_share", "delete_share", "add_notification"} & offered
    assert not {"add_portal", "add_portaluser"} & offered

    client.force_login(staff)
    assert client.get(staff_urls.portal_add(client_a)).status_code == 403
    client.force_login(superuser)
    response = _group_editor_post(
        client, group, Permission.objects.filter(codename__in=["access_admin", "manage_portals"])
    )
    assert response.status_code == 302, response.context["form"].errors
    client.force_login(staff)
    staff = type(staff).objects.get(pk=staff.pk)  # a fresh permission cache
    assert client.get(staff_urls.portal_add(client_a)).status_code == 200
    assert client.post(staff_urls.portal_add(client_a), {"name": "Nowy"}).status_code == 302
    assert client_a.portals.filter(name="Nowy").exists()


def test_the_menu_group_links_the_receipt_verification_for_portal_staff_only(
    client, administrator, nobody
):
    url = reverse("clientportal_staff:verify_receipt")
    client.force_login(administrator)
    assert url in client.get(reverse("wagtailadmin_home")).text
    client.force_login(nobody)
    assert url not in client.get(reverse("wagtailadmin_home")).text


@pytest.mark.parametrize("url_name", ["clientportal_portals:add", "clientportal_portal_users:add"])
@pytest.mark.parametrize("value", ["", "abc", "²", "99999999999999999999", "999999"])
def test_add_pages_without_a_real_client_are_404(client, administrator, url_name, value):
    client.force_login(administrator)
    assert client.get(reverse(url_name), {"client": value}).status_code == 404


def _routes(resolver=None, prefix=""):
    from django.urls import URLResolver, get_resolver

    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, route)
        else:
            view = getattr(pattern.callback, "view_class", pattern.callback)
            yield route, view.__module__


def test_huge_ids_in_staff_urls_are_not_errors(client, superuser_client_login):
    """Numbers no 64-bit key holds: no row (404), not a database overflow (500)."""
    import re

    huge = str(2**63)
    ids = r"<(?:int|cp_id):\w+>"
    routes = [
        route
        for route, module in _routes()
        if module.startswith("wagtail_clientportal.staff") and re.search(ids, route)
    ]
    assert len(routes) >= 10
    for route in routes:
        url = "/" + re.sub(ids, huge, re.sub(r"<str:\w+>", "document", route))
        # (An unmatched path without its slash is redirected to one first: APPEND_SLASH.)
        assert client.get(url, follow=True).status_code == 404, url
        small = "/" + re.sub(ids, "999999", re.sub(r"<str:\w+>", "document", route))
        assert client.get(small).status_code in (403, 404, 405), small


@pytest.fixture
def superuser_client_login(client, django_user_model):
    email = "root@kancelaria.pl"
    user = django_user_model.objects.create_superuser(email, email, "x")
    client.force_login(user)
    return user
