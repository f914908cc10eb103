"""What staff are told after revoking from a portal's, a document's and an invoice's page."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from wagtail.models import Collection, GroupCollectionPermission

from tests import staff_urls
from tests.factories import InvoiceFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import Share

pytestmark = pytest.mark.django_db

NOTHING_SELECTED = "Wybierz co najmniej jeden element i jeden panel klienta."


@pytest.fixture(autouse=True)
def _editor_sees_documents(editor):
    GroupCollectionPermission.objects.create(
        group=editor.groups.get(),
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(
            content_type__app_label="wagtaildocs", codename="choose_document"
        ),
    )


def messages_of(response):
    return [(m.level_tag, str(m).strip()) for m in get_messages(response.wsgi_request)]


def test_portal_page_messages(client, editor, portal_a, document):
    [share] = services.share_items(editor, [portal_a], [document]).created
    page = staff_urls.portal_page(portal_a)
    client.force_login(editor)
    done = client.post(staff_urls.revoke_shares(share, next_url=page), follow=True)
    assert done.redirect_chain[-1][0] == page
    assert messages_of(done) == [("success", "Cofnięto 1 udostępnienie.")]
    # An already revoked share is listed as not actionable; nothing more is revoked.
    again = client.get(staff_urls.revoke_shares(share, next_url=page))
    assert again.status_code == 200 and again.context["items"] == []


def test_document_page_messages(client, editor, portal_a, document):
    [share] = services.share_items(editor, [portal_a], [document]).created
    url = reverse("clientportal_staff:document_shares", args=[document.pk])
    client.force_login(editor)
    assert messages_of(client.post(url, {"action": "revoke"}, follow=True)) == [
        ("error", NOTHING_SELECTED)
    ]
    done = client.post(url, {"action": "revoke", "share": [share.pk]}, follow=True)
    assert messages_of(done) == [("success", "Cofnięto 1 udostępnienie.")]


def test_invoice_page_messages(client, editor, client_a, portal_a, portal_b, document):
    invoice = InvoiceFactory(client=client_a)
    [share] = services.share_items(editor, [portal_a], [invoice]).created
    # Another item's share is not this page's to revoke.
    [other] = services.share_items(editor, [portal_b], [document]).created
    url = reverse("clientportal_staff:invoice_shares", args=[invoice.pk])
    client.force_login(editor)
    stale = client.post(url, {"action": "revoke", "share": [share.pk, other.pk]}, follow=True)
    assert messages_of(stale) == [("error", NOTHING_SELECTED)]
    assert Share.objects.active().count() == 2
    done = client.post(url, {"action": "revoke", "share": [share.pk]}, follow=True)
    assert messages_of(done) == [("success", "Cofnięto 1 udostępnienie.")]


@pytest.mark.parametrize("bad", ["²", "99999999999999999999999999", "-1", "abc"])
def test_forged_ids_are_ignored_not_a_server_error(client, editor, portal_a, document, bad):
    share = services.share_items(editor, [portal_a], [document]).created[0]
    client.force_login(editor)
    url = reverse("clientportal_staff:document_shares", args=[document.pk])
    assert client.post(url, {"action": "revoke", "share": [bad]}).status_code < 500
    assert client.post(staff_urls.revoke_shares(bad)).status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None
    resend = reverse(
        "wagtail_bulk_action",
        args=["wagtail_clientportal", "notification", "clientportal_resend_notifications"],
    )
    assert client.get(resend + f"?id={bad}").status_code in (403, 404)


def test_clean_ids():
    from wagtail_clientportal.staff.ids import clean_ids

    assert clean_ids(["1", " 2 ", "²", "x", "0", "-3", str(2**63), str(2**63 - 1)]) == [
        1,
        2,
        2**63 - 1,
    ]
