"""A portal opens on what is there; tabs count items and what is new; the portal choice
says per portal what is new; the portal's description is shown to its users."""

import pytest
from django.urls import reverse

from tests.conftest import otp_login
from tests.factories import DocumentFactory, InvoiceFactory, PortalUserFactory, SettlementFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AccessEvent, Portal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _section(portal, name):
    return reverse("wagtail_clientportal:section", args=[portal.pk, name])


def test_an_invoices_only_portal_opens_on_invoices(client, editor, member, portal_a):
    services.share_items(editor, [portal_a], [InvoiceFactory(client=portal_a.client)])
    otp_login(client, member.user)
    response = client.get(reverse("wagtail_clientportal:portal", args=[portal_a.pk]))
    assert response["Location"] == _section(portal_a, "invoices")


def test_an_empty_portal_and_a_documents_portal_open_on_documents(client, editor, member, portal_a):
    otp_login(client, member.user)
    home = reverse("wagtail_clientportal:portal", args=[portal_a.pk])
    assert client.get(home)["Location"] == _section(portal_a, "documents")
    services.share_items(
        editor, [portal_a], [DocumentFactory(), InvoiceFactory(client=portal_a.client)]
    )
    assert client.get(home)["Location"] == _section(portal_a, "documents")


def test_tabs_carry_counts_and_new_marks_in_bounded_queries(
    client, editor, member, portal_a, django_assert_max_num_queries
):
    invoice = InvoiceFactory(client=portal_a.client)
    docs = DocumentFactory.create_batch(3)
    result = services.share_items(
        editor, [portal_a], [*docs, invoice, SettlementFactory(invoice=invoice)]
    )
    opened = next(s for s in result.created if s.document_id == docs[0].pk)
    services.record_access(member, opened, AccessEvent.Action.DOWNLOAD)
    otp_login(client, member.user)
    with django_assert_max_num_queries(13):
        html = client.get(_section(portal_a, "documents")).content.decode().replace("\xa0", " ")
    tabs = html.split('class="tabs"')[1].split("</nav>")[0]
    documents, invoices = tabs.split("</a>")[:2]
    assert "(3)" in documents and "2 nowe" in documents
    assert "(2)" in invoices and "2 nowe" in invoices
    # More shares, same number of queries.
    services.share_items(editor, [portal_a], DocumentFactory.create_batch(33))
    with django_assert_max_num_queries(13):
        html = client.get(_section(portal_a, "documents")).content.decode().replace("\xa0", " ")
    assert "(36)" in html and "35 nowych" in html


def test_the_choice_shows_what_is_new_per_portal_and_the_description(
    client, editor, client_a, portal_a, portal_a2, django_assert_max_num_queries
):
    Portal.objects.filter(pk=portal_a2.pk).update(description="Faktury i zestawienia godzin.")
    person = PortalUserFactory(client=client_a, portals=[portal_a, portal_a2])
    services.share_items(editor, [portal_a], DocumentFactory.create_batch(2))
    [seen] = services.share_items(editor, [portal_a2], [DocumentFactory()]).created
    services.record_access(person, seen, AccessEvent.Action.VIEW)
    otp_login(client, person.user)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("wagtail_clientportal:choose")).content.decode()
    html = html.replace("\xa0", " ")
    first, second = html.split('<li class="item">')[1:3]
    assert "Dokumenty" in first and "2 nowe" in first
    assert "Faktury" in second and "nowe" not in second and "nowa" not in second
    assert "Faktury i zestawienia godzin." in second


def test_the_portal_page_shows_its_description(client, member, portal_a):
    Portal.objects.filter(pk=portal_a.pk).update(description="Sprawa o zapłatę.")
    otp_login(client, member.user)
    html = client.get(_section(portal_a, "documents")).content.decode()
    assert "Sprawa o" in html and 'class="portal-description"' in html


def test_new_counts_ignore_other_portals_revoked_and_foreign_items(
    editor, client_a, client_b, portal_a, portal_a2, portal_b
):
    person = PortalUserFactory(client=client_a, portals=[portal_a])
    services.share_items(editor, [portal_a2, portal_b], [DocumentFactory()])
    [revoked] = services.share_items(editor, [portal_a], [DocumentFactory()]).created
    services.revoke_shares(editor, [revoked])
    services.share_items(editor, [portal_a], [DocumentFactory()])
    memberships = list(services.accessible_portal_users(_verified(person.user)))
    assert services.new_share_counts(memberships) == {portal_a.pk: 1}


def _verified(user):
    user.is_verified = lambda: True
    return user
