"""Passkeys: added on the account page, used after the password or (when the firm allows
it) alone, listed and removed; refused to everyone the portal's rules refuse.

A software authenticator (``tests/passkey_authenticator.py``) answers with real keys, so
the library's real verification runs; the browser test uses Chromium's virtual one.
"""

import json
import time

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp_webauthn.models import WebAuthnCredential

from tests.conftest import otp_login
from tests.factories import PortalUserFactory
from tests.passkey_authenticator import SoftAuthenticator
from wagtail_clientportal.portal import session as portal_session
from wagtail_clientportal.services import passkeys

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PASSWORD = "secret-pass-123"
URL = {
    name: reverse(f"wagtail_clientportal:{name}")
    for name in (
        "login",
        "login_code",
        "account",
        "choose",
        "passkey_add",
        "passkey_register_begin",
        "passkey_register_complete",
        "passkey_login_begin",
        "passkey_login_complete",
    )
}


def post_json(client, name, body=None, **extra):
    return client.post(URL[name], json.dumps(body or {}), content_type="application/json", **extra)


def register(client, authenticator, name="Laptop"):
    """On the account page of a verified session: password, then the ceremony."""
    assert client.post(URL["passkey_add"], {"name": name, "password": PASSWORD}).status_code == 200
    options = post_json(client, "passkey_register_begin").json()
    answer = authenticator.create(options)
    return post_json(client, "passkey_register_complete", {"credential": answer})


def password_step(client, user, **extra):
    response = client.post(URL["login"], {"email": user.email, "password": PASSWORD}, **extra)
    assert response["Location"] == URL["login_code"]


def passkey_step(client, authenticator, body=None, **extra):
    response = post_json(client, "passkey_login_begin", body, **extra)
    if response.status_code != 200:
        return response
    return post_json(
        client,
        "passkey_login_complete",
        {"credential": authenticator.get(response.json())},
        **extra,
    )


def is_logged_in_verified(client, user) -> bool:
    session = client.session
    return session.get("_auth_user_id") == str(user.pk) and bool(
        session.get(DEVICE_ID_SESSION_KEY, "").startswith("django_otp_webauthn.")
    )


@pytest.fixture
def member_with_email(member):
    EmailDevice.objects.create(user=member.user, name="email", confirmed=True)
    return member


@pytest.fixture
def authenticator():
    return SoftAuthenticator()


# --- adding on the account page --------------------------------------------------------------


def test_add_a_passkey_and_see_it_on_the_account_page(client, member_with_email, authenticator):
    otp_login(client, member_with_email.user)
    response = register(client, authenticator, name="Laptop biurowy")
    assert response.status_code == 200, response.content
    assert response.json() == {"redirect": URL["account"]}
    credential = WebAuthnCredential.objects.get(user=member_with_email.user)
    assert credential.name == "Laptop biurowy"
    assert credential.credential_id == authenticator.credential_id
    page = client.get(URL["account"]).content.decode()
    assert "Laptop biurowy" in page
    assert "nigdy" in page  # never used yet
    assert reverse("wagtail_clientportal:passkey_remove", args=[credential.pk]) in page


def test_adding_needs_the_password_first(client, member_with_email, authenticator):
    otp_login(client, member_with_email.user)
    response = post_json(client, "passkey_register_begin")
    assert response.status_code == 403
    assert response.json()["code"] == passkeys.PASSWORD_REQUIRED
    response = client.post(URL["passkey_add"], {"name": "X", "password": "wrong"})
    assert response.status_code == 400
    assert "Hasło jest nieprawidłowe" in response.content.decode()
    assert post_json(client, "passkey_register_begin").json()["code"] == passkeys.PASSWORD_REQUIRED


