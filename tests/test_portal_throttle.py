"""A lock-out costs the attacker, not the person on their own address (issue 9, item 6)."""

import datetime

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from wagtail_clientportal.services.access import client_ip

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PASSWORD = "secret-pass-123"
ATTACKER, VICTIM = "203.0.113.66", "198.51.100.7"
CODE_PAGE = "/portal/login/code/"


@pytest.fixture
def limits(settings):
    settings.WAGTAILCLIENTPORTAL_LOGIN_LIMIT = 3
    settings.WAGTAILCLIENTPORTAL_LOGIN_DELAY = 60
    settings.WAGTAILCLIENTPORTAL_LOGIN_ACCOUNT_LIMIT = 12
    settings.WAGTAILCLIENTPORTAL_LOGIN_IP_LIMIT = 100
    settings.WAGTAILCLIENTPORTAL_LOGIN_LOCKOUT = 900
    return settings


def _login(client, email, password=PASSWORD, ip=VICTIM, **extra):
    return client.post("/portal/", {"email": email, "password": password}, REMOTE_ADDR=ip, **extra)


def test_an_attacker_elsewhere_cannot_lock_the_person_out(client, member, limits):
    """Failures from elsewhere up to (not beyond) the ceiling leave the victim's address free."""
    ceiling = limits.WAGTAILCLIENTPORTAL_LOGIN_ACCOUNT_LIMIT
    statuses = [_login(client, member.email, "wrong", ip=ATTACKER).status_code for _ in range(40)]
    # Three guesses are checked; every later one is refused unchecked, even the right password.
    assert statuses == [400] * 3 + [429] * 37
    assert _login(client, member.email, ip=ATTACKER).status_code == 429
    assert _login(client, member.email, ip=VICTIM)["Location"] == CODE_PAGE
    client.post("/portal/logout/")
    # More addresses, up to one short of the account-wide ceiling: the person still gets in.
    for i in range(ceiling - 1 - 3):
        assert _login(client, member.email, "wrong", ip=f"10.40.0.{i}").status_code == 400
    assert _login(client, member.email, ip=VICTIM)["Location"] == CODE_PAGE
    client.post("/portal/logout/")
    # One more reaches the ceiling: nobody new gets in, the person's own address still does.
    assert _login(client, member.email, "wrong", ip="10.50.0.1").status_code == 400
    assert _login(client, member.email, ip="10.60.0.1").status_code == 429
    assert _login(client, member.email, ip=VICTIM)["Location"] == CODE_PAGE


def test_the_account_ceiling_stops_a_distributed_attack(client, member, limits):
    for i in range(limits.WAGTAILCLIENTPORTAL_LOGIN_ACCOUNT_LIMIT):
        assert _login(client, member.email, "wrong", ip=f"10.20.0.{i}").status_code == 400
    # Every address, the person's own included, even with the right password.
    locked = _login(client, member.email, ip=VICTIM)
    assert locked.status_code == 429
    assert _login(client, member.email.upper(), ip="10.30.0.1").status_code == 429
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=901)):
        assert _login(client, member.email, ip=VICTIM)["Location"] == CODE_PAGE


def test_the_delay_grows_with_every_further_failure(client, member, limits):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(3):
            assert _login(client, member.email, "wrong", ip=ATTACKER).status_code == 400
        waits = []
        for _ in range(4):
            # Refused outright (the password is not even checked) until the wait ends;
            # then the guess is checked, and counted.
            waited = 0
            while (
                response := _login(client, member.email, "wrong", ip=ATTACKER)
            ).status_code == 429:
                traveller.shift(15)
                waited += 15
            assert response.status_code == 400
            waits.append(waited)
    assert waits == [60, 120, 240, 480]


def test_the_right_password_clears_only_its_own_address(client, member, limits):
    for _ in range(2):
        _login(client, member.email, "wrong", ip=VICTIM)
    assert _login(client, member.email, ip=VICTIM)["Location"] == CODE_PAGE
    client.post("/portal/logout/")
    for _ in range(2):  # counted afresh: no wait after two more
        assert _login(client, member.email, "wrong", ip=VICTIM).status_code == 400
    assert _login(client, member.email, ip=VICTIM)["Location"] == CODE_PAGE


def test_a_spoofed_forwarded_for_is_ignored_by_default(client, member, limits):
    for i in range(3):
        _login(client, member.email, "wrong", ip=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    # The header changes nothing: the attacker's REMOTE_ADDR is what waits.
    response = _login(client, member.email, ip=ATTACKER, HTTP_X_FORWARDED_FOR=VICTIM)
    assert response.status_code == 429
    # Nor can a forged header make the victim wait.
    assert _login(client, member.email, ip=VICTIM)["Location"] == CODE_PAGE


def test_the_proxy_header_is_honoured_when_set(client, member, limits):
    limits.WAGTAILCLIENTPORTAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = "10.0.0.2"
    for _ in range(3):
        _login(client, member.email, "wrong", ip=proxy, HTTP_X_FORWARDED_FOR=f"1.1.1.1, {ATTACKER}")
    # Behind one proxy everybody's REMOTE_ADDR is the proxy: the header tells them apart.
    attacker = _login(client, member.email, ip=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert attacker.status_code == 429
    victim = _login(client, member.email, ip=proxy, HTTP_X_FORWARDED_FOR=f"{ATTACKER}, {VICTIM}")
    assert victim["Location"] == CODE_PAGE


@pytest.mark.parametrize(
    ("header_setting", "proxies", "meta", "expected"),
    [
        (None, 1, {"HTTP_X_FORWARDED_FOR": "192.0.2.1"}, "10.0.0.2"),
        ("HTTP_X_FORWARDED_FOR", 1, {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.1"}, "192.0.2.1"),
        (
            "HTTP_X_FORWARDED_FOR",
            2,
            {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.1, 10.0.0.3"},
            "192.0.2.1",
        ),
        ("HTTP_X_FORWARDED_FOR", 2, {"HTTP_X_FORWARDED_FOR": "192.0.2.1"}, "10.0.0.2"),
        ("HTTP_X_FORWARDED_FOR", 1, {}, "10.0.0.2"),
        ("HTTP_X_FORWARDED_FOR", 1, {"HTTP_X_FORWARDED_FOR": "not-an-ip"}, "10.0.0.2"),
        ("HTTP_X_FORWARDED_FOR", 1, {"HTTP_X_FORWARDED_FOR": "2001:db8::1"}, "2001:db8::1"),
        (
            "HTTP_X_REAL_IP",
            1,
            {"HTTP_X_REAL_IP": " 192.0.2.9 ", "HTTP_X_FORWARDED_FOR": "6.6.6.6"},
            "192.0.2.9",
        ),
    ],
)
def test_client_ip(settings, header_setting, proxies, meta, expected):
    settings.WAGTAILCLIENTPORTAL_CLIENT_IP_HEADER = header_setting
    settings.WAGTAILCLIENTPORTAL_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **meta)
    assert client_ip(request) == expected
