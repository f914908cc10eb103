"""Sharing and revoking (DESIGN rules 5 and 6)."""

import datetime

import pytest
from django.utils import timezone
from wagtail import hooks

from tests.factories import DocumentFactory, InvoiceFactory, PortalFactory, SettlementFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import (
    ClientPortalPermissionDenied,
    ClientPortalValidationError,
)
from wagtail_clientportal.models import Share

pytestmark = pytest.mark.django_db


def test_share_puts_every_item_on_every_portal(editor, portal_a, portal_a2, document):
    invoice = InvoiceFactory(client=portal_a.client)
    result = services.share_items(editor, [portal_a, portal_a2], [document, invoice])
    assert len(result.created) == 4
    assert {(s.portal_id, s.kind) for s in Share.objects.all()} == {
        (portal_a.pk, "document"),
        (portal_a.pk, "invoice"),
        (portal_a2.pk, "document"),
        (portal_a2.pk, "invoice"),
    }
    assert all(s.shared_by == editor for s in Share.objects.all())


def test_resharing_an_active_share_changes_nothing(editor, portal_a, document):
    first = services.share_items(editor, [portal_a], [document])
    before = list(Share.objects.values())
    again = services.share_items(editor, [portal_a], [document, document])
    assert again.created == []
    assert [s.pk for s in again.already_active] == [first.created[0].pk]
    assert list(Share.objects.values()) == before


def test_resharing_an_expired_share_replaces_it(editor, portal_a, document):
    past = timezone.now() - datetime.timedelta(days=1)
    old = services.share_items(editor, [portal_a], [document], expires_at=past).created[0]
    new = services.share_items(editor, [portal_a], [document]).created[0]
    old.refresh_from_db()
    assert old.revoked_at is not None and old.revoked_by == editor
    assert new.is_active()


def test_every_kind_of_item_can_be_shared(editor, portal_a, document):
    version = services.snapshot_document(editor, DocumentFactory(), label="v1")
    invoice = InvoiceFactory(client=portal_a.client)
    settlement = SettlementFactory(invoice=invoice)
    result = services.share_items(editor, [portal_a], [document, version, invoice, settlement])
    assert sorted(s.kind for s in result.created) == [
        "document",
        "document_version",
        "invoice",
        "settlement",
    ]


def test_invoice_of_another_client_is_refused_and_nothing_written(
    editor, portal_a, portal_b, document
):
    foreign = InvoiceFactory(client=portal_b.client)
    with pytest.raises(ClientPortalValidationError) as exc:
        services.share_items(editor, [portal_a], [document, foreign])
    assert exc.value.code == "item_of_other_client"
    foreign_settlement = SettlementFactory(invoice=foreign)
    with pytest.raises(ClientPortalValidationError):
        services.share_items(editor, [portal_a], [foreign_settlement])
    assert not Share.objects.exists()


@pytest.mark.parametrize("item", [lambda: object(), lambda: PortalFactory(), lambda: None])
def test_unknown_target_is_refused(editor, portal_a, item):
    with pytest.raises(ClientPortalValidationError) as exc:
        services.share_items(editor, [portal_a], [item()])
    assert exc.value.code == "unknown_target"


def test_nothing_selected(editor, portal_a, document):
    for portals, items in (([], [document]), ([portal_a], [])):
        with pytest.raises(ClientPortalValidationError) as exc:
            services.share_items(editor, portals, items)
        assert exc.value.code == "nothing_selected"


def test_sharing_needs_the_share_permission(nobody, ado, portal_a, document):
    for actor in (nobody, ado, None):
        with pytest.raises(ClientPortalPermissionDenied):
            services.share_items(actor, [portal_a], [document])
    share = Share.objects.create(portal=portal_a, document=document)
    with pytest.raises(ClientPortalPermissionDenied):
        services.revoke_shares(nobody, [share])
    assert not Share.objects.filter(revoked_at__isnull=False).exists()


def test_revoke_keeps_the_row_for_the_audit(editor, portal_a, document):
    share = services.share_items(editor, [portal_a], [document]).created[0]
    [revoked] = services.revoke_shares(editor, [share])
    share.refresh_from_db()
    assert share.revoked_by == editor and share.revoked_at is not None
    assert share.shared_by == editor
    assert not Share.objects.active().exists()


def test_revoking_twice_is_an_error_and_writes_nothing(editor, administrator, portal_a, document):
    other = DocumentFactory()
    shares = services.share_items(editor, [portal_a], [document, other]).created
    services.revoke_shares(editor, shares[:1])
    with pytest.raises(ClientPortalValidationError) as exc:
        services.revoke_shares(administrator, shares)
    assert exc.value.code == "already_revoked"
    assert Share.objects.get(pk=shares[1].pk).revoked_at is None
    assert Share.objects.get(pk=shares[0].pk).revoked_by == editor


def test_revoke_items_from_chosen_portals_or_all(editor, portal_a, portal_a2, document):
    services.share_items(editor, [portal_a, portal_a2], [document])
    assert len(services.revoke_items(editor, [document], portals=[portal_a])) == 1
    assert Share.objects.active().get().portal == portal_a2
    services.share_items(editor, [portal_a], [document])
    assert len(services.revoke_items(editor, [document])) == 2
    assert not Share.objects.active().exists()


def test_before_share_hook_can_refuse(editor, portal_a, document):
    def refuse(actor, portals, items):
        return "Dokumenty tajne nie mogą trafić do panelu."

    with hooks.register_temporarily("clientportal_before_share", refuse):
        with pytest.raises(ClientPortalValidationError) as exc:
            services.share_items(editor, [portal_a], [document])
    assert exc.value.code == "share_refused"
    assert str(exc.value) == "Dokumenty tajne nie mogą trafić do panelu."
    assert not Share.objects.exists()


def test_after_hooks_receive_what_was_done(editor, portal_a, document):
    calls = []
    with hooks.register_temporarily(
        [
            ("clientportal_after_share", lambda **kw: calls.append(("share", kw))),
            ("clientportal_after_revoke", lambda **kw: calls.append(("revoke", kw))),
        ]
    ):
        result = services.share_items(editor, [portal_a], [document])
        services.revoke_shares(editor, result.created)
    assert calls[0] == ("share", {"actor": editor, "result": result})
    assert calls[1][0] == "revoke" and calls[1][1]["shares"] == result.created


def test_an_after_hook_failure_rolls_everything_back(editor, portal_a, document):
    def boom(**kwargs):
        raise RuntimeError("host failure")

    with hooks.register_temporarily("clientportal_after_share", boom):
        with pytest.raises(RuntimeError):
            services.share_items(editor, [portal_a], [document])
    assert not Share.objects.exists()


def test_bulk_share_uses_a_bounded_number_of_queries(
    editor, portal_a, portal_a2, django_assert_max_num_queries
):
    documents = DocumentFactory.create_batch(60)
    # 12, plus one audit-log entry per portal (and its content type, looked up once).
    with django_assert_max_num_queries(15):
        result = services.share_items(editor, [portal_a, portal_a2], documents)
    assert len(result.created) == 120


def test_result_counts_the_people_actually_notified(editor, portal_a, portal_a2, document):
    from tests.factories import PortalUserFactory

    PortalUserFactory(client=portal_a.client, portals=[portal_a, portal_a2])
    PortalUserFactory(client=portal_a.client, portals=[portal_a], is_blocked=True)
    result = services.share_items(editor, [portal_a, portal_a2], [document])
    assert len(result.notifications) == 1  # one email for the same person on both portals
    assert result.notified_people == 1  # the blocked user is not told