def test_guessing_the_password_to_add_a_passkey_is_throttled(
    client, settings, member_with_email, authenticator
):
    """A stolen session must not try passwords without limit to add a passkey of its own
    (a way in that outlives the session): wrong passwords count as at the login."""
    settings.WAGTAILCLIENTPORTAL_LOGIN_LIMIT = 3
    otp_login(client, member_with_email.user)
    for _attempt in range(3):
        response = client.post(URL["passkey_add"], {"name": "X", "password": "wrong"})
        assert response.status_code == 400
    response = client.post(URL["passkey_add"], {"name": "X", "password": PASSWORD})
    assert response.status_code == 429  # even the right one, until the wait is over
    assert post_json(client, "passkey_register_begin").json()["code"] == passkeys.PASSWORD_REQUIRED


def test_guessing_the_password_to_remove_a_passkey_is_throttled(
    client, settings, member_with_email, authenticator
):
    settings.WAGTAILCLIENTPORTAL_LOGIN_LIMIT = 3
    otp_login(client, member_with_email.user)
    assert register(client, authenticator).status_code == 200
    credential = WebAuthnCredential.objects.get(user=member_with_email.user)
    url = reverse("wagtail_clientportal:passkey_remove", args=[credential.pk])
    for _attempt in range(3):
        assert client.post(url, {"password": "wrong"}).status_code == 400
    assert client.post(url, {"password": PASSWORD}).status_code == 429
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_the_password_confirmation_expires(client, member_with_email, authenticator):
    otp_login(client, member_with_email.user)
    client.post(URL["passkey_add"], {"name": "X", "password": PASSWORD})
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11)):
        otp_login(client, member_with_email.user)  # the session itself is still fine
        response = post_json(client, "passkey_register_begin")
    assert response.json()["code"] == passkeys.PASSWORD_REQUIRED


@pytest.mark.parametrize("who", ["anonymous", "password_only", "not_verified"])
def test_adding_needs_an_otp_verified_session(client, member_with_email, authenticator, who):
    user = member_with_email.user
    if who == "password_only":
        password_step(client, user)  # a pending login: the code not given yet
    elif who == "not_verified":
        client.force_login(user)  # logged in, no second factor
    for name in ("passkey_register_begin", "passkey_register_complete"):
        response = post_json(client, name)
        assert response.status_code == 403
        assert response.json()["code"] == passkeys.NOT_VERIFIED
    assert client.get(URL["passkey_add"]).status_code == 302
    assert not WebAuthnCredential.objects.exists()


def test_a_blocked_person_cannot_add_one(client, member_with_email, authenticator):
    otp_login(client, member_with_email.user)
    client.post(URL["passkey_add"], {"name": "X", "password": PASSWORD})
    member_with_email.is_blocked = True
    member_with_email.save()
    response = post_json(client, "passkey_register_begin")
    assert response.status_code == 403
    assert response.json()["code"] == passkeys.NO_ACCESS


def test_staff_cannot_add_one(client, administrator, authenticator):
    otp_login(client, administrator)
    response = post_json(client, "passkey_register_begin")
    assert response.status_code == 403
    assert client.get(URL["passkey_add"]).status_code == 403


def test_a_bad_or_replayed_answer_is_refused_and_nothing_is_stored(
    client, member_with_email, authenticator
):
    otp_login(client, member_with_email.user)
    client.post(URL["passkey_add"], {"name": "X", "password": PASSWORD})
    options = post_json(client, "passkey_register_begin").json()
    answer = authenticator.create(options)
    tampered = dict(answer, response=dict(answer["response"], clientDataJSON="e30"))
    response = post_json(client, "passkey_register_complete", {"credential": tampered})
    assert (response.status_code, response.json()["code"]) == (400, passkeys.NOT_RECOGNISED)
    # The challenge was used up by the failed attempt: the good answer is now a replay.
    response = post_json(client, "passkey_register_complete", {"credential": answer})
    assert (response.status_code, response.json()["code"]) == (400, passkeys.INVALID_STATE)
    assert not WebAuthnCredential.objects.exists()
    for body in (b"not json", b"[1, 2]", json.dumps({"credential": "x"}).encode()):
        client.post(URL["passkey_add"], {"name": "X", "password": PASSWORD})
        post_json(client, "passkey_register_begin")
        response = client.post(
            URL["passkey_register_complete"], body, content_type="application/json"
        )
        assert response.status_code == 400, body
    assert not WebAuthnCredential.objects.exists()


