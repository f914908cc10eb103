"""Staff side: sharing and revoking from the documents listing and from a portal's page."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks

from tests import staff_urls
from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AccessEvent, DocumentVersion, Notification, Share

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _editor_sees_documents(request):
    """Wagtail grants documents per collection; these staff may choose those in the root."""
    from django.contrib.auth.models import Permission
    from wagtail.models import Collection, GroupCollectionPermission

    for name in ("editor", "administrator"):
        if name in request.fixturenames:
            GroupCollectionPermission.objects.create(
                group=request.getfixturevalue(name).groups.get(),
                collection=Collection.get_first_root_node(),
                permission=Permission.objects.get(
                    content_type__app_label="wagtaildocs", codename="choose_document"
                ),
            )


DOCS = "wagtaildocs"


def share_url(docs):
    query = "&".join(f"id={d.pk}" for d in docs)
    return (
        reverse("wagtail_bulk_action", args=["testapp", "casedocument", "clientportal_share"])
        + "?"
        + query
    )


def revoke_url(docs):
    query = "&".join(f"id={d.pk}" for d in docs)
    return (
        reverse("wagtail_bulk_action", args=["testapp", "casedocument", "clientportal_revoke"])
        + "?"
        + query
    )


def messages_of(response):
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def test_share_form_opens_the_portal_chooser_instead_of_listing_portals(
    client, editor, document, portal_a, portal_b
):
    client.force_login(editor)
    response = client.get(share_url([document]))
    assert response.status_code == 200
    assert "Dodaj udostępnienie" in response.text
    assert reverse("clientportal_portal_chooser:choose") in response.text
    assert "wagtail_clientportal/js/portal-chooser.js" in response.text
    # No portal is rendered until chosen; the old inline search script is gone.
    assert portal_b.client.name not in response.text
    assert "clientportal-portal-search" not in response.text


def test_share_live_documents_to_two_portals(client, editor, portal_a, portal_a2):
    docs = DocumentFactory.create_batch(2)
    PortalUserFactory(client=portal_a.client, portals=[portal_a, portal_a2])
    PortalUserFactory(client=portal_a.client, portals=[portal_a])
    PortalUserFactory(client=portal_a.client, portals=[portal_a], is_blocked=True)
    client.force_login(editor)
    response = client.post(
        share_url(docs), {"portals": [portal_a.pk, portal_a2.pk], "mode": "live"}
    )
    assert response.status_code == 302
    shares = Share.objects.all()
    assert shares.count() == 4
    assert {s.shared_by for s in shares} == {editor}
    [message] = messages_of(response)
    # Counted in documents, not document × portal rows.
    assert message.startswith("Udostępniono 2 dokumenty w panelach „Dokumenty”, „Faktury”.")
    assert "2 użytkownicy PK otrzymają powiadomienie" in message
    assert Notification.objects.count() == 2  # one email per person, not per portal


def test_share_pinned_versions_with_expiry(client, administrator, document, portal_a, member):
    client.force_login(administrator)
    expires = (timezone.localtime() + datetime.timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    response = client.post(
        share_url([document]), {"portals": [portal_a.pk], "mode": "pin", "expires_at": expires}
    )
    assert response.status_code == 302, response.context["form"].errors
    [version] = DocumentVersion.objects.all()
    [share] = Share.objects.all()
    assert share.document_version == version and share.document is None
    assert share.expires_at is not None
    [message] = messages_of(response)
    assert "1 użytkownik PK otrzyma powiadomienie" in message


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "portals"),
        ({"portals": ["999999"]}, "portals"),
        ({"portals": ["abc"]}, "portals"),
        ({"expires_at": "2020-01-01 10:00"}, "expires_at"),
        ({"mode": "nonsense"}, "mode"),
    ],
)
def test_share_bad_input_is_a_form_error(client, editor, document, portal_a, data, field):
    client.force_login(editor)
    data = {"mode": "live", **data}
    if "portals" not in data and field != "portals":
        data["portals"] = [portal_a.pk]
    response = client.post(share_url([document]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Share.objects.exists()


def test_sharing_to_a_portal_deleted_meanwhile(client, editor, document, portal_a):
    client.force_login(editor)
    portal_id = portal_a.pk
    portal_a.delete()
    response = client.post(share_url([document]), {"portals": [portal_id], "mode": "live"})
    assert response.status_code == 200
    assert "portals" in response.context["form"].errors
    assert not Share.objects.exists()


def test_refusal_by_before_share_hook_is_shown_as_error(client, editor, document, portal_a):
    def refuse(actor, portals, items):
        return "Dokument objęty tajemnicą."

    client.force_login(editor)
    with hooks.register_temporarily("clientportal_before_share", refuse):
        response = client.post(share_url([document]), {"portals": [portal_a.pk], "mode": "live"})
    assert response.status_code == 200
    assert "Dokument objęty tajemnicą." in response.text
    assert not Share.objects.exists()


def test_pinned_share_refused_leaves_no_version(client, editor, document, portal_a):
    client.force_login(editor)
    with hooks.register_temporarily("clientportal_before_share", lambda **kw: "Nie."):
        response = client.post(share_url([document]), {"portals": [portal_a.pk], "mode": "pin"})
    assert response.status_code == 200
    assert not DocumentVersion.objects.exists()


def test_user_without_share_permission_cannot_share_or_revoke(
    client, ado, nobody, document, portal_a, administrator
):
    services.share_items(administrator, [portal_a], [document])
    for user in (ado, nobody):
        client.force_login(user)
        assert client.get(share_url([document])).status_code == 403
        assert (
            client.post(
                share_url([document]), {"portals": [portal_a.pk], "mode": "live"}
            ).status_code
            == 403
        )
        assert client.post(revoke_url([document]), {}).status_code == 403
        assert client.post(staff_urls.revoke_shares(Share.objects.get())).status_code == 403
    assert Share.objects.active().count() == 1


def test_revoke_from_chosen_portals_or_all(
    client, editor, administrator, portal_a, portal_a2, portal_b
):
    docs = DocumentFactory.create_batch(2)
    services.share_items(administrator, [portal_a, portal_a2], docs)
    services.share_items(administrator, [portal_b], docs[1:])
    # On portal_b the first document is shared as a pinned version only (never both).
    version = services.snapshot_document(administrator, docs[0])
    services.share_items(administrator, [portal_b], [version])
    client.force_login(editor)
    response = client.post(revoke_url(docs), {"portals": [portal_a.pk]})
    assert response.status_code == 302
    assert Share.objects.revoked().count() == 2
    assert set(Share.objects.revoked().values_list("portal", flat=True)) == {portal_a.pk}
    assert "Cofnięto 2 udostępnienia." in messages_of(response)
    response = client.post(revoke_url(docs), {})
    assert response.status_code == 302
    assert Share.objects.active().count() == 0
    assert {s.revoked_by for s in Share.objects.all()} == {editor}


def test_bulk_share_200_documents_to_3_portals_with_bounded_queries(
    client, editor, portal_a, portal_a2, portal_b, django_assert_max_num_queries
):
    docs = DocumentFactory.create_batch(200)
    for portal in (portal_a, portal_a2, portal_b):
        PortalUserFactory.create_batch(3, client=portal.client, portals=[portal])
    client.force_login(editor)
    url = share_url(docs)
    data = {"portals": [portal_a.pk, portal_a2.pk, portal_b.pk], "mode": "live"}
    with django_assert_max_num_queries(25):
        response = client.post(url, data)
    assert response.status_code == 302
    assert Share.objects.active().count() == 600


def test_portal_page_lists_shares_with_access_and_revokes(
    client, editor, administrator, portal_a, member
):
    docs = DocumentFactory.create_batch(3)
    result = services.share_items(administrator, [portal_a], docs)
    opened = result.created[0]
    services.record_access(member, opened, AccessEvent.Action.DOWNLOAD)
    client.force_login(editor)
    url = reverse("clientportal_portals:detail", args=[portal_a.pk])
    response = client.get(url)
    assert response.status_code == 200
    for doc in docs:
        assert doc.title in response.text
    assert member.full_name in response.text
    # The page ticks shares into the shares' bulk revoke, with a select-all and a way back.
    revoke = staff_urls.revoke_shares(*result.created[:2], next_url=url)
    assert f'action="{revoke.split("?")[0]}"' in response.text
    assert 'data-w-bulk-target="all"' in response.text
    # No unconfirmed path: posting to the page itself revokes nothing.
    assert client.post(url, {"id": [result.created[0].pk]}).status_code == 405
    confirm = client.get(revoke)
    assert confirm.status_code == 200 and Share.objects.revoked().count() == 0
    assert {row["item"] for row in confirm.context["items"]} == set(result.created[:2])
    response = client.post(revoke)
    assert response.status_code == 302 and response["Location"] == url
    assert Share.objects.revoked().count() == 2
    response = client.get(url)
    assert "Cofnięte udostępnienia" in response.text
    # Revoking an already revoked share is refused on the confirmation page, not a 500.
    response = client.post(staff_urls.revoke_shares(result.created[0], next_url=url))
    assert response.status_code == 200 and Share.objects.revoked().count() == 2


def test_portal_page_queries_are_bounded(
    client, editor, administrator, portal_a, member, django_assert_max_num_queries
):
    from tests.factories import InvoiceFactory, SettlementFactory

    invoice = InvoiceFactory(client=portal_a.client)
    settlements = SettlementFactory.create_batch(10, invoice=invoice)
    docs = DocumentFactory.create_batch(40)
    result = services.share_items(administrator, [portal_a], [*docs, invoice, *settlements])
    services.revoke_shares(administrator, result.created[:20])
    result = services.share_items(administrator, [portal_a], docs[:20])
    for share in result.created:
        services.record_access(member, share, AccessEvent.Action.VIEW)
    client.force_login(editor)
    with django_assert_max_num_queries(25):
        assert (
            client.get(reverse("clientportal_portals:detail", args=[portal_a.pk])).status_code
            == 200
        )


def test_documents_listing_offers_both_bulk_actions(client, document):
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from tests.factories import UserFactory

    call_command("clientportal_roles", stdout=None)
    editor = UserFactory(username="redaktor@kancelaria.pl")
    editor.groups.add(Group.objects.get(name="Editors"))  # Wagtail's group: documents on root
    client.force_login(editor)
    response = client.get(reverse("wagtaildocs:index"))
    assert response.status_code == 200
    assert "Dodaj udostępnienie" in response.text and "Cofnij udostępnienie" in response.text


def test_portal_deleted_between_form_and_service_is_a_form_error(
    client, editor, document, portal_a
):
    from wagtail_clientportal.models import Portal

    def delete_portal_meanwhile(request, action_type, objects, action_class_instance):
        Portal.objects.filter(pk=portal_a.pk).delete()

    client.force_login(editor)
    with hooks.register_temporarily("before_bulk_action", delete_portal_meanwhile):
        response = client.post(share_url([document]), {"portals": [portal_a.pk], "mode": "live"})
    assert response.status_code == 200
    assert response.context["form"].errors["portals"] == ["Wybrany panel klienta już nie istnieje."]
    assert not Share.objects.exists()


def test_documents_outside_the_editors_collections_cannot_be_shared(client, editor, portal_a):
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    public = root.add_child(name="Publiczne")
    secret = root.add_child(name="Tajne")
    GroupCollectionPermission.objects.filter(group__in=editor.groups.all()).update(
        collection=public
    )
    visible = DocumentFactory(collection=public)
    hidden = DocumentFactory(collection=secret)
    client.force_login(editor)
    response = client.get(share_url([visible, hidden]))
    assert [entry["item"] for entry in response.context["items"]] == [visible]
    response = client.post(share_url([visible, hidden]), {"portals": [portal_a.pk], "mode": "live"})
    assert response.status_code == 302
    assert [s.document for s in Share.objects.all()] == [visible]
    response = client.post(share_url([hidden]), {"portals": [portal_a.pk], "mode": "live"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert Share.objects.count() == 1


def test_share_messages_read_as_natural_polish(client, editor, portal_a, portal_b):
    [doc] = DocumentFactory.create_batch(1)
    client.force_login(editor)
    url = share_url([doc])

    def messages_of(response):  # this response's messages only
        return [str(m).strip() for m in response.wsgi_request._messages._queued_messages]

    [first] = messages_of(client.post(url, {"portals": [portal_a.pk], "mode": "live"}))
    assert first.startswith(f"Udostępniono 1 dokument w panelu „{portal_a.name}”.")
    [again] = messages_of(client.post(url, {"portals": [portal_a.pk], "mode": "live"}))
    assert (
        again == f"Nic nie zmieniono: 1 element jest już udostępniony w panelu „{portal_a.name}”."
    )
    assert Share.objects.count() == 1
    # Portals of two clients: each named with its client (another document: the same
    # document's pinned version cannot join its live share on portal_a).
    [other] = DocumentFactory.create_batch(1)
    url = share_url([other])
    [pinned] = messages_of(client.post(url, {"portals": [portal_a.pk, portal_b.pk], "mode": "pin"}))
    assert pinned.startswith("Udostępniono 1 utrwaloną wersję dokumentu w panelach")
    assert f"„{portal_b.name}” ({portal_b.client.name})" in pinned


def test_revoke_dialog_offers_only_portals_where_the_items_are_shared(
    client, editor, administrator, portal_a, portal_a2, portal_b
):
    docs = DocumentFactory.create_batch(2)
    services.share_items(administrator, [portal_a], docs[:1])
    version = services.snapshot_document(administrator, docs[1])
    services.share_items(administrator, [portal_b], [version])  # through a pinned version
    client.force_login(editor)
    page = client.get(revoke_url(docs))
    form = page.context["form"]
    assert set(form.fields["portals"].queryset) == {portal_a, portal_b}
    # Ticks (no Ctrl-click), each portal named with its client; no other portal shown.
    assert f'type="checkbox" name="portals" value="{portal_b.pk}"' in page.text
    assert f"{portal_b.name} — {portal_b.client.name}" in page.text
    assert f'value="{portal_a2.pk}"' not in page.text
    # A portal where they are not shared is refused, and nothing is revoked.
    response = client.post(revoke_url(docs), {"portals": [portal_a2.pk]})
    assert response.status_code == 200 and "portals" in response.context["form"].errors
    assert Share.objects.revoked().count() == 0
    # Nothing shared: nothing to offer.
    fresh = DocumentFactory()
    assert not client.get(revoke_url([fresh])).context["form"].fields["portals"].queryset.exists()
