"""The package's admin listings and pages in correct Polish (a few tests check the words)."""

import pytest
from django.urls import reverse

from tests import staff_urls
from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.staff.paginator import COUNT_LABELS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "count, word", [(1, "udostępnienie"), (3, "udostępnienia"), (8, "udostępnień")]
)
def test_share_listing_counts_with_three_plural_forms(client, editor, portal_a, count, word):
    services.share_items(editor, [portal_a], DocumentFactory.create_batch(count))
    client.force_login(editor)
    response = client.get(reverse("clientportal_shares:list"))
    assert response.context["paginator"].items_count_label == f"{count} {word}"


def test_every_package_listing_counts_through_its_own_label(client, ado, client_a, portal_a):
    PortalUserFactory.create_batch(5, client=client_a, portals=[portal_a])
    client.force_login(ado)
    response = client.get(reverse("clientportal_portal_users:index"))
    assert response.context["paginator"].items_count_label == "5 użytkowników PK"
    assert len(COUNT_LABELS) == 6


def test_add_labels_agree(client, administrator):
    client.force_login(administrator)
    assert "Dodaj klienta" in client.get(reverse("clientportal_clients:index")).text
    assert "Dodaj fakturę" in client.get(reverse("clientportal_invoices:list")).text
    assert "Nowa faktura" in client.get(reverse("clientportal_invoices:add")).text
    assert "Nowy klient" in client.get(reverse("clientportal_clients:add")).text


def test_shares_listing_names_the_sharer_not_the_login(client, editor, portal_a):
    editor.first_name, editor.last_name = "Adam", "Nowak"
    editor.save()
    services.share_items(editor, [portal_a], [DocumentFactory()])
    client.force_login(editor)
    text = client.get(reverse("clientportal_shares:list")).text
    assert "Adam Nowak" in text


def test_portal_user_form_loads_the_date_chooser(client, ado, client_a, portal_a, member):
    """``initDateChooser is not defined``: the form's media must be on the page."""
    client.force_login(ado)
    for url in (staff_urls.portal_user_add(client_a), staff_urls.portal_user_edit(member)):
        assert "wagtailadmin/js/date-time-chooser.js" in client.get(url).text
