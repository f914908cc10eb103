"""Staff side: invoices area, private-file downloads, the shares listing, document versions."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import DocumentFactory, InvoiceFactory, PortalUserFactory, SettlementFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import DocumentVersion, Invoice, Settlement, Share

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_see_documents(request):
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


def bulk_url(model, action, objs):
    query = "&".join(f"id={o.pk}" for o in objs)
    return (
        reverse("wagtail_bulk_action", args=["wagtail_clientportal", model, action]) + "?" + query
    )


def messages_of(response):
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def invoice_data(client_obj, **overrides):
    data = {
        "client": client_obj.pk,
        "number": "FV/2026/0100",
        "ksef_number": "",
        "issue_date": "2026-11-02",
        "sale_date": "2026-10-31",
        "due_date": "2026-11-16",
        "net_amount": "1000.00",
        "vat_amount": "230.00",
        "gross_amount": "1230.00",
        "currency": "PLN",
        "paid_on": "",
        "settlements-TOTAL_FORMS": "1",
        "settlements-INITIAL_FORMS": "0",
        "settlements-MIN_NUM_FORMS": "0",
        "settlements-MAX_NUM_FORMS": "1000",
        "settlements-0-title": "Zestawienie godzin",
        "settlements-0-ORDER": "1",
        "settlements-0-DELETE": "",
        "settlements-0-id": "",
    }
    data.update(overrides)
    return data


def test_invoice_listing_filters_and_search(client, administrator, client_a, client_b):
    InvoiceFactory(client=client_a, number="FV/A/1", paid_on="2026-11-10")
    InvoiceFactory(client=client_b, number="FV/B/2")
    client.force_login(administrator)
    url = reverse("clientportal_invoices:list")
    response = client.get(url)
    assert response.status_code == 200 and "FV/A/1" in response.text and "FV/B/2" in response.text
    assert "FV/B/2" not in client.get(url, {"q": "FV/A"}).text
    text = client.get(url, {"client": client_a.pk}).text
    assert "FV/A/1" in text and "FV/B/2" not in text
    text = client.get(url, {"paid": "false"}).text
    assert "FV/B/2" in text and "FV/A/1" not in text
    text = client.get(url, {"issue_date_from": "2026-12-01"}).text
    assert "FV/A/1" not in text and "FV/B/2" not in text


def test_create_invoice_with_pdf_and_settlement_inline(client, administrator, client_a):
    client.force_login(administrator)
    response = client.get(reverse("clientportal_invoices:add"))
    assert response.status_code == 200
    data = invoice_data(client_a)
    data["pdf"] = SimpleUploadedFile("faktura.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    data["settlements-0-file"] = SimpleUploadedFile("godziny.pdf", b"%PDF-1.4 h")
    response = client.post(reverse("clientportal_invoices:add"), data)
    assert response.status_code == 302, response.context["form"].errors
    invoice = Invoice.objects.get(number="FV/2026/0100")
    [settlement] = invoice.settlements.all()
    assert settlement.title == "Zestawienie godzin"
    # The edit form renders without ever calling the private storage's .url.
    response = client.get(reverse("clientportal_invoices:edit", args=[invoice.pk]))
    assert response.status_code == 200
    assert reverse("clientportal_staff:file", args=["invoice", invoice.pk]) in response.text
    assert reverse("clientportal_staff:file", args=["settlement", settlement.pk]) in response.text


def test_invoice_with_wrong_gross_is_a_form_error(client, administrator, client_a):
    client.force_login(administrator)
    data = invoice_data(client_a, gross_amount="999.00", **{"settlements-TOTAL_FORMS": "0"})
    data["pdf"] = SimpleUploadedFile("faktura.pdf", b"%PDF-1.4 x")
    response = client.post(reverse("clientportal_invoices:add"), data)
    assert response.status_code == 200
    assert not Invoice.objects.exists()


def test_staff_download_streams_private_file(client, administrator, nobody):
    invoice = InvoiceFactory()
    url = reverse("clientportal_staff:file", args=["invoice", invoice.pk])
    client.force_login(administrator)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 invoice"
    assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}
    assert "attachment" in response["Content-Disposition"]
    client.force_login(nobody)
    assert client.get(url).status_code == 403
    client.force_login(administrator)
    assert client.get(reverse("clientportal_staff:file", args=["nonsense", 1])).status_code == 404
    assert client.get(reverse("clientportal_staff:file", args=["invoice", 999])).status_code == 404


def test_share_and_revoke_invoices_with_settlements(client, editor, client_a, portal_a, portal_b):
    invoice = InvoiceFactory(client=client_a)
    settlement = SettlementFactory(invoice=invoice)
    PortalUserFactory(client=client_a, portals=[portal_a])
    client.force_login(editor)
    url = bulk_url("invoice", "clientportal_share", [invoice])
    form = client.get(url).context["form"]
    # The portal chooser starts on the invoice's client.
    assert form.fields["portals"].widget.client_id == client_a.pk
    response = client.post(url, {"portals": [portal_a.pk], "include_settlements": "on"})
    assert response.status_code == 302
    assert {s.kind for s in Share.objects.active()} == {"invoice", "settlement"}
    assert "1 użytkownik PK otrzyma powiadomienie" in messages_of(response)[0]
    # A portal of another client is refused by the service, shown on the portals field.
    response = client.post(url, {"portals": [portal_b.pk]})
    assert response.status_code == 200 and "portals" in response.context["form"].errors
    assert not Share.objects.filter(portal=portal_b).exists()
    response = client.post(bulk_url("invoice", "clientportal_revoke", [invoice]), {})
    assert response.status_code == 302
    assert Share.objects.active().count() == 0
    assert Settlement.objects.filter(pk=settlement.pk).exists()


def test_shares_listing_filters_and_bulk_revoke(client, editor, administrator, portal_a, portal_b):
    docs = DocumentFactory.create_batch(2)
    services.share_items(administrator, [portal_a], docs)
    services.share_items(administrator, [portal_b], docs[:1])
    url = reverse("clientportal_shares:list")
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 3
    assert client.get(url, {"portal": portal_b.pk}).context["page_obj"].paginator.count == 1
    assert client.get(url, {"client": portal_a.client_id}).context["page_obj"].paginator.count == 2
    assert client.get(url, {"kind": "document"}).context["page_obj"].paginator.count == 3
    assert client.get(url, {"kind": "invoice"}).context["page_obj"].paginator.count == 0
    assert client.get(url, {"shared_by": administrator.pk}).context["page_obj"].paginator.count == 3
    shares = list(Share.objects.filter(portal=portal_a))
    response = client.post(bulk_url("share", "clientportal_revoke_shares", shares), {})
    assert response.status_code == 302
    assert Share.objects.revoked().count() == 2
    assert client.get(url, {"status": "revoked"}).context["page_obj"].paginator.count == 2
    assert client.get(url, {"status": "active"}).context["page_obj"].paginator.count == 1
    # No add or edit form for shares: they change only through the services.
    assert client.get(reverse("clientportal_shares:add")).status_code in (302, 403)


def test_nobody_cannot_revoke_from_shares_listing(
    client, nobody, administrator, portal_a, document
):
    [share] = services.share_items(administrator, [portal_a], [document]).created
    client.force_login(nobody)
    response = client.post(bulk_url("share", "clientportal_revoke_shares", [share]), {})
    assert response.status_code == 403
    assert Share.objects.active().count() == 1


def test_document_page_revokes_and_saves_versions(
    client, editor, administrator, portal_a, document
):
    [share] = services.share_items(administrator, [portal_a], [document]).created
    client.force_login(editor)
    edit = client.get(reverse("wagtaildocs:edit", args=[document.pk]))
    url = reverse("clientportal_staff:document_shares", args=[document.pk])
    assert edit.status_code in (200, 302)
    response = client.get(url)
    assert response.status_code == 200 and "Dokumenty" in response.text
    response = client.post(url, {"action": "snapshot", "label": "v1"})
    assert response.status_code == 302
    [version] = DocumentVersion.objects.all()
    assert version.label == "v1" and version.created_by == editor
    assert reverse("clientportal_staff:file", args=["version", version.pk]) in client.get(url).text
    response = client.post(url, {"action": "revoke", "share": [share.pk]})
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.revoked_by == editor
    response = client.post(url, {"action": "revoke", "share": ["999"]}, follow=True)
    assert response.status_code == 200


def test_document_edit_view_links_to_its_shares(client, document):
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from tests.factories import UserFactory

    call_command("clientportal_roles", stdout=None)
    admin = UserFactory(username="admin@kancelaria.pl")
    admin.groups.add(Group.objects.get(name="Administrator"))
    client.force_login(admin)
    response = client.get(reverse("wagtaildocs:edit", args=[document.pk]))
    assert response.status_code == 200
    assert reverse("clientportal_staff:document_shares", args=[document.pk]) in response.text


def test_invoice_page_shares_a_single_settlement_and_revokes(
    client, editor, client_a, portal_a, portal_b, member
):
    invoice = InvoiceFactory(client=client_a)
    settlement = SettlementFactory(invoice=invoice)
    SettlementFactory(invoice=invoice, title="Inne")
    url = reverse("clientportal_staff:invoice_shares", args=[invoice.pk])
    client.force_login(editor)
    listing = client.get(reverse("clientportal_invoices:list")).text
    assert url in listing
    response = client.get(url)
    assert response.status_code == 200
    assert list(response.context["form"].fields["portals"].queryset) == [portal_a]
    response = client.post(
        url, {"action": "share", "items": [f"settlement-{settlement.pk}"], "portals": [portal_a.pk]}
    )
    assert response.status_code == 302
    [share] = Share.objects.all()
    assert share.settlement == settlement and share.portal == portal_a
    assert "1 użytkownik PK otrzyma powiadomienie" in messages_of(response)[0]
    # Bad input: no item, another client's portal, an unknown settlement.
    for data in (
        {"portals": [portal_a.pk]},
        {"items": ["invoice"], "portals": [portal_b.pk]},
        {"items": ["settlement-999"], "portals": [portal_a.pk]},
    ):
        response = client.post(url, {"action": "share", **data})
        assert response.status_code == 200 and response.context["form"].errors
    assert Share.objects.count() == 1
    response = client.post(url, {"action": "revoke", "share": [share.pk]})
    assert response.status_code == 302
    assert Share.objects.active().count() == 0


def test_invoice_page_refuses_sharing_without_permission(client, ado, client_a, portal_a):
    invoice = InvoiceFactory(client=client_a)
    client.force_login(ado)
    url = reverse("clientportal_staff:invoice_shares", args=[invoice.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "share", "items": ["invoice"], "portals": [portal_a.pk]})
    assert response.status_code == 403
    assert not Share.objects.exists()


def test_invoice_pdf_must_be_a_pdf(client, administrator, client_a):
    client.force_login(administrator)
    data = invoice_data(client_a, **{"settlements-TOTAL_FORMS": "0"})
    data["pdf"] = SimpleUploadedFile("faktura.pdf", b"MZ not a pdf")
    response = client.post(reverse("clientportal_invoices:add"), data)
    assert response.status_code == 200
    assert "pdf" in response.context["form"].errors
    assert not Invoice.objects.exists()


def test_unknown_ids_in_bulk_actions_are_404(client, editor):
    client.force_login(editor)
    url = bulk_url("share", "clientportal_revoke_shares", [])
    assert client.get(url + "id=999999").status_code == 404
    assert client.get(url + "id=abc").status_code == 404


def test_document_page_and_version_download_respect_collections(client, editor, administrator):
    from wagtail.models import Collection, GroupCollectionPermission

    secret = Collection.get_first_root_node().add_child(name="Tajne")
    public = Collection.get_first_root_node().add_child(name="Publiczne")
    GroupCollectionPermission.objects.filter(group__in=editor.groups.all()).update(
        collection=public
    )
    hidden = DocumentFactory(collection=secret)
    version = services.snapshot_document(administrator, hidden)
    client.force_login(editor)
    url = reverse("clientportal_staff:document_shares", args=[hidden.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "snapshot"}).status_code == 403
    assert DocumentVersion.objects.count() == 1
    file_url = reverse("clientportal_staff:file", args=["version", version.pk])
    assert client.get(file_url).status_code == 403
    client.force_login(administrator)
    assert client.get(file_url).status_code == 200


def test_invoice_shared_on_portals_cannot_move_to_another_client(
    client, administrator, client_a, client_b, portal_a
):
    invoice = InvoiceFactory(client=client_a)
    services.share_items(administrator, [portal_a], [invoice])
    client.force_login(administrator)
    data = invoice_data(client_b, number=invoice.number, **{"settlements-TOTAL_FORMS": "0"})
    response = client.post(reverse("clientportal_invoices:edit", args=[invoice.pk]), data)
    assert response.status_code == 200
    assert "client" in response.context["form"].errors
    invoice.refresh_from_db()
    assert invoice.client == client_a


@pytest.mark.parametrize("count", [5, 45])
def test_shares_listing_queries_do_not_grow_with_rows(
    client, editor, administrator, portal_a, count, django_assert_max_num_queries
):
    invoice = InvoiceFactory(client=portal_a.client)
    items = [*DocumentFactory.create_batch(count), invoice, SettlementFactory(invoice=invoice)]
    services.share_items(administrator, [portal_a], items)
    client.force_login(editor)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("clientportal_shares:list"))
    assert response.status_code == 200


def test_shared_invoice_and_settlement_are_kept_for_the_audit(
    client, administrator, client_a, portal_a, django_user_model
):
    invoice = InvoiceFactory(client=client_a)
    settlement = SettlementFactory(invoice=invoice)
    [share] = services.share_items(administrator, [portal_a], [settlement]).created
    services.revoke_shares(administrator, [share])  # revoked rows are the audit too
    client.force_login(administrator)
    # Removing the shared settlement in the inline panel is refused...
    data = invoice_data(
        client_a,
        number=invoice.number,
        **{
            "settlements-INITIAL_FORMS": "1",
            "settlements-0-id": str(settlement.pk),
            "settlements-0-DELETE": "1",
        },
    )
    response = client.post(reverse("clientportal_invoices:edit", args=[invoice.pk]), data)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert Settlement.objects.filter(pk=settlement.pk).exists()
    # ...and so is deleting the invoice, even by a superuser.
    client.force_login(
        django_user_model.objects.create_superuser("root", "root@kancelaria.pl", "x")
    )
    response = client.post(reverse("clientportal_invoices:delete", args=[invoice.pk]))
    assert response.status_code == 302
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert Share.objects.filter(pk=share.pk).exists()
    assert any("nie można" in m or "cannot" in m for m in messages_of(response))
    # An invoice never shared can still be deleted.
    other = InvoiceFactory(client=client_a)
    client.post(reverse("clientportal_invoices:delete", args=[other.pk]))
    assert not Invoice.objects.filter(pk=other.pk).exists()


def test_invoice_gross_is_computed_from_net_and_vat(client, administrator, client_a):
    client.force_login(administrator)
    add = reverse("clientportal_invoices:add")
    assert "wagtail_clientportal/js/invoice-gross.js" in client.get(add).text
    data = invoice_data(client_a, net_amount="4850.50", vat_amount="1115.62", gross_amount="")
    data["settlements-TOTAL_FORMS"] = "0"
    data["pdf"] = SimpleUploadedFile("faktura.pdf", b"%PDF-1.4 x")
    response = client.post(add, data)
    assert response.status_code == 302, response.context["form"].errors
    invoice = Invoice.objects.get()
    assert str(invoice.gross_amount) == "5966.12"


def test_invoice_listing_shows_amounts_with_grouping_and_currency(client, administrator, client_a):
    InvoiceFactory(
        client=client_a, net_amount="4850.50", vat_amount="1115.62", gross_amount="5966.12"
    )
    client.force_login(administrator)
    text = client.get(reverse("clientportal_invoices:list")).text
    assert "5\xa0966,12\xa0zł" in text
    assert "5966,12" not in text
