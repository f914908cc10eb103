"""Database constraints and model invariants."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import (
    ClientFactory,
    DocumentFactory,
    InvoiceFactory,
    PortalFactory,
    PortalUserFactory,
    SettlementFactory,
)
from wagtail_clientportal.exceptions import ClientPortalValidationError
from wagtail_clientportal.models import Client, Share

pytestmark = pytest.mark.django_db


def test_share_needs_exactly_one_target(portal_a, document):
    invoice = InvoiceFactory(client=portal_a.client)
    with pytest.raises(IntegrityError), transaction.atomic():
        Share.objects.create(portal=portal_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Share.objects.create(portal=portal_a, document=document, invoice=invoice)
    assert Share.objects.count() == 0


def test_one_active_share_per_portal_and_target(portal_a, document):
    Share.objects.create(portal=portal_a, document=document)
    with pytest.raises(IntegrityError), transaction.atomic():
        Share.objects.create(portal=portal_a, document=document)
    # A revoked share does not count: the item can be shared again.
    Share.objects.update(revoked_at=timezone.now())
    Share.objects.create(portal=portal_a, document=document)
    assert Share.objects.count() == 2


@pytest.mark.parametrize("kind", ["document_version", "invoice", "settlement"])
def test_one_active_share_per_target_for_every_kind(kind, portal_a, document, administrator):
    from wagtail_clientportal.services import snapshot_document

    targets = {
        "document_version": lambda: snapshot_document(administrator, document),
        "invoice": lambda: InvoiceFactory(client=portal_a.client),
        "settlement": lambda: SettlementFactory(invoice__client=portal_a.client),
    }
    target = targets[kind]()
    Share.objects.create(portal=portal_a, **{kind: target})
    with pytest.raises(IntegrityError), transaction.atomic():
        Share.objects.create(portal=portal_a, **{kind: target})


def test_portal_name_unique_per_client(client_a, client_b):
    PortalFactory(client=client_a, name="Faktury")
    PortalFactory(client=client_b, name="Faktury")
    with pytest.raises(IntegrityError), transaction.atomic():
        PortalFactory(client=client_a, name="Faktury")


def test_portal_user_unique_per_login_and_client(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        PortalUserFactory(user=member.user, client=member.client)
    PortalUserFactory(user=member.user)  # the same person at another client is fine


def test_portal_user_cannot_be_assigned_another_clients_portal(member, portal_b):
    with pytest.raises(ClientPortalValidationError) as exc, transaction.atomic():
        member.portals.add(portal_b)
    assert exc.value.code == "portal_of_other_client"
    with pytest.raises(ClientPortalValidationError), transaction.atomic():
        portal_b.portal_users.add(member)
    assert list(member.portals.all()) == list(member.portals.filter(client=member.client))


def test_invoice_gross_must_equal_net_plus_vat(client_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(client=client_a, gross_amount="1231.00")


@pytest.mark.parametrize(
    ("field", "valid", "invalid"),
    [
        ("nip", "5260250274", "5260250275"),
        ("regon", "192598184", "192598185"),
        ("pesel", "44051401359", "44051401358"),
    ],
)
def test_tax_identifiers_are_validated(field, valid, invalid):
    kind = Client.Kind.PERSON if field == "pesel" else Client.Kind.COMPANY
    Client(name="X", kind=kind, **{field: valid}).full_clean()
    with pytest.raises(ValidationError) as exc:
        Client(name="X", kind=kind, **{field: invalid}).full_clean()
    assert field in exc.value.message_dict


def test_company_has_no_pesel():
    with pytest.raises(ValidationError):
        Client(name="X", kind=Client.Kind.COMPANY, pesel="44051401359").full_clean()


def test_str_is_readable(member, document):
    portal = member.portals.get()
    share = Share.objects.create(portal=portal, document=document)
    assert str(portal) == f"Dokumenty ({portal.client.name})"
    assert str(member) == f"{member.full_name} ({member.client.name})"
    assert str(share) == f"{document.title} → Dokumenty"
    assert share.kind == "document" and share.target == document
    assert str(ClientFactory(name="Gamma")) == "Gamma"


def test_custom_document_model_is_used():
    from wagtail.documents import get_document_model

    assert get_document_model()._meta.label == "testapp.CaseDocument"
    doc = DocumentFactory(case_number="I C 123/26")
    assert Share._meta.get_field("document").related_model is type(doc)
