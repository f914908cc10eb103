"""Login, code step, throttling, password reset and the account page."""

import re

import pytest
import time_machine
from django.utils import timezone
from django_otp.plugins.otp_email.models import EmailDevice

from tests.conftest import otp_login
from tests.factories import PortalUserFactory
from wagtail_clientportal.models import PortalUser
from wagtail_clientportal.services import accounts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PASSWORD = "secret-pass-123"


def _login(client, email, password=PASSWORD, **extra):
    return client.post("/portal/", {"email": email, "password": password}, **extra)


def _code(mailoutbox):
    return re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)


def _email_device_id(client):
    html = client.get("/portal/login/code/").content.decode()
    return re.search(r'value="(otp_email\.emaildevice/\d+)"', html).group(1)


def test_login_with_email_code(client, member, portal_a, mailoutbox):
    assert _login(client, member.email)["Location"] == "/portal/login/code/"
    device_id = _email_device_id(client)
    assert [m.to for m in mailoutbox] == [[member.email]]
    page = client.post("/portal/login/code/", {"device": device_id}).content.decode()
    assert "Prosimy wpisać kod" in page
    response = client.post("/portal/login/code/", {"device": device_id, "token": _code(mailoutbox)})
    assert response["Location"] == "/portal/choose/"
    # One portal: straight to it.
    assert client.get("/portal/choose/")["Location"] == f"/portal/p/{portal_a.pk}/"


def test_next_is_kept_and_never_offsite(client, member, portal_a, mailoutbox):
    target = f"/portal/p/{portal_a.pk}/invoices/"
    response = client.get(target)
    assert response["Location"] == f"/portal/?next={target}"
    client.post(f"/portal/?next={target}", {"email": member.email, "password": PASSWORD})
    device_id = _email_device_id(client)
    response = client.post("/portal/login/code/", {"device": device_id, "token": _code(mailoutbox)})
    assert response["Location"] == target
    client.post("/portal/logout/")
    client.post(
        "/portal/?next=https://evil.example/", {"email": member.email, "password": PASSWORD}
    )
    device_id = _email_device_id(client)  # the code page sends a new code
    response = client.post("/portal/login/code/", {"device": device_id, "token": _code(mailoutbox)})
    assert response["Location"] == "/portal/choose/"


def test_code_of_another_users_device_is_refused(client, member, portal_a, mailoutbox):
    other = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    foreign = EmailDevice.objects.create(user=other.user, name="email", confirmed=True)
    _login(client, member.email)
    _email_device_id(client)
    response = client.post(
        "/portal/login/code/", {"device": foreign.persistent_id, "token": "123456"}
    )
    assert response.status_code == 400
    assert client.get("/portal/choose/").status_code == 302


def test_wrong_codes_are_throttled(client, member, mailoutbox):
    _login(client, member.email)
    device_id = _email_device_id(client)
    code = _code(mailoutbox)
    first = client.post("/portal/login/code/", {"device": device_id, "token": "000000"})
    assert first.status_code == 400 and "Nieprawidłowy kod" in first.content.decode()
    # django-otp's back-off: even the right code waits after a wrong one.
    throttled = client.post("/portal/login/code/", {"device": device_id, "token": code})
    assert throttled.status_code == 429
    assert "chwilowo wstrzymane" in throttled.content.decode()
    assert client.get("/portal/choose/").status_code == 302
    # Too many wrong codes end the half-login: the password is needed again.
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            traveller.shift(120)
            response = client.post("/portal/login/code/", {"device": device_id, "token": "1"})
    assert response["Location"] == "/portal/"
    assert client.get("/portal/login/code/")["Location"] == "/portal/"


