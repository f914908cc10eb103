"""Every portal URL refuses everyone who should not see it, and never sends a byte."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.conftest import otp_login
from tests.factories import DocumentFactory, InvoiceFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import PortalUser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

SECRET = b"%PDF-1.4 TAJNE-DANE-KLIENTA"
PASSWORD = "secret-pass-123"  # the factories' password


@pytest.fixture
def shared(editor, portal_a):
    document = DocumentFactory(title="Umowa poufna", file=ContentFile(SECRET, name="umowa.pdf"))
    invoice = InvoiceFactory(client=portal_a.client)
    result = services.share_items(editor, [portal_a], [document, invoice])
    doc_share = next(s for s in result.created if s.document_id)
    invoice_share = next(s for s in result.created if s.invoice_id)
    return doc_share, invoice_share


def portal_urls(portal, share):
    return [
        f"/portal/p/{portal.pk}/",
        f"/portal/p/{portal.pk}/documents/",
        f"/portal/p/{portal.pk}/invoices/",
        f"/portal/p/{portal.pk}/item/{share.pk}/",
        f"/portal/p/{portal.pk}/file/{share.pk}/",
        f"/portal/p/{portal.pk}/file/{share.pk}/?inline=1",
    ]


PERSONAL_URLS = [
    "/portal/choose/",
    "/portal/account/",
    "/portal/account/password/",
    "/portal/account/authenticator/",
    "/portal/account/backup-codes/",
    "/portal/account/logout-everywhere/",
]


def assert_no_bytes(response):
    assert not getattr(response, "streaming", False)
    assert SECRET not in response.content
    assert b"TAJNE" not in response.content


def assert_refused(client, urls, allowed_statuses):
    for url in urls:
        response = client.get(url)
        assert response.status_code in allowed_statuses, (url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/portal/?next="), url
        assert_no_bytes(response)


def test_member_gets_in(client, member, portal_a, shared):
    """The control case: the same URLs work for the right person."""
    doc_share, _ = shared
    otp_login(client, member.user)
    for url in portal_urls(portal_a, doc_share):
        assert client.get(url).status_code in (200, 302), url
    response = client.get(f"/portal/p/{portal_a.pk}/file/{doc_share.pk}/")
    assert b"".join(response.streaming_content) == SECRET
    for url in PERSONAL_URLS:
        assert client.get(url).status_code in (200, 302), url


def test_anonymous(client, portal_a, shared):
    assert_refused(client, portal_urls(portal_a, shared[0]) + PERSONAL_URLS, {302})


def test_password_without_code(client, member, portal_a, shared):
    response = client.post("/portal/", {"email": member.email, "password": PASSWORD})
    assert response["Location"] == "/portal/login/code/"
    assert_refused(client, portal_urls(portal_a, shared[0]) + PERSONAL_URLS, {302})
    # A session logged in by password alone (e.g. through another login form) is not enough.
    client.force_login(member.user)
    assert_refused(client, portal_urls(portal_a, shared[0]) + PERSONAL_URLS, {302})


@pytest.mark.parametrize(
    "change",
    [
        {"is_blocked": True},
        {"access_expires_on": datetime.date(2020, 1, 1)},
        {"activated_at": None},
    ],
    ids=["blocked", "expired", "not-activated"],
)
def test_blocked_expired_inactive_in_an_open_session(client, member, portal_a, shared, change):
    otp_login(client, member.user)
    assert client.get(f"/portal/p/{portal_a.pk}/documents/").status_code == 200
    PortalUser.objects.filter(pk=member.pk).update(**change)
    assert_refused(client, portal_urls(portal_a, shared[0]), {403})
    assert_refused(client, PERSONAL_URLS, {403})


def test_unassigned_in_an_open_session(client, member, portal_a, portal_a2, shared, ado):
    otp_login(client, member.user)
    assert client.get(f"/portal/p/{portal_a.pk}/documents/").status_code == 200
    services.assign_portals(ado, member, [portal_a2])
    assert_refused(client, portal_urls(portal_a, shared[0]), {404})
    # Still a user of the other portal: the choice leads only there.
    response = client.get("/portal/choose/")
    assert response["Location"] == f"/portal/p/{portal_a2.pk}/"


def test_user_of_another_client(client, portal_a, portal_b, shared):
    stranger = PortalUserFactory(client=portal_b.client, portals=[portal_b])
    otp_login(client, stranger.user)
    assert_refused(client, portal_urls(portal_a, shared[0]), {404})
    # Their own portal number with another portal's share: not found either.
    assert_refused(client, portal_urls(portal_b, shared[0])[3:], {404})


def test_revoked_share(client, editor, member, portal_a, shared):
    doc_share, invoice_share = shared
    otp_login(client, member.user)
    assert client.get(f"/portal/p/{portal_a.pk}/file/{doc_share.pk}/").status_code == 200
    services.revoke_shares(editor, [doc_share])
    assert_refused(client, portal_urls(portal_a, doc_share)[3:], {404})
    listing = client.get(f"/portal/p/{portal_a.pk}/documents/")
    assert "Umowa poufna" not in listing.content.decode()
    # An expired share is gone as well.
    invoice_share.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    invoice_share.save()
    assert_refused(client, portal_urls(portal_a, invoice_share)[3:], {404})


def test_deleted_portal(client, ado, client_a, portal_a, portal_a2, shared):
    person = PortalUserFactory(client=client_a, portals=[portal_a, portal_a2])
    otp_login(client, person.user)
    assert client.get(f"/portal/p/{portal_a.pk}/documents/").status_code == 200
    services.delete_portal(ado, portal_a)
    assert_refused(client, portal_urls(portal_a, shared[0]), {404})


def test_deleted_portal_and_its_only_users(client, ado, member, portal_a, shared):
    otp_login(client, member.user)
    services.delete_portal(ado, portal_a)
    assert_refused(client, portal_urls(portal_a, shared[0]) + PERSONAL_URLS, {302, 404})


def test_staff_who_is_not_a_portal_user(client, administrator, portal_a, shared):
    otp_login(client, administrator)
    assert_refused(client, portal_urls(portal_a, shared[0]), {404})
    assert_refused(client, PERSONAL_URLS, {403})
    # Nor can staff log in to the portal with their password.
    client.logout()
    response = client.post(
        "/portal/", {"email": administrator.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 400


def test_garbage_ids_are_not_errors(client, member, portal_a, shared):
    otp_login(client, member.user)
    for url in (
        f"/portal/p/{portal_a.pk}/unknown/",
        f"/portal/p/{portal_a.pk}/item/999999/",
        f"/portal/p/{portal_a.pk}/file/999999/",
        "/portal/p/999999/documents/",
        f"/portal/p/{portal_a.pk}/documents/?page=abc&kind=zzz&q=" + "x" * 500,
    ):
        assert client.get(url).status_code in (200, 404), url
    # Numbers no 64-bit key holds: a 404 with the portal's headers, not an overflow (500).
    huge = 2**63
    for url in (
        f"/portal/p/{huge}/",
        f"/portal/p/{huge}/file/{shared[0].pk}/",
        f"/portal/p/{portal_a.pk}/file/{huge}/",
        f"/portal/p/{portal_a.pk}/item/{huge}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "no-store" in response["Cache-Control"], url


def test_wagtail_document_url_refuses_shared_documents(client, member, administrator, shared):
    from wagtail.documents import get_document_model

    doc_share, _ = shared
    document = doc_share.document
    url = document.url
    assert client.get(url).status_code == 403  # anonymous
    otp_login(client, member.user)
    response = client.get(url)
    assert response.status_code == 403  # a verified portal user
    assert_no_bytes(response)
    client.logout()
    client.force_login(administrator)
    response = client.get(url)
    assert response.status_code == 200  # the firm's staff still can
    unshared = get_document_model().objects.create(
        title="Publiczny", file=ContentFile(b"public", name="public.pdf")
    )
    client.logout()
    assert client.get(unshared.url).status_code == 200


def test_portal_users_never_open_the_wagtail_admin(client, member):
    assert not member.user.has_perm("wagtailadmin.access_admin")
    otp_login(client, member.user)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_shared_mark_is_asked_before_any_permission_lookup(client, member):
    """Wagtail's view runs the package's hook on every document it serves: a document
    never shared costs it one query, whoever asks (no permission lookup)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.documents import get_document_model

    unshared = get_document_model().objects.create(
        title="Publiczny", file=ContentFile(b"public", name="public.pdf")
    )
    otp_login(client, member.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(unshared.url)
    assert response.status_code == 200
    hook = [q["sql"] for q in queries if "permission" in q["sql"].lower()]
    assert hook == [], hook
