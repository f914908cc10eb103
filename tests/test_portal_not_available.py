"""A portal or item that is gone: the portal's own 404 page, with its headers."""

import pytest
from django.urls import reverse

from tests.conftest import otp_login
from wagtail_clientportal import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _assert_portal_404(response):
    html = response.content.decode()
    assert response.status_code == 404
    assert f'href="{reverse("wagtail_clientportal:choose")}"' in html  # "Moje panele"
    assert 'class="site-header"' in html and "wagtail_clientportal/css/portal.css" in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_revoked_item_and_a_foreign_portal_answer_with_the_portal_page(
    client, editor, member, portal_a, portal_b, document
):
    [share] = services.share_items(editor, [portal_a], [document]).created
    services.revoke_shares(editor, [share])
    otp_login(client, member.user)
    _assert_portal_404(client.get(reverse("wagtail_clientportal:portal", args=[portal_b.pk])))
    _assert_portal_404(
        client.get(reverse("wagtail_clientportal:item", args=[portal_a.pk, share.pk]))
    )


def test_a_deleted_portal_answers_with_the_portal_page(client, ado, member, portal_a, portal_a2):
    member.portals.add(portal_a2)
    otp_login(client, member.user)
    services.delete_portal(ado, portal_a2)
    _assert_portal_404(client.get(reverse("wagtail_clientportal:portal", args=[portal_a2.pk])))


def test_an_unknown_portal_path_answers_with_the_portal_page(client):
    _assert_portal_404(client.get("/portal/no-such-page/"))