def test_wrong_passwords_are_throttled_per_account_and_ip(client, member, settings):
    settings.WAGTAILCLIENTPORTAL_LOGIN_LIMIT = 3
    settings.WAGTAILCLIENTPORTAL_LOGIN_IP_LIMIT = 5
    for _ in range(3):
        assert _login(client, member.email, "wrong").status_code == 400
    locked = _login(client, member.email)  # even the right password
    assert locked.status_code == 429
    assert "Zbyt wiele nieudanych prób logowania" in locked.content.decode()
    # Per IP: many accounts tried from one address.
    for i in range(5):
        _login(client, f"nobody{i}@example.com", "wrong", REMOTE_ADDR="10.1.1.1")
    other = PortalUserFactory(client=member.client, portals=list(member.portals.all()))
    assert _login(client, other.email, REMOTE_ADDR="10.1.1.1").status_code == 429
    assert _login(client, other.email, REMOTE_ADDR="10.1.1.2").status_code == 302
    # The lock ends after the lockout period.
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=1)):
        assert _login(client, member.email).status_code == 302


def test_unknown_email_and_bad_input_are_not_errors(client, member):
    assert _login(client, "nikt@example.com").status_code == 400
    assert client.post("/portal/", {"email": "not an email", "password": ""}).status_code == 400
    assert client.post("/portal/", {}).status_code == 400
    assert client.post("/portal/login/code/", {}).status_code == 302  # no half-login
    assert client.get("/portal/setup/verify/").status_code == 302


def test_blocked_user_cannot_log_in(client, member, mailoutbox):
    PortalUser.objects.filter(pk=member.pk).update(is_blocked=True)
    response = _login(client, member.email)
    assert response.status_code == 403 and mailoutbox == []