def test_ceremony_endpoints_answer_post_only_with_portal_headers(client, member_with_email):
    otp_login(client, member_with_email.user)
    for name in ("passkey_register_begin", "passkey_login_complete"):
        response = client.get(URL[name])
        assert response.status_code == 405
        assert response["Cache-Control"] == "private, no-store"
    assert "Content-Security-Policy" in post_json(client, "passkey_login_begin")


def test_the_pages_load_the_static_script_only(client, member_with_email, authenticator):
    otp_login(client, member_with_email.user)
    page = client.post(URL["passkey_add"], {"name": "X", "password": PASSWORD}).content.decode()
    assert 'data-passkey="register"' in page
    assert f'data-begin="{URL["passkey_register_begin"]}"' in page
    scripts = [part.split(">", 1)[0] for part in page.split("<script")[1:]]
    assert scripts and all("src=" in tag for tag in scripts)
    assert "passkeys.js" in page


# --- the second step after the password ------------------------------------------------------


def test_log_in_with_a_passkey_after_the_password(client, member_with_email, authenticator):
    user = member_with_email.user
    credential = authenticator.install(user)
    password_step(client, user)
    page = client.get(URL["login_code"]).content.decode()
    assert "Użyj klucza dostępu" in page
    before = client.session.session_key
    response = passkey_step(client, authenticator)
    assert response.status_code == 200, response.content
    assert response.json() == {"redirect": URL["choose"]}
    assert client.session.session_key != before  # a privilege step: a new key
    assert is_logged_in_verified(client, user)
    assert portal_session.VERIFIED in client.session
    assert portal_session.PENDING_LOGIN not in client.session
    credential.refresh_from_db()
    assert credential.last_used_at is not None and credential.sign_count == 1
    assert client.get(URL["account"]).status_code == 200


def test_the_next_page_is_kept(client, member_with_email, portal_a, authenticator):
    authenticator.install(member_with_email.user)
    target = f"/portal/p/{portal_a.pk}/invoices/"
    client.post(
        f"{URL['login']}?next={target}",
        {"email": member_with_email.email, "password": PASSWORD},
    )
    assert passkey_step(client, authenticator).json() == {"redirect": target}


def test_another_persons_passkey_is_refused(client, member_with_email, portal_b, authenticator):
    other = PortalUserFactory(client=portal_b.client, portals=[portal_b])
    authenticator.install(other.user)  # the other client's person's passkey
    SoftAuthenticator().install(member_with_email.user)
    password_step(client, member_with_email.user)
    response = passkey_step(client, authenticator)
    assert (response.status_code, response.json()["code"]) == (400, passkeys.NOT_RECOGNISED)
    assert "_auth_user_id" not in client.session
    assert client.get(URL["account"]).status_code == 302


def test_wrong_answers_count_like_wrong_codes(client, member_with_email, authenticator):
    authenticator.install(member_with_email.user)
    password_step(client, member_with_email.user)
    stranger = SoftAuthenticator()
    stranger.credential_id = authenticator.credential_id  # right id, wrong key
    for attempt in range(1, portal_session.MAX_CODE_FAILURES + 1):
        response = passkey_step(client, stranger)
        expected = (
            passkeys.LOGIN_EXPIRED
            if attempt == portal_session.MAX_CODE_FAILURES
            else passkeys.NOT_RECOGNISED
        )
        assert response.json()["code"] == expected, attempt
    assert portal_session.PENDING_LOGIN not in client.session
    # The pending login is gone: even the right passkey needs the password again.
    response = passkey_step(client, authenticator)
    assert response.json()["code"] == passkeys.PASSKEY_LOGIN_DISABLED


def test_blocked_between_password_and_passkey(client, member_with_email, authenticator):
    authenticator.install(member_with_email.user)
    password_step(client, member_with_email.user)
    member_with_email.is_blocked = True
    member_with_email.save()
    response = passkey_step(client, authenticator)
    assert (response.status_code, response.json()["code"]) == (403, passkeys.NO_ACCESS)
    assert "_auth_user_id" not in client.session


