"""Roles (DESIGN rule 2): the groups command, permission policies, hidden menus and 403s."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Collection, GroupCollectionPermission
from wagtail.permissions import policy_registry

from tests import staff_urls
from tests.factories import UserFactory
from wagtail_clientportal.models import Client, Share
from wagtail_clientportal.permissions import MANAGE_PORTAL_USERS, MANAGE_PORTALS, SHARE_ITEMS

pytestmark = pytest.mark.django_db


def user_in(group_name):
    user = UserFactory(username=f"{group_name.lower()}@kancelaria.pl")
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_roles_command_creates_groups_and_is_idempotent():
    call_command("clientportal_roles", stdout=None)
    call_command("clientportal_roles", stdout=None)
    for name in ("Administrator", "ADO"):
        user = user_in(name)
        assert user.has_perms(
            ["wagtailadmin.access_admin", MANAGE_PORTALS, MANAGE_PORTAL_USERS, SHARE_ITEMS]
        )
        # Document permissions are per collection in Wagtail, granted on the root.
        assert GroupCollectionPermission.objects.filter(
            group__name=name,
            collection=Collection.get_first_root_node(),
            permission__codename="change_document",
        ).exists()
        assert policy_registry.get_by_type(get_document_model()).user_has_permission(user, "change")
    editor = user_in("Editors")
    assert editor.has_perm(SHARE_ITEMS)
    assert not editor.has_perm(MANAGE_PORTALS) and not editor.has_perm(MANAGE_PORTAL_USERS)
    assert Group.objects.filter(name__in=["Administrator", "ADO"]).count() == 2


def test_roles_from_the_command_work_in_the_admin(client):
    call_command("clientportal_roles", stdout=None)
    client_a = Client.objects.create(name="Alfa")
    url = staff_urls.portal_add(client_a)
    client.force_login(user_in("ADO"))
    assert client.post(url, {"name": "Dokumenty"}).status_code == 302
    client.force_login(user_in("Editors"))
    assert client.post(url, {"name": "Faktury"}).status_code == 403
    assert client_a.portals.count() == 1


def test_permission_policies_are_registered_for_the_packages_models(administrator, editor, nobody):
    clients = policy_registry.get_by_type(Client)
    assert clients.user_has_permission(administrator, "add")
    assert clients.user_has_permission(editor, "view")
    assert not clients.user_has_permission(editor, "add")
    assert not clients.user_has_any_permission(nobody, ["add", "change", "delete", "view"])
    assert administrator in clients.users_with_permission("add")
    shares = policy_registry.get_by_type(Share)
    assert shares.user_has_permission(editor, "view") and not shares.user_has_permission(
        nobody, "view"
    )


def test_buttons_are_hidden_from_editors(client, editor, administrator, client_a, portal_a, member):
    pages = [
        staff_urls.portals_tab(client_a.pk),
        reverse("clientportal_portal_users:client", args=[client_a.pk]),
    ]
    client.force_login(editor)
    for page in pages:
        text = client.get(page).text
        assert staff_urls.portal_delete(portal_a.pk) not in text
        assert staff_urls.portal_user_delete(member.pk) not in text
        assert staff_urls.portal_user_add(client_a.pk) not in text
    client.force_login(administrator)
    text = client.get(pages[0]).text + client.get(pages[1]).text
    assert staff_urls.portal_delete(portal_a.pk) in text
    assert staff_urls.portal_user_delete(member.pk) in text


def test_staff_without_package_permission_is_refused(client, nobody, client_a, portal_a):
    client.force_login(nobody)
    for url in (
        staff_urls.portals_tab(client_a.pk),
        reverse("clientportal_portal_users:client", args=[client_a.pk]),
        reverse("clientportal_portals:detail", args=[portal_a.pk]),
    ):
        assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client, client_a):
    response = client.get(staff_urls.portals_tab(client_a.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]
