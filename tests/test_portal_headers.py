"""Every response under the portal's URLs: never cached, never framed, the portal's own CSP.

The host's clickjacking and CSP middleware are removed or set permissively in these
tests: the protection must come from the package itself.
"""

import pytest
from django.urls import reverse

from tests.conftest import otp_login
from tests.factories import DocumentFactory
from wagtail_clientportal import compat, services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

HOST_CLICKJACKING = "django.middleware.clickjacking.XFrameOptionsMiddleware"


@pytest.fixture(autouse=True)
def _no_host_protection(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != HOST_CLICKJACKING]


def _assert_private(response):
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp or "default-src 'none'" in csp


def _assert_page(response):
    _assert_private(response)
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert "script-src 'self'" in csp


def test_anonymous_pages_redirects_and_errors(client):
    pages = [
        reverse("wagtail_clientportal:login"),
        reverse("wagtail_clientportal:password_reset"),
        reverse("wagtail_clientportal:logout"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_page(response)
    redirects = [
        reverse("wagtail_clientportal:choose"),
        reverse("wagtail_clientportal:account"),
        reverse("wagtail_clientportal:login_code"),
        reverse("wagtail_clientportal:setup"),
        reverse("wagtail_clientportal:section", args=[1, "documents"]),
    ]
    for url in redirects:
        response = client.get(url)
        assert response.status_code == 302, url
        _assert_private(response)
    errors = [
        client.get(reverse("wagtail_clientportal:activate", args=["!!", "1-2"])),
        client.post(reverse("wagtail_clientportal:login"), {"email": "nie-adres"}),
        client.get("/portal/no-such-page/"),
    ]
    for response in errors:
        assert 400 <= response.status_code < 500
        _assert_private(response)
    # The catch-all keeps APPEND_SLASH working for the portal's own URLs.
    response = client.get("/portal/account")
    assert response.status_code == 301 and response["Location"] == "/portal/account/"
    _assert_private(response)


def test_verified_pages_downloads_and_refusals(client, member, portal_a, portal_b, editor):
    document = DocumentFactory(title="Umowa")
    [share] = services.share_items(editor, [portal_a], [document]).created
    otp_login(client, member.user)
    pages = [
        reverse("wagtail_clientportal:account"),
        reverse("wagtail_clientportal:backup_codes"),
        reverse("wagtail_clientportal:account_totp"),  # the authenticator secret
        reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"]),
        reverse("wagtail_clientportal:item", args=[portal_a.pk, share.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_page(response)
    download = client.get(reverse("wagtail_clientportal:download", args=[portal_a.pk, share.pk]))
    assert download.status_code == 200
    _assert_private(download)
    # Its own, stricter CSP is kept.
    assert download["Content-Security-Policy"] == "default-src 'none'"
    refusals = [
        client.get(reverse("wagtail_clientportal:section", args=[portal_b.pk, "documents"])),
        client.get(reverse("wagtail_clientportal:item", args=[portal_a.pk, share.pk + 999])),
        client.get(reverse("wagtail_clientportal:download", args=[999999, share.pk])),
    ]
    for response in refusals:
        assert response.status_code == 404
        _assert_private(response)


def test_package_headers_win_over_the_hosts(client, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, HOST_CLICKJACKING]
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    if compat.HAS_CSP_MIDDLEWARE:  # Django 6.0+: the host's own, permissive CSP loses too
        settings.MIDDLEWARE = [
            *settings.MIDDLEWARE,
            "django.middleware.csp.ContentSecurityPolicyMiddleware",
        ]
        settings.SECURE_CSP = {"default-src": ["*", "'unsafe-inline'"]}
    response = client.get(reverse("wagtail_clientportal:login"))
    _assert_page(response)
    assert response["X-Frame-Options"] == "DENY"


def test_csp_setting_and_absolute_static_url(client, settings):
    settings.STATIC_URL = "https://static.kancelaria.example/s/"
    csp = client.get(reverse("wagtail_clientportal:login"))["Content-Security-Policy"]
    assert "style-src 'self' https://static.kancelaria.example" in csp
    settings.WAGTAILCLIENTPORTAL_CSP = {"default-src": ["'self'"], "frame-ancestors": ["'none'"]}
    response = client.get(reverse("wagtail_clientportal:login"))
    assert response["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'none'"
