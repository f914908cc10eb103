"""The firm's contact, and the client's contact person, wherever the client is told to
contact the firm: the portal's footer (refusal pages included) and every email."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import otp_login
from tests.factories import DocumentFactory, UserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import PortalUser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PHONE = "+48 22 123 45 67"


@pytest.fixture
def firm_contact(settings):
    settings.WAGTAILCLIENTPORTAL_FIRM_PHONE = PHONE
    settings.WAGTAILCLIENTPORTAL_FIRM_EMAIL = "biuro@kancelaria.example"
    settings.WAGTAILCLIENTPORTAL_FIRM_ADDRESS = "ul. Prosta 1, 00-001 Warszawa"
    settings.WAGTAILCLIENTPORTAL_FIRM_HOURS = "pn.–pt. 9–17"


@pytest.fixture
def lawyer(client_a):
    person = UserFactory(
        username="mec.nowak", first_name="Anna", last_name="Nowak", email="a.nowak@k.example"
    )
    client_a.contact_person = person
    client_a.save()
    return person


def _text(response):
    return response.content.decode().replace("\xa0", " ")


def test_portal_pages_show_the_firm_and_the_clients_contact_person(
    client, member, portal_a, firm_contact, lawyer
):
    otp_login(client, member.user)
    html = _text(
        client.get(reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"]))
    )
    footer = html.split('<footer class="site-footer">')[1]
    for part in (PHONE, "biuro@kancelaria.example", "ul. Prosta 1", "pn.–pt. 9–17"):
        assert part in footer
    assert "Anna Nowak" in footer and "mailto:a.nowak@k.example" in footer
    assert 'href="tel:+48221234567"' in footer


def test_refusal_pages_show_the_contact_too(client, editor, member, portal_a, firm_contact, lawyer):
    [share] = services.share_items(editor, [portal_a], [DocumentFactory()]).created
    PortalUser.objects.filter(pk=member.pk).update(is_blocked=True)
    otp_login(client, member.user)
    response = client.get(reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"]))
    assert response.status_code == 403
    assert PHONE in _text(response) and "Anna Nowak" in _text(response)
    # A download loads the contact person only for its refusal page.
    response = client.get(reverse("wagtail_clientportal:download", args=[portal_a.pk, share.pk]))
    assert response.status_code == 403 and "Anna Nowak" in _text(response)
    # Anonymous pages (the login page) give the firm's own contact.
    assert PHONE in _text(client.get(reverse("wagtail_clientportal:login")))


def test_no_contact_configured_shows_no_empty_box(client, member, portal_a):
    otp_login(client, member.user)
    html = _text(
        client.get(reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"]))
    )
    assert 'class="contact"' not in html


def test_every_email_carries_the_contact(
    ado, editor, portal_a, member, firm_contact, lawyer, mailoutbox,
    django_capture_on_commit_callbacks, client,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.create_portal_user(
            ado, portal_a.client, email="nowa@klient.pl", first_name="A", last_name="B",
            portals=[portal_a],
        )  # fmt: skip
        services.share_items(editor, [portal_a], [DocumentFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wagtail_clientportal:password_reset"), {"email": member.user.email})
    kinds = {"activation": 0, "new_shares": 0, "reset": 0}
    for message in mail.outbox:
        html = message.alternatives[0][0].replace("\xa0", " ")
        body = message.body.replace("\xa0", " ")
        assert PHONE in body and PHONE in html, message.subject
        assert "ul. Prosta 1" in body and "biuro@kancelaria.example" in html
        # The client's contact person in the emails that concern that client.
        if message.to == ["nowa@klient.pl"] or "Dokumenty" in message.subject:
            assert "Anna Nowak" in body and "a.nowak@k.example" in html
            kinds["new_shares" if "Dokumenty" in message.subject else "activation"] += 1
        else:
            kinds["reset"] += 1
    assert all(kinds.values()), kinds


def test_an_inactive_contact_person_is_not_shown(client, member, portal_a, firm_contact, lawyer):
    lawyer.is_active = False
    lawyer.save()
    otp_login(client, member.user)
    html = _text(
        client.get(reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"]))
    )
    assert "Anna Nowak" not in html and PHONE in html
