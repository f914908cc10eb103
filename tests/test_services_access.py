"""What a portal user may see: rules 4 and 9, with every negative case."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from tests.conftest import verified
from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AccessEvent
from wagtail_clientportal.services import access

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(editor, portal_a, portal_a2, portal_b):
    """Documents on portal_a, on portal_a2 and on another client's portal."""
    docs = {name: DocumentFactory(title=name) for name in ("na A", "na A2", "na B", "cofnięty")}
    services.share_items(editor, [portal_a], [docs["na A"], docs["cofnięty"]])
    services.share_items(editor, [portal_a2], [docs["na A2"]])
    services.share_items(editor, [portal_b], [docs["na B"]])
    services.revoke_items(editor, [docs["cofnięty"]])
    return docs


def titles(qs):
    return sorted(s.document.title for s in qs.select_related("document"))


def test_user_sees_exactly_the_active_shares_of_the_portal(shared, member, portal_a, portal_a2):
    assert titles(services.visible_shares(member, portal_a)) == ["na A"]
    assert titles(services.visible_shares(member, portal_a2)) == []  # not assigned
    assert services.check_portal_access(verified(member.user), portal_a).allowed


def test_decision_refuses_each_missing_condition(
    shared, member, portal_a, portal_a2, portal_b, ado
):
    user = member.user
    assert services.check_portal_access(AnonymousUser(), portal_a).reason == "not_authenticated"
    assert services.check_portal_access(None, portal_a).reason == "not_authenticated"
    # Password given, no code yet.
    assert services.check_portal_access(user, portal_a).reason == "otp_not_verified"
    verified(user)
    assert services.check_portal_access(user, portal_a).allowed
    assert services.check_portal_access(user, portal_a2).reason == "not_assigned"
    assert services.check_portal_access(user, portal_b).reason == "not_a_portal_user"
    assert services.check_portal_access(verified(ado), portal_a).reason == "not_a_portal_user"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda pu, ado: services.block_portal_user(ado, pu), "blocked"),
        (
            lambda pu, ado: services.set_access_expiry(ado, pu, datetime.date(2026, 11, 28)),
            "expired",
        ),
        (
            lambda pu, ado: type(pu).objects.filter(pk=pu.pk).update(activated_at=None),
            "not_activated",
        ),
    ],
)
@time_machine.travel(datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc))
def test_blocked_expired_or_unactivated_see_nothing(shared, member, portal_a, ado, change, reason):
    change(member, ado)
    member.refresh_from_db()
    assert services.check_portal_access(verified(member.user), portal_a).reason == reason
    assert not services.visible_shares(member, portal_a).exists()
    assert not services.accessible_portal_users(member.user).exists()


@time_machine.travel(datetime.datetime(2026, 11, 29, 22, 30, tzinfo=datetime.timezone.utc))
def test_expiry_date_is_inclusive_in_local_time(member, portal_a, ado):
    # 23:30 in Warsaw on the 29th: access that ends on the 29th still works...
    services.set_access_expiry(ado, member, datetime.date(2026, 11, 29))
    member.refresh_from_db()
    assert services.check_portal_access(verified(member.user), portal_a).allowed
    # ...and at 00:30 on the 30th it does not.
    with time_machine.travel(datetime.datetime(2026, 11, 29, 23, 30, tzinfo=datetime.timezone.utc)):
        assert services.check_portal_access(member.user, portal_a).reason == "expired"


def test_unassignment_and_revocation_take_effect_immediately(
    shared, member, portal_a, portal_a2, ado, editor
):
    user = verified(member.user)
    assert titles(services.visible_shares(member, portal_a)) == ["na A"]
    services.revoke_items(editor, [shared["na A"]])
    assert titles(services.visible_shares(member, portal_a)) == []
    services.assign_portals(ado, member, [portal_a2])
    assert services.check_portal_access(user, portal_a).reason == "not_assigned"
    assert titles(services.visible_shares(member, portal_a2)) == ["na A2"]


def test_expired_share_is_not_visible(editor, member, portal_a):
    doc = DocumentFactory()
    with time_machine.travel(datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)):
        services.share_items(
            editor,
            [portal_a],
            [doc],
            expires_at=datetime.datetime(2026, 11, 10, tzinfo=datetime.timezone.utc),
        )
        assert services.visible_shares(member, portal_a).exists()
    with time_machine.travel(datetime.datetime(2026, 11, 11, tzinfo=datetime.timezone.utc)):
        assert not services.visible_shares(member, portal_a).exists()


def test_deleted_portal_gives_nothing(shared, member, portal_a, ado):
    user = verified(member.user)
    services.delete_portal(ado, portal_a)
    assert not services.accessible_portal_users(user).exists()


def test_portal_choice_lists_usable_memberships_of_every_client(member, portal_a, portal_b, ado):
    other = PortalUserFactory(user=member.user, client=portal_b.client, portals=[portal_b])
    user = verified(member.user)
    assert set(services.accessible_portal_users(user)) == {member, other}
    services.block_portal_user(ado, other)
    assert list(services.accessible_portal_users(user)) == [member]
    assert not services.accessible_portal_users(member.user.__class__()).exists()


def test_record_access_copies_what_it_needs(editor, member, portal_a, document):
    share = services.share_items(editor, [portal_a], [document]).created[0]
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.7", HTTP_USER_AGENT="Firefox")
    event = services.record_access(member, share, AccessEvent.Action.VIEW, request)
    assert (event.ip_address, event.user_agent, event.user_email) == (
        "10.0.0.7",
        "Firefox",
        member.email,
    )
    assert (event.portal_name, event.item_kind, event.item_title) == (
        "Dokumenty",
        "document",
        document.title,
    )


def test_visible_shares_query_count_does_not_grow(
    editor, member, portal_a, django_assert_num_queries
):
    services.share_items(editor, [portal_a], DocumentFactory.create_batch(30))
    with django_assert_num_queries(2):
        shares = list(services.visible_shares(member, portal_a).select_related("document"))
        assert [s.document.title for s in shares]
    assert access.NOT_ASSIGNED == "not_assigned"