def test_the_code_page_offers_no_passkey_without_one(client, member_with_email):
    password_step(client, member_with_email.user)
    assert "data-passkey" not in client.get(URL["login_code"]).content.decode()


# --- passkey alone -----------------------------------------------------------------------------


def test_passkey_only_login_is_off_by_default(client, member_with_email, authenticator):
    authenticator.install(member_with_email.user)
    assert "data-passkey" not in client.get(URL["login"]).content.decode()
    response = passkey_step(client, authenticator)
    assert (response.status_code, response.json()["code"]) == (403, passkeys.PASSKEY_LOGIN_DISABLED)
    response = post_json(client, "passkey_login_complete", {"credential": {}})
    assert response.status_code == 400  # no ceremony was begun
    assert "_auth_user_id" not in client.session


def test_passkey_only_login_when_the_firm_enables_it(
    client, settings, member_with_email, authenticator
):
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    user = member_with_email.user
    authenticator.install(user)
    assert 'data-passkey="login"' in client.get(URL["login"]).content.decode()
    options = post_json(client, "passkey_login_begin").json()
    assert options["userVerification"] == "required"
    assert options.get("allowCredentials", []) == []  # names no one before the passkey does
    before = client.session.session_key
    response = post_json(
        client, "passkey_login_complete", {"credential": authenticator.get(options)}
    )
    assert response.json() == {"redirect": URL["choose"]}
    assert client.session.session_key != before
    assert is_logged_in_verified(client, user)
    assert client.get(URL["account"]).status_code == 200


def test_switched_off_during_the_ceremony(client, settings, member_with_email, authenticator):
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    authenticator.install(member_with_email.user)
    options = post_json(client, "passkey_login_begin").json()
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = False
    response = post_json(
        client, "passkey_login_complete", {"credential": authenticator.get(options)}
    )
    assert response.json()["code"] == passkeys.PASSKEY_LOGIN_DISABLED
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("state", ["blocked", "expired", "unassigned", "not_activated"])
def test_passkey_only_follows_the_access_rule(
    client, settings, member_with_email, authenticator, state
):
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    authenticator.install(member_with_email.user)
    if state == "blocked":
        member_with_email.is_blocked = True
    elif state == "expired":
        member_with_email.access_expires_on = timezone.localdate() - timezone.timedelta(days=1)
    elif state == "not_activated":
        member_with_email.activated_at = None
    member_with_email.save()
    if state == "unassigned":
        member_with_email.portals.clear()
    response = passkey_step(client, authenticator)
    assert (response.status_code, response.json()["code"]) == (403, passkeys.NO_ACCESS)
    assert "_auth_user_id" not in client.session


def test_passkey_only_refuses_staff_and_inactive_logins(
    client, settings, administrator, member_with_email, authenticator
):
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    authenticator.install(administrator)
    response = passkey_step(client, authenticator)
    assert (response.status_code, response.json()["code"]) == (400, passkeys.NOT_RECOGNISED)
    # A staff member who is also someone's portal user is refused all the same.
    PortalUserFactory(user=administrator, client=member_with_email.client)
    response = passkey_step(client, authenticator)
    assert response.json()["code"] == passkeys.NOT_RECOGNISED
    other = SoftAuthenticator()
    other.install(member_with_email.user)
    member_with_email.user.is_active = False
    member_with_email.user.save()
    assert passkey_step(client, other).json()["code"] == passkeys.NOT_RECOGNISED
    assert "_auth_user_id" not in client.session


