"""Small things that break trust: backup codes typed on a phone, navigation on the
authenticator page, saving backup codes, a favicon, which account is being activated,
and Django's password messages that read wrong in Polish."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client as HttpClient
from django.urls import reverse

from tests.conftest import otp_login
from wagtail_clientportal import services
from wagtail_clientportal.portal.forms import CodeForm, TokenForm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]
PASSWORD = "Zimowy-Las-2026"


def test_the_login_code_field_accepts_letters_on_a_phone():
    html = str(CodeForm([])["token"])
    assert "inputmode" not in html and 'autocapitalize="none"' in html
    # Setup codes (email, authenticator app) are digits only: the number pad stays.
    assert 'inputmode="numeric"' in str(TokenForm()["token"])


def test_the_authenticator_page_keeps_the_navigation(client, member):
    otp_login(client, member.user)
    html = client.get(reverse("wagtail_clientportal:account_totp")).content.decode()
    assert reverse("wagtail_clientportal:choose") in html
    assert reverse("wagtail_clientportal:logout") in html


def test_every_page_has_a_favicon_that_exists(client):
    html = client.get(reverse("wagtail_clientportal:login")).content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    assert finders.find(href.removeprefix("/static/"))


def _activate(ado, portal, mailoutbox, captured, client):
    with captured(execute=True):
        services.create_portal_user(
            ado, portal.client, email="ewa@klient.pl", first_name="E", last_name="L",
            portals=[portal],
        )  # fmt: skip
    return re.search(r"http://testserver(/portal/activate/\S+/)", mailoutbox[0].body).group(1)


def test_activation_shows_the_steps_and_the_account(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client
):
    link = _activate(ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client)
    step1 = client.get(link).content.decode()
    assert 'aria-current="step"' in step1 and "ewa@klient.pl" in step1
    assert re.search(r'aria-current="step"[^>]*>1 ', step1)
    client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    step2 = client.get(reverse("wagtail_clientportal:setup")).content.decode()
    assert re.search(r'aria-current="step"[^>]*>2 ', step2) and "ewa@klient.pl" in step2
    mailoutbox.clear()
    client.post(reverse("wagtail_clientportal:setup"), {"method": "email"})
    code = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)
    step3 = client.post(reverse("wagtail_clientportal:setup_verify"), {"token": code})
    html = step3.content.decode()
    assert re.search(r'aria-current="step"[^>]*>3 ', html)
    # Copy, download and print (a static script: no inline script under the CSP), and
    # a confirmation before going on.
    assert "data-backup-codes-copy" in html and "data-backup-codes-download" in html
    assert "data-backup-codes-print" in html and "<script>" not in html
    assert re.search(r'<input type="checkbox" name="saved" required>', html)
    assert finders.find("wagtail_clientportal/js/backup-codes.js")


def test_going_back_to_a_finished_setup_step_is_not_called_expired(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client
):
    """A reload of the backup codes page (or the back button) after activation: the
    person is logged in, so they are sent on to the portal, not told to log in again."""
    link = _activate(ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client)
    client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    mailoutbox.clear()
    client.post(reverse("wagtail_clientportal:setup"), {"method": "email"})
    code = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)
    client.post(reverse("wagtail_clientportal:setup_verify"), {"token": code})
    for step in ("setup", "setup_verify"):
        again = client.get(reverse(f"wagtail_clientportal:{step}"), follow=True)
        html = again.content.decode()
        assert again.redirect_chain[0][0] == reverse("wagtail_clientportal:choose")
        assert "Czas na ten krok minął" not in html
        assert "Konto jest już skonfigurowane" in html
    # Someone else's browser with no finished step still hears that it expired.
    other = HttpClient()
    expired = other.get(reverse("wagtail_clientportal:setup_verify"), follow=True)
    assert "Czas na ten krok minął" in expired.content.decode()


def test_the_similarity_message_reads_right_in_polish(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client
):
    link = _activate(ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client)
    response = client.post(
        link, {"new_password1": "ewa@klient.pl1", "new_password2": "ewa@klient.pl1"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "podobne do nazwa" not in html and "zbyt podobne do danych konta" in html
