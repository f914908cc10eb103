"""``wagtail_clientportal.test_utils``: what a host project's tests get from the package."""

import pytest
from django.urls import reverse

from wagtail_clientportal import services
from wagtail_clientportal.test_utils import (
    DocumentFactory,
    PortalFactory,
    PortalUserFactory,
    SettlementFactory,
    otp_login,
    staff_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def test_factories_and_helpers_open_a_shared_document_on_the_portal(client):
    portal = PortalFactory()
    member = PortalUserFactory(client=portal.client, portals=[portal])
    sharer = staff_user("sharer", "wagtail_clientportal.share_items")
    assert sharer.has_perm("wagtail_clientportal.share_items")
    document = DocumentFactory(title="Umowa najmu")
    services.share_items(sharer, [portal], [document])
    settlement = SettlementFactory(invoice__client=portal.client)
    assert settlement.invoice.gross_amount == settlement.invoice.net_amount + (
        settlement.invoice.vat_amount
    )
    otp_login(client, member.user)
    page = client.get(reverse("wagtail_clientportal:portal", args=[portal.pk]), follow=True)
    assert page.status_code == 200 and "Umowa najmu" in page.text
