"""Independent security review of the issue-9 fixes: each test reproduces one finding.

Every test here failed on the reviewed code; findings 2 and 5 are asserted in the
form of the chosen fix (the person's own address always gets its reset email; the
lookup runs after the answer is sent). Run on SQLite and on PostgreSQL
(``DATABASE_URL=postgres://...``); finding 1 needs PostgreSQL.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PASSWORD = "secret-pass-123"
LOGIN = "/portal/"
RESET = "/portal/password-reset/"
CODE_PAGE = "/portal/login/code/"
VICTIM_IP = "198.51.100.7"
HOST_CLICKJACKING = "django.middleware.clickjacking.XFrameOptionsMiddleware"


def _login(client, email, password, ip):
    return client.post(LOGIN, {"email": email, "password": password}, REMOTE_ADDR=ip)


# --- Finding 1: Unicode case variants of the email escape every login counter (PostgreSQL) ---


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL's UPPER() folds U+017F/U+0131 to S/I; SQLite's LIKE is ASCII-only",
)
def test_unicode_variant_of_the_email_does_not_escape_the_account_ceiling(member, settings):
    """'ſ' (U+017F) and 'ı' (U+0131) pass Django's EmailValidator ([A-Z] with IGNORECASE),
    are not changed by str.lower() (so the throttle keys are new), yet
    ``email__iexact`` on PostgreSQL matches the real login: each variant is a fresh
    account ceiling and a fresh (account, address) counter for the same password."""
    settings.WAGTAILCLIENTPORTAL_LOGIN_ACCOUNT_LIMIT = 3
    settings.WAGTAILCLIENTPORTAL_LOGIN_LIMIT = 100
    client = Client()
    assert "s" in member.email
    for i in range(3):
        assert _login(client, member.email, "wrong", f"10.0.0.{i}").status_code == 400
    # The account is locked for everyone now ...
    assert _login(client, member.email, PASSWORD, "10.0.1.1").status_code == 429
    # ... but not for the same account spelt with a long s.
    variant = member.email.replace("s", "\u017f", 1)
    response = _login(client, variant, PASSWORD, "10.0.1.1")
    assert response.status_code == 429, (response.status_code, response.get("Location"))


# --- Finding 2: anyone can stop the victim's own password reset ----------------------------


def test_reset_requests_from_elsewhere_do_not_block_the_victims_own_reset(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    """Reset requests are limited per address, not per typed email: requests for the
    victim's address from five other addresses neither stop the victim's own request
    (from the network they log in from) nor leave them without a working link."""
    import re

    victim = Client()
    assert _login(victim, member.email, PASSWORD, VICTIM_IP)["Location"] == CODE_PAGE
    attacker = Client()
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            attacker.post(RESET, {"email": member.email}, REMOTE_ADDR=f"203.0.113.{i}")
    # At most RESET_EMAIL_LIMIT (3) reach the inbox: the address is not flooded.
    assert 1 <= len(mailoutbox) <= 3
    sent_before = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(RESET, {"email": member.email}, REMOTE_ADDR=VICTIM_IP)
    assert len(mailoutbox) == sent_before + 1
    # And every link the victim received works.
    for message in mailoutbox:
        link = re.search(r"http://testserver(/portal/password-reset/\S+/)", message.body).group(1)
        assert Client().get(link).status_code == 200


# --- Finding 3: one IPv6 host locks anyone out ---------------------------------------------


def test_one_ipv6_prefix_cannot_lock_the_victim_out(member):
    """Addresses are counted one by one, never by /64: a single host with an ordinary
    IPv6 /64 gets fresh (account, address) and address counters for every address and
    reaches the account-wide ceiling (default 50) in seconds, every LOCKOUT window."""
    attacker = Client()
    for i in range(50):
        _login(attacker, member.email, "wrong", f"2001:db8:1:2::{i + 1:x}")
    response = _login(Client(), member.email, PASSWORD, VICTIM_IP)
    assert response.get("Location") == CODE_PAGE, response.status_code


# --- Finding 4: responses made by middleware under /portal/ lack the portal's headers -------


@pytest.mark.parametrize("url", [LOGIN, RESET, "/portal/account/logout-everywhere/"])
def test_csrf_failure_under_the_portal_has_the_portal_headers(settings, member, url):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != HOST_CLICKJACKING]
    response = Client(enforce_csrf_checks=True).post(url, {"email": member.email, "password": "x"})
    assert response.status_code == 403
    assert "no-store" in response.get("Cache-Control", "")
    assert response.get("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in response.get("Content-Security-Policy", "")


# --- Finding 5: with Django's default (immediate) task backend reset is an oracle again -----


def test_reset_request_does_the_same_work_with_the_default_task_backend(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    """With the immediate backend (tests/settings.py, sandbox/, a fresh Django project)
    the lookup runs in the web process, but only once the answer has been sent
    (HttpResponse.close(), called by the server after the body): until then a known
    and an unknown address cost the same queries (none)."""
    from django.core.signals import request_finished
    from django.db import close_old_connections
    from django.test import RequestFactory

    from wagtail_clientportal.portal.views.password_reset import PasswordResetView

    def answer(email):
        request = RequestFactory().post(RESET, {"email": email}, REMOTE_ADDR="10.1.0.9")
        request._dont_enforce_csrf_checks = True
        with CaptureQueriesContext(connection) as ctx:
            response = PasswordResetView.as_view()(request)
        return response, len(ctx.captured_queries)

    known, known_queries = answer(member.email)
    unknown, unknown_queries = answer("nikt-taki@example.com")
    assert known_queries == unknown_queries == 0
    assert known.content == unknown.content and mailoutbox == []
    # The server closes the response after sending it: then the worker's part runs.
    # As Django's test client does: closing must not close the test's connection.
    request_finished.disconnect(close_old_connections)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            unknown.close()
        assert mailoutbox == []
        with django_capture_on_commit_callbacks(execute=True):
            known.close()
    finally:
        request_finished.connect(close_old_connections)
    assert [m.to for m in mailoutbox] == [[member.email]]


# --- Finding 6: activation keeps a planted, logged-in session of someone else -------------


def test_activation_does_not_keep_another_persons_login(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    """``ActivateView.post`` cycles the key but, unlike ``LoginView``, does not log out an
    earlier login of another person: a session planted by client B's user (logged in and
    verified) carries over, so between setting the password and confirming a device the
    victim's browser is in the attacker's portal (session swap: attacker-chosen files
    shown to the victim as "theirs")."""
    import re

    from django.conf import settings as django_settings

    from tests.conftest import otp_login
    from tests.factories import ClientFactory, PortalFactory, PortalUserFactory
    from wagtail_clientportal import services

    with django_capture_on_commit_callbacks(execute=True):
        services.create_portal_user(
            ado,
            portal_a.client,
            email="ewa@klient.pl",
            first_name="Ewa",
            last_name="Lis",
            portals=[portal_a],
        )
    link = re.search(r"http://testserver(/portal/activate/\S+/)", mailoutbox[-1].body).group(1)
    attackers_portal = PortalFactory(client=ClientFactory())
    attacker = Client()
    otp_login(
        attacker, PortalUserFactory(client=attackers_portal.client, portals=[attackers_portal]).user
    )
    victim = Client()
    victim.cookies[django_settings.SESSION_COOKIE_NAME] = attacker.cookies[
        django_settings.SESSION_COOKIE_NAME
    ].value
    new_password = "Zimowy-Las-2026"
    response = victim.post(link, {"new_password1": new_password, "new_password2": new_password})
    assert response["Location"] == "/portal/setup/"
    # The victim's browser must not be anyone's logged-in portal session now.
    response = victim.get("/portal/choose/")
    assert response["Location"].startswith("/portal/?next="), response["Location"]


def test_look_alike_spellings_and_one_ipv6_network_share_a_counter():
    """The unit behind findings 1 and 3, on every database."""
    from wagtail_clientportal.portal import throttle

    assert throttle.fold("u\u017fer@example.com") == throttle.fold(" USER@Example.com ")
    assert throttle.fold("\u0131nfo@example.com") == throttle.fold("info@example.com")
    assert throttle.fold("ｕser@example.com") == throttle.fold("user@example.com")  # NFKC
    assert throttle.network("2001:db8:1:2::1") == throttle.network("2001:db8:1:2:ffff::9")
    assert throttle.network("2001:db8:1:2::1") != throttle.network("2001:db8:1:3::1")
    assert throttle.network("::ffff:198.51.100.7") == "198.51.100.7"
    assert throttle.network("198.51.100.7") != throttle.network("198.51.100.8")
    assert throttle.network("not-an-address") == "not-an-address"
