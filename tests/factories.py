"""factory_boy factories for the test suite (and for host projects' tests)."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model

from wagtail_clientportal.models import Client, Invoice, Portal, PortalUser, Settlement


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password("secret-pass-123")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Klient {n} Sp. z o.o.")


class PortalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portal

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Panel {n}")


class PortalUserFactory(factory.django.DjangoModelFactory):
    """An activated portal user; pass ``portals=[...]`` to assign."""

    class Meta:
        model = PortalUser
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)
    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Nowak{n}")
    invited_at = factory.LazyFunction(timezone.now)
    activated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def portals(self, create, extracted, **kwargs):
        if create and extracted:
            self.portals.set(extracted)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_document_model()

    title = factory.Sequence(lambda n: f"Umowa {n}")
    file = factory.LazyAttribute(
        lambda o: ContentFile(f"%PDF-1.4 {o.title}".encode(), name="umowa.pdf")
    )


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    client = factory.SubFactory(ClientFactory)
    number = factory.Sequence(lambda n: f"FV/2026/{n:04d}")
    issue_date = datetime.date(2026, 11, 2)
    sale_date = datetime.date(2026, 10, 31)
    due_date = datetime.date(2026, 11, 16)
    net_amount = Decimal("1000.00")
    vat_amount = Decimal("230.00")
    gross_amount = Decimal("1230.00")
    pdf = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 invoice", name="faktura.pdf"))


class SettlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Settlement

    invoice = factory.SubFactory(InvoiceFactory)
    title = "Zestawienie godzin"
    file = factory.LazyFunction(lambda: ContentFile(b"hours", name="godziny.pdf"))
