"""DESIGN rule 10: a new session key at every privilege step; portal sessions end.

The attacker plants a session key in the victim's browser (a cookie set from a sibling
subdomain, a shared computer); after each step the victim takes, the planted key must
be worth nothing.
"""

import re

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import otp_login
from wagtail_clientportal import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PASSWORD = "secret-pass-123"
NEW_PASSWORD = "Zimowy-Las-2026"
LOGIN = reverse("wagtail_clientportal:login")
CODE = reverse("wagtail_clientportal:login_code")
SETUP = reverse("wagtail_clientportal:setup")
SETUP_VERIFY = reverse("wagtail_clientportal:setup_verify")
CHOOSE = reverse("wagtail_clientportal:choose")
ACCOUNT = reverse("wagtail_clientportal:account")


def _planted_pair():
    """An attacker's client with a live session, and the victim's client holding its key."""
    attacker = Client()
    session = attacker.session
    session["planted"] = True
    session.save()
    victim = Client()
    victim.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key
    return attacker, victim, session.session_key


def _key(client):
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def _code(mailoutbox):
    return re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)


def _email_device_id(client):
    html = client.get(CODE).content.decode()
    return re.search(r'value="(otp_email\.emaildevice/\d+)"', html).group(1)


def test_password_step_and_code_step_each_change_the_key(member, portal_a, mailoutbox):
    attacker, victim, planted = _planted_pair()
    response = victim.post(LOGIN, {"email": member.email, "password": PASSWORD})
    assert response["Location"] == CODE
    after_password = _key(victim)
    assert after_password != planted
    # The planted key does not reach the victim's code page (nor sends them a code).
    sent = len(mailoutbox)
    assert attacker.get(CODE)["Location"] == LOGIN
    assert len(mailoutbox) == sent

    device_id = _email_device_id(victim)
    response = victim.post(CODE, {"device": device_id, "token": _code(mailoutbox)})
    assert response["Location"] == CHOOSE
    assert _key(victim) not in (planted, after_password)
    # Neither earlier key is logged in.
    for key in (planted, after_password):
        other = Client()
        other.cookies[django_settings.SESSION_COOKIE_NAME] = key
        assert other.get(CHOOSE)["Location"].startswith(LOGIN)
    assert victim.get(CHOOSE).status_code == 302  # one portal: straight in
    assert victim.get(CHOOSE)["Location"] == reverse(
        "wagtail_clientportal:portal", args=[portal_a.pk]
    )


def _invite(ado, portal, mailoutbox, capture, email="ewa@klient.pl"):
    with capture(execute=True):
        services.create_portal_user(
            ado, portal.client, email=email, first_name="Ewa", last_name="Lis", portals=[portal]
        )
    [message] = [m for m in mailoutbox if m.to == [email]]
    return re.search(r"http://testserver(/portal/activate/\S+/)", message.body).group(1)


def test_activation_password_and_device_confirmation_each_change_the_key(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, settings
):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    link = _invite(ado, portal_a, mailoutbox, django_capture_on_commit_callbacks)
    attacker, victim, planted = _planted_pair()
    response = victim.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == SETUP
    after_password = _key(victim)
    assert after_password != planted
    # With the planted key the attacker cannot see or pick the victim's second factor.
    assert attacker.get(SETUP)["Location"] == LOGIN
    assert attacker.post(SETUP, {"method": "totp"})["Location"] == LOGIN
    assert not TOTPDevice.objects.exists()

    victim.post(SETUP, {"method": "totp"})
    assert attacker.get(SETUP_VERIFY)["Location"] == LOGIN  # no QR code, no secret
    device = TOTPDevice.objects.get()
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    token = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    response = victim.post(SETUP_VERIFY, {"token": token})
    assert response.status_code == 200  # the backup codes
    assert _key(victim) not in (planted, after_password)
    assert victim.get(ACCOUNT).status_code == 200
    for key in (planted, after_password):
        other = Client()
        other.cookies[django_settings.SESSION_COOKIE_NAME] = key
        assert other.get(ACCOUNT)["Location"].startswith(LOGIN)


def test_idle_timeout_ends_a_verified_portal_session(client, member, portal_a, settings):
    settings.WAGTAILCLIENTPORTAL_SESSION_IDLE_TIMEOUT = 30 * 60
    documents = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        otp_login(client, member.user)
        assert client.get(documents).status_code == 200
    # Active: every request within the idle timeout keeps the session.
    for minutes in (20, 40, 60):
        with time_machine.travel(start + timezone.timedelta(minutes=minutes), tick=False):
            assert client.get(documents).status_code == 200
    with time_machine.travel(start + timezone.timedelta(minutes=60 + 31), tick=False):
        response = client.get(documents)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={documents}"
        # Logged out for good, not just redirected once.
        assert client.get(ACCOUNT)["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in client.session


def test_absolute_lifetime_ends_even_an_active_session(client, member, portal_a, settings):
    settings.WAGTAILCLIENTPORTAL_SESSION_MAX_AGE = 12 * 3600
    documents = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        otp_login(client, member.user)
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timezone.timedelta(minutes=minutes), tick=False):
            assert client.get(documents).status_code == 200, minutes
    with time_machine.travel(start + timezone.timedelta(hours=12, minutes=1), tick=False):
        assert client.get(documents)["Location"].startswith(LOGIN)


def test_an_older_session_without_the_marker_gets_a_lifetime_too(
    client, member, portal_a, settings
):
    """A session verified before this rule existed is bounded from the first request on."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=member.user, name="old", confirmed=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(member.user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        assert client.get(ACCOUNT).status_code == 200
    with time_machine.travel(start + timezone.timedelta(hours=1), tick=False):
        assert client.get(ACCOUNT)["Location"].startswith(LOGIN)


def test_staff_sessions_are_untouched(client, administrator, settings):
    settings.WAGTAILCLIENTPORTAL_SESSION_IDLE_TIMEOUT = 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(administrator)
        client.get(LOGIN)
    with time_machine.travel(start + timezone.timedelta(hours=2), tick=False):
        client.get(LOGIN)
        assert client.get(reverse("wagtailadmin_home")).status_code == 200
