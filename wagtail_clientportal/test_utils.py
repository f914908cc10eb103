"""Factories and helpers for tests of projects that use the package (and for its own).

Needs factory_boy (``pip install wagtail-clientportal[test]``)::

    from wagtail_clientportal.test_utils import PortalUserFactory, otp_login, staff_user

    def test_the_portal_opens(client, db):
        member = PortalUserFactory(portals=[PortalFactory()])
        otp_login(client, member.user)
        ...

Nothing here is imported by the package itself.
"""

import datetime
import time
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model

from wagtail_clientportal.models import Client, Invoice, Portal, PortalUser, Settlement

__all__ = [
    "ClientFactory",
    "DocumentFactory",
    "InvoiceFactory",
    "PortalFactory",
    "PortalUserFactory",
    "SettlementFactory",
    "UserFactory",
    "otp_login",
    "staff_user",
]


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


def staff_user(username: str, *perms: str, superuser: bool = False):
    """A login with ``perms`` ("app_label.codename") through a group of its own."""
    user = UserFactory(username=username, is_staff=False, is_superuser=superuser)
    if perms:
        group, _ = Group.objects.get_or_create(name=f"group-{username}")
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in (p.split(".") for p in perms)
            ]
        )
        user.groups.add(group)
    return user


def otp_login(client, user):
    """Log the test ``client`` in as ``user`` with a verified second factor.

    A confirmed backup-code device, and the session marked as the portal's own
    login marks it (its lifetime starts now). Returns the device.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from wagtail_clientportal.portal import session as portal_session

    device, _ = StaticDevice.objects.get_or_create(user=user, name="tests", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    now = int(time.time())
    session[portal_session.VERIFIED] = {"at": now, "seen": now}
    session.save()
    return device
