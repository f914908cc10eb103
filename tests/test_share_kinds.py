"""One registry of the share kinds: the model, the portal, services and emails agree with it."""

import pytest

from tests.factories import DocumentFactory, InvoiceFactory, SettlementFactory
from wagtail_clientportal import services, share_kinds
from wagtail_clientportal.models import Share
from wagtail_clientportal.notifications import summary
from wagtail_clientportal.portal import listing

pytestmark = pytest.mark.django_db


def test_share_columns_and_choices_come_from_the_registry():
    assert [c for c, _label in Share.Kind.choices] == list(share_kinds.KINDS)
    for kind in share_kinds.KINDS.values():
        field = Share._meta.get_field(kind.name)
        assert field.related_model is kind.model()
        assert Share.Kind(kind.name).label == kind.label
    constraints = {c.name for c in Share._meta.constraints}
    assert {f"clientportal_share_one_active_{k}" for k in share_kinds.KINDS} <= constraints
    sections = {s: [k.value for k in kinds] for s, kinds in listing.SECTIONS.items()}
    assert sections == {
        "documents": ["document", "document_version"],
        "invoices": ["invoice", "settlement"],
    }


def test_each_kind_is_shared_listed_and_counted_through_its_entry(
    editor, administrator, client_a, portal_a
):
    document = DocumentFactory()
    # A pinned version of another document: a document and its own version are never
    # shared on one portal together (the superseded-version rule).
    version = services.snapshot_document(administrator, DocumentFactory())
    invoice = InvoiceFactory(client=client_a)
    settlement = SettlementFactory(invoice=invoice)
    items = [document, version, invoice, settlement]
    assert [share_kinds.kind_of(i).name for i in items] == list(share_kinds.KINDS)
    assert share_kinds.kind_of(client_a) is None
    created = services.share_items(editor, [portal_a], items).created
    for share in Share.objects.filter(pk__in=[s.pk for s in created]).select_related(
        *share_kinds.RELATED
    ):
        kind = share_kinds.of_share(share)
        assert listing.file_of(share) == kind.file(share.target)
        assert share.search_text  # from the entry's search_parts
    owners = {k: share_kinds.get(k).owner_client_id for k in ("invoice", "settlement")}
    assert owners["invoice"](invoice) == owners["settlement"](settlement) == client_a.pk
    phrases = summary.kind_phrases({"document": 2, "settlement": 5})
    assert phrases == ["2 dokumenty", "5 rozliczeń"]