def test_password_reset_same_answer_and_token_misuse(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/portal/password-reset/", {"email": member.email})
        unknown = client.post("/portal/password-reset/", {"email": "nikt@example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode())  # noqa: E731
    assert strip(known) == strip(unknown)
    [message] = mailoutbox
    link = re.search(r"http://testserver(/portal/password-reset/\S+/)", message.body).group(1)
    uid, token = link.rstrip("/").split("/")[-2:]
    tampered = f"/portal/password-reset/{uid}/{token[:-2]}zz/"
    assert client.get(tampered).status_code == 400
    other = PortalUserFactory(client=member.client)
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    foreign = f"/portal/password-reset/{urlsafe_base64_encode(force_bytes(other.user.pk))}/{token}/"
    assert client.get(foreign).status_code == 400
    assert client.get(link).status_code == 200
    new = "Nowe-Haslo-2026!"
    assert client.post(link, {"new_password1": new, "new_password2": new}).status_code == 200
    assert client.get(link).status_code == 400  # used
    assert _login(client, member.email, new)["Location"] == "/portal/login/code/"


def test_guessing_the_password_for_new_backup_codes_is_throttled(client, settings, member):
    """A stolen session must not try passwords without limit for codes of its own (a
    second factor that outlives the session): wrong passwords count as at the login."""
    settings.WAGTAILCLIENTPORTAL_LOGIN_LIMIT = 3
    otp_login(client, member.user)
    for _attempt in range(3):
        assert client.post("/portal/account/backup-codes/", {"password": "x"}).status_code == 400
    response = client.post("/portal/account/backup-codes/", {"password": PASSWORD})
    assert response.status_code == 429
    assert accounts.backup_codes_left(member.user) == 0


def test_guessing_the_old_password_to_change_it_is_throttled(client, settings, member):
    settings.WAGTAILCLIENTPORTAL_LOGIN_LIMIT = 3
    otp_login(client, member.user)
    new = "Nowe-Haslo-2026!"
    for _attempt in range(3):
        data = {"old_password": "x", "new_password1": new, "new_password2": new}
        assert client.post("/portal/account/password/", data).status_code == 400
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    assert client.post("/portal/account/password/", data).status_code == 429
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)


def test_account_change_password_backup_codes_and_logout_everywhere(client, member):
    from django.test import Client

    otp_login(client, member.user)
    other_browser = Client()
    otp_login(other_browser, member.user)
    assert "Moje konto" in client.get("/portal/account/").content.decode()

    response = client.post(
        "/portal/account/password/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
    )
    assert response.status_code == 400
    new = "Nowe-Haslo-2026!"
    response = client.post(
        "/portal/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response["Location"] == "/portal/account/"
    assert client.get("/portal/account/").status_code == 200  # this session stays
    assert other_browser.get("/portal/account/").status_code == 302  # the other one ended

    assert client.post("/portal/account/backup-codes/", {"password": "wrong"}).status_code == 400
    response = client.post("/portal/account/backup-codes/", {"password": new})
    codes = re.findall(r"<code>(\w+)</code>", response.content.decode())
    assert len(codes) == 10 and accounts.backup_codes_left(member.user) == 10

    third = Client()
    assert client.get("/portal/account/").status_code == 200
    member.user.refresh_from_db()
    otp_login(third, member.user)
    assert client.get("/portal/account/").status_code == 200
    assert client.post("/portal/account/logout-everywhere/", {"password": "no"}).status_code == 400
    response = client.post("/portal/account/logout-everywhere/", {"password": new})
    assert response["Location"] == "/portal/"
    assert client.get("/portal/account/").status_code == 302
    assert third.get("/portal/account/").status_code == 302


def test_add_authenticator_app_from_account(client, member, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    otp_login(client, member.user)
    page = client.get("/portal/account/authenticator/").content.decode()
    assert "<svg" in page and "<script" not in page
    device = TOTPDevice.objects.get(user=member.user, confirmed=False)
    token = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    wrong = client.post("/portal/account/authenticator/", {"token": token, "password": "nope"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    response = client.post(
        "/portal/account/authenticator/", {"token": token, "password": "secret-pass-123"}
    )
    assert response["Location"] == "/portal/account/"
    device.refresh_from_db()
    assert device.confirmed


def test_resend_respects_the_cooldown(client, member, mailoutbox):
    _login(client, member.email)
    _email_device_id(client)
    assert len(mailoutbox) == 1
    response = client.post("/portal/login/code/", {"resend": "1"}, follow=True)
    assert "po upływie minuty" in response.content.decode() and len(mailoutbox) == 1
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=90)):
        response = client.post("/portal/login/code/", {"resend": "1"}, follow=True)
    assert "Nowy kod został wysłany" in response.content.decode() and len(mailoutbox) == 2


def test_password_reset_requests_are_limited(
    client, member, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # Emails per person are capped (3 per window by default) ...
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            response = client.post("/portal/password-reset/", {"email": member.email})
            assert response.status_code == 200  # the same answer every time
    assert len(mailoutbox) == 3
    # ... and requests per address (LOGIN_IP_LIMIT), whatever address is typed.
    settings.WAGTAILCLIENTPORTAL_LOGIN_IP_LIMIT = 6
    other = PortalUserFactory(client=member.client, portals=list(member.portals.all()))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            client.post("/portal/password-reset/", {"email": other.email})
    assert [m.to for m in mailoutbox[3:]] == [[other.email]]
    # Reset requests never lock the login itself.
    assert _login(client, member.email).status_code == 302


def test_blocked_between_password_and_code(client, member, mailoutbox):
    _login(client, member.email)
    device_id = _email_device_id(client)
    PortalUser.objects.filter(pk=member.pk).update(is_blocked=True)
    response = client.post("/portal/login/code/", {"device": device_id, "token": _code(mailoutbox)})
    assert response.status_code == 403
    assert client.get("/portal/choose/").status_code == 302  # never logged in


@pytest.mark.django_db(transaction=True)
def test_device_lookup_and_code_work_outside_a_transaction(member):
    """Views run in autocommit: a SELECT ... FOR UPDATE outside a transaction fails on
    PostgreSQL, which once made every code look wrong there (SQLite ignores FOR UPDATE)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from wagtail_clientportal.services import accounts

    device = TOTPDevice.objects.create(user=member.user, name="app", confirmed=True)
    found = accounts.find_device(member.user, device.persistent_id)
    assert found == device
    assert accounts.find_device(member.user, "garbage") is None
    assert accounts.find_device(member.user, "otp_totp.totpdevice/99999999999999999999") is None
    assert accounts.find_device(member.user, None) is None
    token = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    ok, reason, _ = accounts.verify_code(found, token)
    assert ok, reason