def test_passkey_only_goes_through_the_throttle(client, settings, member_with_email, authenticator):
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    settings.WAGTAILCLIENTPORTAL_LOGIN_IP_LIMIT = 3
    authenticator.install(member_with_email.user)
    unknown = SoftAuthenticator()  # a passkey this site never saw
    for _ in range(3):
        response = passkey_step(client, unknown, REMOTE_ADDR="10.0.0.7")
        assert response.json()["code"] == passkeys.NOT_RECOGNISED
    # That address now waits, even with the right passkey; another address does not.
    response = passkey_step(client, authenticator, REMOTE_ADDR="10.0.0.7")
    assert (response.status_code, response.json()["code"]) == (429, passkeys.THROTTLED)
    response = passkey_step(client, authenticator, REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 200


def test_passkey_only_honours_the_accounts_password_lock(
    client, settings, member_with_email, authenticator
):
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    settings.WAGTAILCLIENTPORTAL_LOGIN_LIMIT = 2
    authenticator.install(member_with_email.user)
    for _ in range(2):
        client.post(
            URL["login"],
            {"email": member_with_email.email, "password": "wrong"},
            REMOTE_ADDR="10.0.0.9",
        )
    response = passkey_step(client, authenticator, REMOTE_ADDR="10.0.0.9")
    assert (response.status_code, response.json()["code"]) == (429, passkeys.THROTTLED)
    assert "_auth_user_id" not in client.session


def test_a_planted_session_is_worth_nothing(client, settings, member_with_email, authenticator):
    """An attacker's session key set in the victim's browser beforehand (session fixation)."""
    from importlib import import_module

    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    authenticator.install(member_with_email.user)
    store = import_module(django_settings.SESSION_ENGINE).SessionStore()
    store["planted"] = True
    store.create()
    planted = store.session_key
    client.cookies[django_settings.SESSION_COOKIE_NAME] = planted
    assert passkey_step(client, authenticator).status_code == 200
    assert client.session.session_key != planted
    attacker = import_module(django_settings.SESSION_ENGINE).SessionStore(planted)
    assert "_auth_user_id" not in attacker.load()


def test_an_answer_is_used_once(client, settings, member_with_email, authenticator):
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    authenticator.install(member_with_email.user)
    options = post_json(client, "passkey_login_begin").json()
    answer = authenticator.get(options)
    assert post_json(client, "passkey_login_complete", {"credential": answer}).status_code == 200
    client.post(reverse("wagtail_clientportal:logout"))
    response = post_json(client, "passkey_login_complete", {"credential": answer})
    assert (response.status_code, response.json()["code"]) == (400, passkeys.INVALID_STATE)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11)):
        response = post_json(client, "passkey_login_begin")
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=22)):
        late = post_json(client, "passkey_login_complete", {"credential": answer})
    assert late.json()["code"] == passkeys.INVALID_STATE


# --- removing ----------------------------------------------------------------------------------


def remove_url(credential):
    return reverse("wagtail_clientportal:passkey_remove", args=[credential.pk])


def test_remove_a_passkey_with_the_password(client, member_with_email, authenticator):
    credential = authenticator.install(member_with_email.user)
    otp_login(client, member_with_email.user)
    page = client.get(remove_url(credential)).content.decode()
    assert credential.name in page
    response = client.post(remove_url(credential), {"password": "wrong"})
    assert response.status_code == 400
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    response = client.post(remove_url(credential), {"password": PASSWORD})
    assert response["Location"] == URL["account"]
    assert not WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_another_persons_passkey_cannot_be_removed(client, member_with_email, portal_b):
    other = PortalUserFactory(client=portal_b.client, portals=[portal_b])
    credential = SoftAuthenticator().install(other.user)
    otp_login(client, member_with_email.user)
    assert client.get(remove_url(credential)).status_code == 404
    assert client.post(remove_url(credential), {"password": PASSWORD}).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_removal_needs_a_verified_session(client, member_with_email):
    credential = SoftAuthenticator().install(member_with_email.user)
    assert client.post(remove_url(credential), {"password": PASSWORD}).status_code == 302
    client.force_login(member_with_email.user)
    assert client.post(remove_url(credential), {"password": PASSWORD}).status_code == 302
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_the_last_second_factor_stays(client, member, authenticator):
    """Someone whose only second factor is this passkey (backup codes do not count)."""
    credential = authenticator.install(member.user)
    otp_login(client, member.user)  # a backup-code device, as test_utils makes it
    response = client.post(remove_url(credential), {"password": PASSWORD})
    assert response.status_code == 400
    assert "jedynym drugim" in response.content.decode()
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()
    second = SoftAuthenticator().install(member.user, name="Telefon")
    assert client.post(remove_url(credential), {"password": PASSWORD}).status_code == 302
    assert list(WebAuthnCredential.objects.filter(user=member.user)) == [second]


