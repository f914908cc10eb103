"""What the client reads is typeset as Polish is: no one-letter word or "Sp. z o.o." split
across lines, no dash at the start of a line, one full stop after "o.o.", and a subject whose
dash keeps its space once a mail program decodes it."""

import email
import re
from email.header import decode_header, make_header

import pytest
from django.core import mail

from tests.conftest import otp_login
from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services, typography
from wagtail_clientportal.models import Notification
from wagtail_clientportal.notifications.delivery import build_message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]
NBSP = "\u00a0"


def test_text_keeps_one_letter_words_and_the_company_form_together():
    assert typography.text("Umowa z kancelarią i klientem") == (
        f"Umowa z{NBSP}kancelarią i{NBSP}klientem"
    )
    assert typography.text("Alfa Sp. z o.o. — panel") == f"Alfa Sp.{NBSP}z{NBSP}o.o.{NBSP}— panel"
    # Not inside words, e-mail addresses or after a dot.
    assert typography.text("abc a.b. x@w.pl") == "abc a.b. x@w.pl"


def test_html_changes_text_only_never_tags_attributes_or_form_fields():
    source = '<input value="a b" title="z o"><p>w domu</p><textarea>i tak</textarea><p>a kot</p>'
    assert typography.html(source) == (
        f'<input value="a b" title="z o"><p>w{NBSP}domu</p><textarea>i tak</textarea>'
        f"<p>a{NBSP}kot</p>"
    )


def test_portal_pages_keep_the_company_name_in_one_piece(client, member, portal_a):
    otp_login(client, member.user)
    html = client.get(f"/portal/p/{portal_a.pk}/documents/").content.decode()
    assert f"Alfa Sp.{NBSP}z{NBSP}o.o." in html and "Alfa Sp. z o.o." not in html


def _new_shares_email(editor, portal, captured):
    with captured(execute=True):
        services.share_items(editor, [portal], [DocumentFactory()])
    [message] = [m for m in mail.outbox if "Dokumenty" in m.subject]
    return message


def test_subject_dash_keeps_its_space_after_rfc2047_decoding(
    editor, member, portal_a, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.WAGTAILCLIENTPORTAL_FIRM_NAME = "Kancelaria Nowak i Wspólnicy Sp. z o.o."
    message = _new_shares_email(editor, portal_a, django_capture_on_commit_callbacks)
    raw = message.message().as_bytes()
    assert b"=?utf-8?" in raw  # encoded words: the case where a plain space is lost
    parsed = email.message_from_bytes(raw)
    subject = str(make_header(decode_header(parsed["Subject"])))
    assert "”—" not in subject
    assert re.search(r"„Dokumenty”\s— Kancelaria", subject)


def test_no_double_full_stop_after_a_company_name_in_any_email(
    ado, portal_a, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.WAGTAILCLIENTPORTAL_FIRM_NAME = "Kancelaria Nowak Sp. z o.o."
    with django_capture_on_commit_callbacks(execute=True):
        services.create_portal_user(
            ado, portal_a.client, email="nowa@klient.pl", first_name="A", last_name="B",
            portals=[portal_a],
        )  # fmt: skip
    existing = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    row = Notification.objects.create(
        kind="activation", recipient="x@klient.pl", portal_user=existing, portal=portal_a
    )
    messages = [*mailoutbox, build_message(row)]
    assert len(messages) == 2
    for message in messages:
        for text in (message.subject, message.body, message.alternatives[0][0]):
            assert "o.o.." not in text
            assert "Sp." in text or text == message.subject


def test_the_setup_code_email_speaks_of_setting_up_not_logging_in(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        services.create_portal_user(
            ado, portal_a.client, email="ewa@klient.pl", first_name="E", last_name="L",
            portals=[portal_a],
        )  # fmt: skip
    link = re.search(r"http://testserver(/portal/activate/\S+/)", mailoutbox[0].body).group(1)
    client.post(link, {"new_password1": "Zimowy-Las-2026", "new_password2": "Zimowy-Las-2026"})
    mailoutbox.clear()
    client.post("/portal/setup/", {"method": "email"})
    [code_email] = mailoutbox
    assert "zalogować" not in code_email.body and "konfigurują" in code_email.body


def test_version_rows_name_the_version_once(client, editor, member, portal_a):
    document = DocumentFactory(title="Umowa")
    version = services.snapshot_document(editor, document, label="v1")
    services.share_items(editor, [portal_a], [version])
    otp_login(client, member.user)
    html = client.get(f"/portal/p/{portal_a.pk}/documents/").content.decode()
    assert "Wersja dokumentu: v1" in html.replace(NBSP, " ")
    assert "· wersja" not in html


def test_an_empty_search_says_what_found_nothing(client, member, portal_a, editor):
    services.share_items(editor, [portal_a], [DocumentFactory(title="Umowa")])
    otp_login(client, member.user)
    html = client.get(f"/portal/p/{portal_a.pk}/documents/", {"q": "xyz"}).content.decode()
    assert "Brak wyników dla „xyz”." in html
    assert "Na razie nic tu nie ma" not in html
