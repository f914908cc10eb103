"""Portals: rules 1, 2 and 7."""

import pytest
from django.contrib.auth import get_user_model
from wagtail import hooks

from tests.factories import DocumentFactory, InvoiceFactory, PortalUserFactory, SettlementFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import (
    ClientPortalPermissionDenied,
    ClientPortalValidationError,
)
from wagtail_clientportal.models import (
    AccessEvent,
    DocumentVersion,
    Invoice,
    Portal,
    PortalUser,
    Settlement,
    Share,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.mark.parametrize("role", ["administrator", "ado"])
def test_administrator_and_ado_create_any_number_of_portals(role, request, client_a):
    actor = request.getfixturevalue(role)
    for n in range(5):
        services.create_portal(actor, client_a, f"Panel {n}", "opis")
    assert client_a.portals.count() == 5
    assert client_a.portals.first().created_by == actor


def test_editor_cannot_create_rename_or_delete_portals(editor, client_a, portal_a):
    with pytest.raises(ClientPortalPermissionDenied):
        services.create_portal(editor, client_a, "Nowy")
    with pytest.raises(ClientPortalPermissionDenied):
        services.rename_portal(editor, portal_a, "Nowy")
    with pytest.raises(ClientPortalPermissionDenied):
        services.delete_portal(editor, portal_a)
    assert list(Portal.objects.values_list("name", flat=True)) == ["Dokumenty"]


def test_portal_name_must_be_unique_per_client(ado, portal_a, client_b):
    with pytest.raises(ClientPortalValidationError) as exc:
        services.create_portal(ado, portal_a.client, " dokumenty ")
    assert exc.value.code == "portal_name_taken"
    services.create_portal(ado, client_b, "Dokumenty")  # another client may use it


def test_rename_portal(ado, portal_a, portal_a2):
    services.rename_portal(ado, portal_a, "Dokumenty HR", "dla kadr")
    portal_a.refresh_from_db()
    assert (portal_a.name, portal_a.description) == ("Dokumenty HR", "dla kadr")
    with pytest.raises(ClientPortalValidationError):
        services.rename_portal(ado, portal_a, "Faktury")


@pytest.fixture
def rule7(portal_a, portal_a2, client_b, administrator, editor, document):
    """On portal_a: one user only there, one also on portal_a2, one also a user of client_b."""
    only_here = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    two_portals = PortalUserFactory(client=portal_a.client, portals=[portal_a, portal_a2])
    elsewhere = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    PortalUserFactory(user=elsewhere.user, client=client_b, portals=[])
    staff_member = PortalUserFactory(client=portal_a.client, portals=[portal_a], user=editor)
    invoice = InvoiceFactory(client=portal_a.client)
    settlement = SettlementFactory(invoice=invoice)
    version = services.snapshot_document(administrator, DocumentFactory())  # another document
    shares = services.share_items(editor, [portal_a], [document, version, invoice, settlement])
    services.record_access(only_here, shares.created[0], AccessEvent.Action.DOWNLOAD)
    return only_here, two_portals, elsewhere, staff_member


def test_plan_states_the_consequences_without_writing(rule7, portal_a):
    only_here, two_portals, elsewhere, staff_member = rule7
    plan = services.plan_portal_deletion(portal_a)
    assert plan.users_losing_access == 4
    assert plan.unassigned == [two_portals]
    assert set(plan.deleted) == {only_here, elsewhere, staff_member}
    assert plan.deleted_login_ids == [only_here.user_id]
    assert plan.active_shares == 4
    assert PortalUser.objects.count() == 5 and Portal.objects.filter(pk=portal_a.pk).exists()


def test_delete_portal_follows_rule_7(rule7, portal_a, portal_a2, ado, document):
    only_here, two_portals, elsewhere, staff_member = rule7
    counts = {m: m.objects.count() for m in (DocumentVersion, Invoice, Settlement, type(document))}
    result = services.delete_portal(ado, portal_a)

    assert not Portal.objects.filter(pk=portal_a.pk).exists()
    assert not Share.objects.filter(portal_id=portal_a.pk).exists()
    # Assigned only here: the portal user goes, and the login unless still needed.
    assert not PortalUser.objects.filter(pk=only_here.pk).exists()
    assert not User.objects.filter(pk=only_here.user_id).exists()
    assert not PortalUser.objects.filter(pk=elsewhere.pk).exists()
    assert User.objects.filter(pk=elsewhere.user_id).exists()  # still a user of client_b
    assert User.objects.filter(pk=staff_member.user_id).exists()  # staff keep their login
    # Assigned elsewhere too: only loses this portal.
    assert list(PortalUser.objects.get(pk=two_portals.pk).portals.all()) == [portal_a2]
    # No document, version, invoice or settlement is deleted.
    assert counts == {m: m.objects.count() for m in counts}
    # The audit stays readable: the shares stay as history, closed by the deletion (rule 12).
    event = AccessEvent.objects.get()
    assert event.portal_user is None
    assert (event.share.portal_id, event.share.revoked_by, event.share.portal_name) == (
        None,
        ado,
        "Dokumenty",
    )
    assert (event.portal_name, event.client_name, event.item_title) == (
        "Dokumenty",
        portal_a.client.name,
        document.title,
    )
    assert result.portal_name == "Dokumenty"


def test_after_portal_delete_hook(ado, portal_a):
    seen = []
    with hooks.register_temporarily(
        "clientportal_after_portal_delete", lambda **kw: seen.append(kw)
    ):
        result = services.delete_portal(ado, portal_a)
    assert seen == [{"actor": ado, "result": result}]


def test_portal_needs_a_name(ado, client_a):
    with pytest.raises(ClientPortalValidationError) as exc:
        services.create_portal(ado, client_a, "   ")
    assert exc.value.code == "portal_name_required"
    assert not Portal.objects.exists()


def test_deleting_a_portal_twice_is_a_clear_error(ado, portal_a):
    stale = Portal.objects.get(pk=portal_a.pk)
    services.delete_portal(ado, portal_a)
    with pytest.raises(ClientPortalValidationError) as exc:
        services.delete_portal(ado, stale)
    assert exc.value.code == "portal_gone"
