"""The door of every portal URL: ``enter_portal`` and a download's ``share_to_send``.

Both read rule 9 from the database on every request, in fewer and cheaper queries
than the general ``check_portal_access`` and ``shares_of``; these tests hold them to
the same answers, case by case, and to their query counts.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tests.conftest import verified
from tests.factories import (
    DocumentFactory,
    InvoiceFactory,
    PortalFactory,
    PortalUserFactory,
    SettlementFactory,
)
from wagtail_clientportal import services
from wagtail_clientportal.models import PortalUser
from wagtail_clientportal.services import access

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _share(editor, portal, item, **options):
    return services.share_items(editor, [portal], [item], **options).created[0]


def _unactivate(member, ado):
    PortalUser.objects.filter(pk=member.pk).update(activated_at=None)


def _unassign(member, ado):
    services.assign_portals(ado, member, [PortalFactory(client=member.client)])


def _block_and_unassign(member, ado):
    services.block_portal_user(ado, member)
    _unassign(member, ado)


def _expires_today(member, ado):
    services.set_access_expiry(ado, member, timezone.localdate())


CHANGES = {
    "allowed": (lambda member, ado: None, None),
    "expires today": (_expires_today, None),  # the last day is included
    "blocked": (lambda member, ado: services.block_portal_user(ado, member), access.BLOCKED),
    "expired": (
        lambda member, ado: services.set_access_expiry(
            ado, member, timezone.localdate() - datetime.timedelta(days=1)
        ),
        access.EXPIRED,
    ),
    "not activated": (_unactivate, access.NOT_ACTIVATED),
    "unassigned": (_unassign, access.NOT_ASSIGNED),
    # Refused for being blocked, not hidden for being unassigned: the order of rule 9.
    "blocked and unassigned": (_block_and_unassign, access.BLOCKED),
}
HIDDEN = {access.NOT_A_PORTAL_USER, access.NOT_ASSIGNED}


@pytest.mark.parametrize("change", CHANGES)
def test_enter_portal_decides_as_check_portal_access(member, portal_a, ado, change):
    make_change, reason = CHANGES[change]
    make_change(member, ado)
    user = verified(PortalUser.objects.get(pk=member.pk).user)
    decision = services.enter_portal(user, portal_a.pk)
    assert decision.reason == reason == services.check_portal_access(user, portal_a).reason
    assert bool(decision) is (reason is None)
    if reason in HIDDEN:  # a 404: nothing of the portal travels with the answer
        assert decision.portal is None and decision.portal_user is None
    else:  # allowed, or a 403 page that shows the client's contact
        assert decision.portal == portal_a and decision.portal_user == member
    if reason:
        assert not services.shares_of(decision).exists()


def test_enter_portal_refuses_who_check_portal_access_refuses(
    member, portal_a, portal_a2, portal_b, ado
):
    user = member.user
    assert services.enter_portal(AnonymousUser(), portal_a.pk).reason == access.NOT_AUTHENTICATED
    assert services.enter_portal(None, portal_a.pk).reason == access.NOT_AUTHENTICATED
    assert services.enter_portal(user, portal_a.pk).reason == access.NOT_VERIFIED
    verified(user)
    assert services.enter_portal(user, portal_a2.pk).reason == access.NOT_ASSIGNED
    assert services.enter_portal(user, portal_b.pk).reason == access.NOT_A_PORTAL_USER
    assert services.enter_portal(verified(ado), portal_a.pk).reason == access.NOT_A_PORTAL_USER


def test_a_deleted_or_unknown_portal_is_no_such_portal(member, portal_a, portal_b, ado):
    user = verified(member.user)
    missing = portal_b.pk + 1000
    assert services.enter_portal(user, missing).reason == access.NO_SUCH_PORTAL
    services.delete_portal(ado, portal_a)
    decision = services.enter_portal(user, portal_a.pk)
    assert decision.reason == access.NO_SUCH_PORTAL and decision.portal is None


def test_an_assignment_to_another_clients_portal_opens_nothing(member, portal_b, ado):
    """The same-client rule is checked on save; a row written around it still opens
    nothing: only the membership of the portal's own client counts, whichever it is."""
    from wagtail_clientportal.models import PortalAssignment

    PortalAssignment.objects.bulk_create([PortalAssignment(portal_user=member, portal=portal_b)])
    user = verified(member.user)
    assert services.enter_portal(user, portal_b.pk).reason == access.NOT_A_PORTAL_USER
    # The same login is also a person of portal_b's client: that membership decides.
    at_b = PortalUserFactory(client=portal_b.client, user=member.user, portals=[])
    assert services.enter_portal(user, portal_b.pk).reason == access.NOT_ASSIGNED
    services.assign_portals(ado, at_b, [portal_b])
    decision = services.enter_portal(user, portal_b.pk)
    assert decision and decision.portal_user == at_b
    services.block_portal_user(ado, at_b)
    assert services.enter_portal(user, portal_b.pk).reason == access.BLOCKED


