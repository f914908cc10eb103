"""Portal users: rules 2, 3 and 8."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from wagtail import hooks

from tests.factories import PortalUserFactory, UserFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import (
    ClientPortalPermissionDenied,
    ClientPortalValidationError,
)
from wagtail_clientportal.models import PortalUser

pytestmark = pytest.mark.django_db
User = get_user_model()


def _create(actor, client, portals, email="jan.nowak@klient.pl", **kwargs):
    return services.create_portal_user(
        actor, client, email=email, first_name="Jan", last_name="Nowak", portals=portals, **kwargs
    )


@pytest.mark.parametrize("role", ["administrator", "ado"])
def test_create_portal_user(role, request, portal_a, portal_a2):
    actor = request.getfixturevalue(role)
    expires = datetime.date(2027, 1, 31)
    pu = _create(actor, portal_a.client, [portal_a, portal_a2], access_expires_on=expires)
    assert set(pu.portals.all()) == {portal_a, portal_a2}
    assert pu.email == "jan.nowak@klient.pl" and pu.access_expires_on == expires
    assert pu.invited_at is not None and pu.activated_at is None
    login = pu.user
    assert not login.has_usable_password()
    assert not login.is_staff and not login.has_perm("wagtailadmin.access_admin")


def test_one_person_may_be_a_portal_user_of_several_clients(ado, portal_a, portal_b):
    first = _create(ado, portal_a.client, [portal_a])
    second = _create(ado, portal_b.client, [portal_b], email="JAN.NOWAK@klient.pl")
    assert first.user_id == second.user_id
    assert User.objects.count() == 1 + 1  # the ado and the one login
    with pytest.raises(ClientPortalValidationError) as exc:
        _create(ado, portal_a.client, [portal_a])
    assert exc.value.code == "portal_user_exists"


def test_editor_cannot_create_or_delete_portal_users(editor, member, portal_a):
    with pytest.raises(ClientPortalPermissionDenied):
        _create(editor, portal_a.client, [portal_a])
    for call in (
        lambda: services.delete_portal_user(editor, member),
        lambda: services.block_portal_user(editor, member),
        lambda: services.assign_portals(editor, member, [portal_a]),
    ):
        with pytest.raises(ClientPortalPermissionDenied):
            call()
    assert PortalUser.objects.filter(pk=member.pk, is_blocked=False).exists()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"portals": []}, "portals_required"),
        ({"email": ""}, "email_required"),
        ({"email": "not-an-email"}, "email_required"),
    ],
)
def test_bad_input_writes_nothing(ado, portal_a, kwargs, code):
    args = {"portals": [portal_a], **kwargs}
    with pytest.raises(ClientPortalValidationError) as exc:
        _create(ado, portal_a.client, **args)
    assert exc.value.code == code
    assert not PortalUser.objects.exists() and User.objects.count() == 1


def test_portal_of_another_client_is_refused(ado, portal_a, portal_b, member):
    with pytest.raises(ClientPortalValidationError) as exc:
        _create(ado, portal_a.client, [portal_a, portal_b])
    assert exc.value.code == "portal_of_other_client"
    assert not User.objects.filter(email="jan.nowak@klient.pl").exists()
    with pytest.raises(ClientPortalValidationError):
        services.assign_portals(ado, member, [portal_b])
    assert list(member.portals.all()) == [portal_a]


def test_user_management_options(ado, member, portal_a, portal_a2):
    services.block_portal_user(ado, member)
    assert PortalUser.objects.get(pk=member.pk).is_blocked
    services.unblock_portal_user(ado, member)
    assert not PortalUser.objects.get(pk=member.pk).is_blocked
    services.rename_portal_user(ado, member, " Ewa ", "Kowalska ")
    services.set_access_expiry(ado, member, datetime.date(2027, 6, 30))
    services.assign_portals(ado, member, [portal_a2])
    member = PortalUser.objects.get(pk=member.pk)
    assert member.full_name == "Ewa Kowalska"
    assert member.access_expires_on == datetime.date(2027, 6, 30)
    assert list(member.portals.all()) == [portal_a2]
    services.set_access_expiry(ado, member, None)
    assert PortalUser.objects.get(pk=member.pk).access_expires_on is None


def test_delete_portal_user_keeps_a_login_still_needed(ado, member, client_b, editor):
    services.delete_portal_user(ado, member)
    assert not User.objects.filter(pk=member.user_id).exists()

    shared = PortalUserFactory(user=UserFactory(), client=client_b)
    other = PortalUserFactory(user=shared.user)
    assert services.delete_portal_user(ado, other) is False
    assert User.objects.filter(pk=shared.user_id).exists()

    staff_member = PortalUserFactory(user=editor)
    assert services.delete_portal_user(ado, staff_member) is False
    assert User.objects.filter(pk=editor.pk).exists()


def test_after_user_created_hook(ado, portal_a):
    seen = []
    with hooks.register_temporarily(
        "clientportal_after_user_created", lambda **kw: seen.append(kw)
    ):
        pu = _create(ado, portal_a.client, [portal_a])
    assert seen == [{"actor": ado, "portal_user": pu, "created_login": True}]


def test_update_portal_user_is_all_or_nothing(ado, member, portal_a, portal_b):
    with pytest.raises(ClientPortalValidationError):
        services.update_portal_user(
            ado,
            member,
            first_name="Ewa",
            last_name="Zmieniona",
            access_expires_on=datetime.date(2027, 1, 1),
            portals=[portal_b],  # another client's portal: refused after the rename
        )
    member = PortalUser.objects.get(pk=member.pk)
    assert (member.last_name, member.access_expires_on) != ("Zmieniona", datetime.date(2027, 1, 1))
    services.update_portal_user(
        ado, member, first_name="Ewa", last_name="Lis", access_expires_on=None, portals=[portal_a]
    )
    assert PortalUser.objects.get(pk=member.pk).full_name == "Ewa Lis"


@pytest.mark.parametrize(
    "action",
    [
        lambda ado, pu, portal: services.block_portal_user(ado, pu),
        lambda ado, pu, portal: services.unblock_portal_user(ado, pu),
        lambda ado, pu, portal: services.set_access_expiry(ado, pu, None),
        lambda ado, pu, portal: services.rename_portal_user(ado, pu, "Jan", "Nowy"),
        lambda ado, pu, portal: services.send_activation(ado, pu),
        lambda ado, pu, portal: services.assign_portals(ado, pu, [portal]),
        lambda ado, pu, portal: services.delete_portal_user(ado, pu),
    ],
)
def test_a_person_deleted_meanwhile_is_refused_with_a_code(ado, portal_a, action):
    """Issue 15: what a staff tab shows may be stale; the service re-reads under its lock."""
    pu = PortalUserFactory(client=portal_a.client, portals=[portal_a], activated_at=None)
    stale = PortalUser.objects.get(pk=pu.pk)
    services.delete_portal_user(ado, pu)
    with pytest.raises(ClientPortalValidationError) as exc:
        action(ado, stale, portal_a)
    assert exc.value.code == "portal_user_gone"
    assert not PortalUser.objects.filter(pk=pu.pk).exists()


@pytest.mark.parametrize("create", [True, False])
def test_a_portal_deleted_meanwhile_is_refused_with_a_code(ado, member, portal_a, create):
    from wagtail_clientportal.models import Portal

    stale = Portal.objects.get(pk=portal_a.pk)
    services.delete_portal(ado, portal_a)
    with pytest.raises(ClientPortalValidationError) as exc:
        if create:
            _create(ado, stale.client, [stale])
        else:
            other = PortalUserFactory(client=stale.client)
            services.assign_portals(ado, other, [stale])
    assert exc.value.code == "portal_gone"
    assert not PortalUser.objects.filter(client=stale.client, user__email="jan.nowak@klient.pl")