def test_state_is_timestamped(client, member_with_email, authenticator):
    """The ceremony state in the session carries its time (checked at completion)."""
    otp_login(client, member_with_email.user)
    client.post(URL["passkey_add"], {"name": "X", "password": PASSWORD})
    post_json(client, "passkey_register_begin")
    stored = client.session["clientportal_passkey_register_state"]
    assert abs(stored["at"] - time.time()) < 5


def test_the_login_pages_button_asks_for_the_passkey_alone(
    client, settings, member_with_email, portal_a, authenticator
):
    """A password step left pending in the browser does not turn it into a second factor."""
    authenticator.install(member_with_email.user)
    password_step(client, member_with_email.user)
    response = passkey_step(client, authenticator, {"alone": True})
    assert response.json()["code"] == passkeys.PASSKEY_LOGIN_DISABLED
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    target = f"/portal/p/{portal_a.pk}/invoices/"
    response = passkey_step(client, authenticator, {"alone": True, "next": target})
    assert response.json() == {"redirect": target}
    client.post(reverse("wagtail_clientportal:logout"))
    response = passkey_step(client, authenticator, {"alone": True, "next": "https://evil.example/"})
    assert response.json() == {"redirect": URL["choose"]}


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": 1, "rawId": None},
        {"id": "AA", "rawId": "AA", "type": "public-key", "response": "x"},
        {"id": "!!", "rawId": "!!", "type": "public-key", "response": {}},
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"},
        },
        [],
    ],
)
def test_garbage_answers_are_refused_never_errors(
    client, settings, member_with_email, authenticator, credential
):
    settings.WAGTAILCLIENTPORTAL_PASSKEY_LOGIN = True
    authenticator.install(member_with_email.user)
    post_json(client, "passkey_login_begin", {"next": ["not", "a", "string"]})
    response = post_json(client, "passkey_login_complete", {"credential": credential})
    assert response.status_code == 400
    assert response.json()["code"] in (passkeys.NOT_RECOGNISED, passkeys.MALFORMED)
    password_step(client, member_with_email.user)
    post_json(client, "passkey_login_begin")
    response = post_json(client, "passkey_login_complete", {"credential": credential})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_adding_and_removing_are_in_the_persons_history(
    client, member_with_email, portal_b, authenticator
):
    from wagtail.models import ModelLogEntry

    from wagtail_clientportal.services import audit

    # One login, portal user of two clients: both records show the change.
    second = PortalUserFactory(user=member_with_email.user, client=portal_b.client)
    otp_login(client, member_with_email.user)
    register(client, authenticator, name="Laptop")
    added = ModelLogEntry.objects.filter(action=audit.USER_PASSKEY_ADD)
    assert sorted(int(e.object_id) for e in added) == sorted([member_with_email.pk, second.pk])
    assert {e.user_id for e in added} == {member_with_email.user.pk}
    assert all(e.data["passkey"] == "Laptop" for e in added)
    credential = WebAuthnCredential.objects.get()
    client.post(remove_url(credential), {"password": PASSWORD})
    removed = ModelLogEntry.objects.filter(action=audit.USER_PASSKEY_REMOVE)
    assert removed.count() == 2
    text = " ".join(str(e.data) for e in ModelLogEntry.objects.all())
    assert authenticator.credential_id.hex() not in text


def test_removing_the_passkey_this_session_was_confirmed_with(
    client, member_with_email, authenticator
):
    """The session's second factor is gone: it is no longer verified, login again."""
    credential = authenticator.install(member_with_email.user)
    password_step(client, member_with_email.user)
    assert passkey_step(client, authenticator).status_code == 200
    response = client.post(remove_url(credential), {"password": PASSWORD})
    assert response["Location"] == URL["account"]
    assert client.get(URL["account"])["Location"].startswith(URL["login"])