def test_entering_is_one_query(member, portal_a, django_assert_num_queries):
    user = verified(member.user)
    with django_assert_num_queries(1):
        decision = services.enter_portal(user, portal_a.pk, related=("client",))
        assert decision and decision.portal.client.name and decision.portal_user.client.name


@pytest.fixture
def entered(member, portal_a):
    return services.enter_portal(verified(member.user), portal_a.pk)


def test_share_to_send_is_the_active_share_with_its_item(editor, entered, portal_a):
    document = DocumentFactory()
    share = _share(editor, portal_a, document)
    sent = services.share_to_send(entered, share.pk)
    assert sent == share and sent.document == document and sent.portal is entered.portal


def test_share_to_send_refuses_what_shares_of_hides(
    editor, entered, portal_a, portal_a2, portal_b, client_b
):
    revoked = _share(editor, portal_a, DocumentFactory())
    services.revoke_shares(editor, [revoked])
    expired = _share(editor, portal_a, DocumentFactory())
    type(expired).objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    elsewhere = _share(editor, portal_a2, DocumentFactory())
    other_client = _share(editor, portal_b, DocumentFactory())
    invoice = InvoiceFactory(client=portal_a.client)
    moved_invoice = _share(editor, portal_a, invoice)
    moved_settlement = _share(editor, portal_a, SettlementFactory(invoice=invoice))
    invoice.client = client_b
    invoice.save()
    for share in (revoked, expired, elsewhere, other_client, moved_invoice, moved_settlement):
        assert services.share_to_send(entered, share.pk) is None, share
        assert not services.shares_of(entered).filter(pk=share.pk).exists(), share
    assert services.share_to_send(entered, 10**9) is None


def test_a_refused_decision_sends_nothing(editor, member, portal_a, ado):
    share = _share(editor, portal_a, DocumentFactory())
    services.block_portal_user(ado, member)
    decision = services.enter_portal(verified(member.user), portal_a.pk)
    assert not decision and services.share_to_send(decision, share.pk) is None


def test_the_cached_kind_joins_only_that_item_and_a_wrong_one_still_loads_right(
    editor, entered, portal_a, django_assert_num_queries
):
    invoice = InvoiceFactory(client=portal_a.client)
    share = _share(editor, portal_a, SettlementFactory(invoice=invoice))
    with django_assert_num_queries(1):  # every kind joined; the kind is remembered
        assert services.share_to_send(entered, share.pk).settlement.invoice == invoice
    with django_assert_num_queries(1):  # only the settlement and its invoice joined
        assert services.share_to_send(entered, share.pk).settlement.invoice == invoice
    # The remembered kind says nothing about access: a wrong one costs queries, never the
    # answer.
    access._share_kinds[share.pk] = "document"
    sent = services.share_to_send(entered, share.pk)
    assert sent == share and sent.settlement.invoice == invoice
    assert access._share_kinds[share.pk] == "settlement"  # corrected by the row
    invoice.client = PortalUserFactory().client
    invoice.save()
    assert services.share_to_send(entered, share.pk) is None


def test_a_remembered_invoice_moved_away_or_a_deleted_portal_sends_nothing(
    editor, member, entered, portal_a, client_b, ado
):
    invoice = InvoiceFactory(client=portal_a.client)
    share = _share(editor, portal_a, invoice)
    assert services.share_to_send(entered, share.pk) == share  # its kind is remembered now
    assert access._share_kinds[share.pk] == "invoice"
    invoice.client = client_b
    invoice.save()
    assert services.share_to_send(entered, share.pk) is None
    document = _share(editor, portal_a, DocumentFactory())
    assert services.share_to_send(entered, document.pk) == document
    services.delete_portal(ado, portal_a)
    # A decision made before the deletion, as in a request racing it: the row has no portal.
    assert services.share_to_send(entered, document.pk) is None
