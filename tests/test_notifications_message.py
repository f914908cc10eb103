"""Issue 3: an optional message from the firm with a share ("Wiadomość"), in the new-items email."""

import pytest
from django.core import mail
from django.test.utils import override_settings
from django.urls import reverse

from tests.factories import DocumentFactory, InvoiceFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import ClientPortalValidationError
from wagtail_clientportal.models import Notification, Share

pytestmark = pytest.mark.django_db

HEADING = "Wiadomość od kancelarii:"


@pytest.fixture
def people(portal_a):
    return PortalUserFactory.create_batch(3, client=portal_a.client, portals=[portal_a])


def html_of(message):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def test_the_message_reaches_every_recipient_in_text_and_html(
    editor, portal_a, people, mailoutbox, django_capture_on_commit_callbacks
):
    note = "Proszę o podpisanie umowy do piątku.\nDziękujemy!"
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], DocumentFactory.create_batch(2), message=note)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(pu.email for pu in people)
    for message in mailoutbox:
        # The note gets the emails' typography (no-break spaces), nothing else changes.
        assert f"{HEADING}\n{note}\n" in message.body.replace("\xa0", " ")
        html = html_of(message).replace("\xa0", " ")
        assert HEADING in html
        assert "Proszę o podpisanie umowy do piątku.<br>Dziękujemy!" in html
    # Kept with the notification (rendered again on a retry), not on the share.
    assert {n.context["message"] for n in Notification.objects.all()} == {note}


def test_no_message_renders_nothing(
    editor, portal_a, people, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], [DocumentFactory()], message="   \n ")
    assert len(mailoutbox) == 3
    for message in mailoutbox:
        assert "Wiadomość" not in message.body and "Wiadomość" not in html_of(message)
        assert "\n\n\n" not in message.body
    assert all("message" not in n.context for n in Notification.objects.all())


def test_the_message_is_escaped_in_html_and_plain_in_text(
    editor, portal_a, people, mailoutbox, django_capture_on_commit_callbacks
):
    note = '<script>alert("x")</script> <a href="http://zlo.example">Kliknij</a> & „cudzysłów”'
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], [DocumentFactory()], message=note)
    message = mailoutbox[0]
    html = html_of(message)
    assert "<script>" not in html and '<a href="http://zlo.example">' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&amp; „cudzysłów”" in html
    assert note in message.body.replace("\xa0", " ")  # plain text: as written


def test_a_too_long_message_is_refused_and_nothing_is_shared(editor, portal_a, people):
    with pytest.raises(ClientPortalValidationError) as error:
        services.share_items(editor, [portal_a], [DocumentFactory()], message="x" * 2001)
    assert error.value.code == "message_too_long"
    assert not Share.objects.exists() and not Notification.objects.exists()


@override_settings(
    MAILERS={"default": {"BACKEND": "anymail.backends.test.EmailBackend"}},
    WAGTAILCLIENTPORTAL_NOTIFY_BATCH_SEND=True,
)
def test_batch_send_still_one_call_with_a_message(
    editor, portal_a, people, django_capture_on_commit_callbacks
):
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        services.share_items(editor, [portal_a], [DocumentFactory()], message="Pilne.")
    [batch] = mail.outbox
    assert len(batch.to) == 3 and "Pilne." in batch.body


# --- The "Dodaj udostępnienie" forms ------------------------------------------------------------


@pytest.fixture
def _editor_chooses_documents(editor):
    from django.contrib.auth.models import Permission
    from wagtail.models import Collection, GroupCollectionPermission

    GroupCollectionPermission.objects.create(
        group=editor.groups.get(),
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(
            content_type__app_label="wagtaildocs", codename="choose_document"
        ),
    )


def _bulk_url(app, model, objs):
    query = "&".join(f"id={o.pk}" for o in objs)
    return reverse("wagtail_bulk_action", args=[app, model, "clientportal_share"]) + "?" + query


@pytest.mark.usefixtures("_editor_chooses_documents")
def test_documents_share_form_sends_the_message(
    client, editor, portal_a, people, mailoutbox, django_capture_on_commit_callbacks
):
    docs = DocumentFactory.create_batch(2)
    url = _bulk_url("testapp", "casedocument", docs)
    client.force_login(editor)
    response = client.get(url)
    assert "Wiadomość" in response.text and 'name="message"' in response.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"portals": [portal_a.pk], "mode": "live", "message": "Umowy do podpisu."}
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 3
    assert all("Umowy do podpisu." in m.body for m in mailoutbox)


@pytest.mark.usefixtures("_editor_chooses_documents")
def test_documents_share_form_refuses_a_too_long_message(client, editor, portal_a, people):
    client.force_login(editor)
    response = client.post(
        _bulk_url("testapp", "casedocument", [DocumentFactory()]),
        {"portals": [portal_a.pk], "mode": "live", "message": "x" * 2001},
    )
    assert response.status_code == 200 and "message" in response.context["form"].errors
    assert not Share.objects.exists()


def test_invoices_share_form_sends_the_message(
    client, editor, portal_a, people, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = InvoiceFactory(client=portal_a.client)
    url = _bulk_url("wagtail_clientportal", "invoice", [invoice])
    client.force_login(editor)
    assert 'name="message"' in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"portals": [portal_a.pk], "message": "Faktura za listopad."})
    assert response.status_code == 302
    assert len(mailoutbox) == 3
    assert all("Faktura za listopad." in html_of(m) for m in mailoutbox)


def test_invoice_page_share_form_sends_the_message(
    client, editor, portal_a, people, mailoutbox, django_capture_on_commit_callbacks
):
    invoice = InvoiceFactory(client=portal_a.client)
    url = reverse("clientportal_staff:invoice_shares", args=[invoice.pk])
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"items": ["invoice"], "portals": [portal_a.pk], "message": "Do zapłaty."}
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 3 and all("Do zapłaty." in m.body for m in mailoutbox)
