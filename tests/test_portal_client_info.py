"""What the client needs to know: until when a share is available, and which invoices
are overdue."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.conftest import otp_login
from tests.factories import DocumentFactory, InvoiceFactory
from wagtail_clientportal import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _html(response):
    return response.content.decode().replace("\xa0", " ")


def test_a_share_with_an_expiry_says_until_when(client, editor, member, portal_a):
    until = timezone.now() + datetime.timedelta(days=10)
    [share] = services.share_items(
        editor, [portal_a], [DocumentFactory(title="Umowa")], expires_at=until
    ).created
    services.share_items(editor, [portal_a], [DocumentFactory(title="Pismo")])
    otp_login(client, member.user)
    listing = _html(
        client.get(reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"]))
    )
    assert listing.count("dostępne do") == 1
    item = _html(client.get(reverse("wagtail_clientportal:item", args=[portal_a.pk, share.pk])))
    assert "Dostępne do" in item


@time_machine.travel("2026-12-01 12:00 +01:00")
def test_an_unpaid_invoice_after_its_due_date_is_overdue(client, editor, member, portal_a):
    overdue = InvoiceFactory(
        client=portal_a.client, number="FV/1", due_date=datetime.date(2026, 11, 16)
    )
    InvoiceFactory(client=portal_a.client, number="FV/2", due_date=datetime.date(2026, 12, 15))
    InvoiceFactory(
        client=portal_a.client, number="FV/3", due_date=datetime.date(2026, 11, 1),
        paid_on=datetime.date(2026, 11, 2),
    )  # fmt: skip
    result = services.share_items(editor, [portal_a], list(portal_a.client.invoices.all()))
    otp_login(client, member.user)
    html = _html(
        client.get(reverse("wagtail_clientportal:section", args=[portal_a.pk, "invoices"]))
    )
    rows = {n: html.split(n)[1].split('class="item"')[0] for n in ("FV/1", "FV/2", "FV/3")}
    assert "po terminie" in rows["FV/1"]
    assert "po terminie" not in rows["FV/2"] and "niezapłacona" in rows["FV/2"]
    assert "po terminie" not in rows["FV/3"]
    share = next(s for s in result.created if s.invoice_id == overdue.pk)
    item = _html(client.get(reverse("wagtail_clientportal:item", args=[portal_a.pk, share.pk])))
    assert "po terminie" in item
