"""Weak passwords: refused on activation, reset and change; an empty policy is flagged."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.conftest import otp_login
from wagtail_clientportal import services
from wagtail_clientportal.checks import check_base_url, check_password_validators

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

WEAK = "1234"
PASSWORD = "secret-pass-123"


def _refused(response, user, old_password):
    user.refresh_from_db()
    assert response.status_code == 400
    codes = {e.code for e in response.context["form"].errors.as_data()["new_password2"]}
    assert {"password_too_short", "password_entirely_numeric"} <= codes
    assert not user.check_password(WEAK)
    if old_password:
        assert user.check_password(old_password)


def test_weak_password_refused_at_activation(
    ado, portal_a, mailoutbox, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        pu = services.create_portal_user(
            ado,
            portal_a.client,
            email="ewa@klient.pl",
            first_name="E",
            last_name="L",
            portals=[portal_a],
        )
    link = re.search(r"http://testserver(/portal/activate/\S+/)", mailoutbox[-1].body).group(1)
    response = client.post(link, {"new_password1": WEAK, "new_password2": WEAK})
    _refused(response, pu.user, None)
    pu.refresh_from_db()
    assert pu.activated_at is None


def test_weak_password_refused_at_reset(client, member):
    url = reverse(
        "wagtail_clientportal:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(member.user.pk)),
            "token": default_token_generator.make_token(member.user),
        },
    )
    response = client.post(url, {"new_password1": WEAK, "new_password2": WEAK})
    _refused(response, member.user, PASSWORD)


def test_weak_password_refused_at_change(client, member):
    otp_login(client, member.user)
    response = client.post(
        reverse("wagtail_clientportal:password_change"),
        {"old_password": PASSWORD, "new_password1": WEAK, "new_password2": WEAK},
    )
    _refused(response, member.user, PASSWORD)


def test_empty_password_policy_is_warned_about(settings):
    assert check_password_validators(None) == []
    settings.AUTH_PASSWORD_VALIDATORS = []
    [warning] = check_password_validators(None)
    assert warning.id == "wagtail_clientportal.W003"


@pytest.mark.parametrize(
    "admin_url, portal_url, warned",
    [
        ("http://testserver", None, False),
        (None, "https://portal.kancelaria.pl", False),
        ("http://example.com", None, True),  # what `wagtail start` writes
        (None, "https://www.example.com", True),
        (None, None, True),
    ],
)
def test_base_url_missing_or_placeholder_is_warned_about(settings, admin_url, portal_url, warned):
    for name, value in (
        ("WAGTAILADMIN_BASE_URL", admin_url),
        ("WAGTAILCLIENTPORTAL_BASE_URL", portal_url),
    ):
        if value is None:
            if hasattr(settings, name):
                delattr(settings, name)
        else:
            setattr(settings, name, value)
    assert [w.id for w in check_base_url(None)] == (["wagtail_clientportal.W004"] if warned else [])
