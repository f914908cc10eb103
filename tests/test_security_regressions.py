"""Regression tests from a security review: each of the first group once showed a hole
(activation of an existing login, version-shared documents through Wagtail's URL, invoices
moved between clients, unaudited ranged downloads, huge Range headers, collection
permissions on the staff side, authenticator replacement without password); the rest
confirm that a protection holds."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import otp_login
from tests.factories import (
    DocumentFactory,
    InvoiceFactory,
    PortalUserFactory,
    SettlementFactory,
)
from wagtail_clientportal import services
from wagtail_clientportal.models import AccessEvent, DocumentVersion, PortalUser
from wagtail_clientportal.services import accounts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PASSWORD = "secret-pass-123"  # the factories' password
SECRET = b"%PDF-1.4 TAJNE-DANE-KLIENTA"


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _last_code(mailoutbox) -> str:
    return re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)


def _share(actor, portal, item):
    return services.share_items(actor, [portal], [item]).created[0]


# ---------------------------------------------------------------------------------------
# Holes found by the review, now closed
# ---------------------------------------------------------------------------------------


def test_activation_link_for_existing_login_bypasses_authenticator(
    client, ado, editor, portal_a, portal_b, mailoutbox, django_capture_on_commit_callbacks
):
    """Inviting an already-active login at a second client sends no activation link,
    and no activation link for that login (even a genuine token) resets its password."""
    from wagtail_clientportal.portal.tokens import activation_path

    # The person uses an authenticator app only (no email device) at client A.
    member = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    TOTPDevice.objects.create(user=member.user, name="authenticator", confirmed=True)
    _share(editor, portal_a, DocumentFactory(file=ContentFile(SECRET, name="a.pdf")))
    # The firm invites the same email as a portal user of client B.
    with django_capture_on_commit_callbacks(execute=True):
        second = services.create_portal_user(
            ado,
            portal_b.client,
            email=member.email,
            first_name="Anna",
            last_name="Nowak",
            portals=[portal_b],
        )
    body = mailoutbox[-1].body
    assert "/portal/activate/" not in body and "http://testserver/portal/" in body
    assert second.activated_at is not None  # the existing login opens the new portal
    # Whoever holds the mail cannot turn a token into a new password either.
    link = activation_path(member.user)
    payload = {"new_password1": "Nowe-Haslo-2026!", "new_password2": "Nowe-Haslo-2026!"}
    assert client.post(link, payload).status_code == 400
    member.user.refresh_from_db()
    assert not member.user.check_password("Nowe-Haslo-2026!")
    client.post("/portal/setup/", {"method": "email"})
    response = client.get(f"/portal/p/{portal_a.pk}/documents/")
    assert response.status_code != 200


def test_wagtail_url_refuses_document_whose_version_is_shared(client, editor, portal_a):
    document = DocumentFactory(file=ContentFile(SECRET, name="umowa.pdf"))
    version = services.snapshot_document(editor, document, label="podpisana")
    _share(editor, portal_a, version)
    response = client.get(document.url)  # anonymous
    assert response.status_code == 403
    assert SECRET not in _body(response)


def test_invoice_moved_to_another_client_leaves_old_portal(
    client, editor, member, portal_a, client_b
):
    invoice = InvoiceFactory(client=portal_a.client)
    share = _share(editor, portal_a, invoice)
    invoice.client = client_b  # e.g. a correction made in the invoice's edit form
    invoice.save()
    otp_login(client, member.user)
    response = client.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/")
    assert response.status_code == 404


def test_settlement_of_a_moved_invoice_leaves_old_portal_everywhere(
    client, editor, member, portal_a, client_b
):
    """The settlement follows its invoice: once the invoice belongs to another client, the
    old client's portal neither lists, counts as new, nor serves the settlement."""
    invoice = InvoiceFactory(client=portal_a.client)
    document = _share(editor, portal_a, DocumentFactory())
    settlement = _share(editor, portal_a, SettlementFactory(invoice=invoice))
    visible = services.visible_shares(member, portal_a)
    assert set(visible) == {document, settlement}
    invoice.client = client_b
    invoice.save()
    assert list(services.visible_shares(member, portal_a)) == [document]
    memberships = list(services.accessible_portal_users(_verified(member.user)))
    assert services.new_share_counts(memberships) == {portal_a.pk: 1}
    otp_login(client, member.user)
    response = client.get(f"/portal/p/{portal_a.pk}/file/{settlement.pk}/")
    assert response.status_code == 404
    listed = client.get(reverse("wagtail_clientportal:section", args=[portal_a.pk, "invoices"]))
    assert SettlementFactory._meta.model.objects.get().title not in listed.content.decode()


def _verified(user):
    user.is_verified = lambda: True
    return user


def test_ranged_download_is_audited(client, editor, member, portal_a):
    share = _share(editor, portal_a, DocumentFactory(file=ContentFile(SECRET, name="u.pdf")))
    otp_login(client, member.user)
    response = client.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/", HTTP_RANGE="bytes=1-")
    assert response.status_code == 206
    assert SECRET[0:1] + _body(response) == SECRET  # the first byte of a PDF is known: "%"
    assert AccessEvent.objects.filter(share=share).exists()


def test_huge_range_header_is_not_a_server_error(client, editor, member, portal_a):
    share = _share(editor, portal_a, DocumentFactory(file=ContentFile(SECRET, name="u.pdf")))
    otp_login(client, member.user)
    client.raise_request_exception = False
    response = client.get(
        f"/portal/p/{portal_a.pk}/file/{share.pk}/", HTTP_RANGE="bytes=" + "9" * 5000 + "-"
    )
    assert response.status_code in (200, 416)


@pytest.fixture
def editor_limited_to_public_collection(editor):
    """Wagtail lets the editor use documents of the "Publiczne" collection only."""
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    public = root.add_child(name="Publiczne")
    secret = root.add_child(name="Tajne")
    for codename in ("choose_document", "change_document"):
        GroupCollectionPermission.objects.create(
            group=editor.groups.get(),
            collection=public,
            permission=Permission.objects.get(
                content_type__app_label="wagtaildocs", codename=codename
            ),
        )
    return public, secret


def test_editor_cannot_take_documents_outside_their_collections(
    client, editor, editor_limited_to_public_collection
):
    _public, secret = editor_limited_to_public_collection
    hidden = DocumentFactory(collection=secret, file=ContentFile(SECRET, name="zarzad.pdf"))
    client.force_login(editor)
    url = reverse("clientportal_staff:document_shares", args=[hidden.pk])
    client.post(url, {"action": "snapshot", "label": "x"})
    stolen = b""
    for version in DocumentVersion.objects.filter(document=hidden):
        response = client.get(reverse("clientportal_staff:file", args=["version", version.pk]))
        if response.status_code == 200:
            stolen += _body(response)
    assert SECRET not in stolen


def test_replacing_the_authenticator_needs_the_password(client, member):
    from django_otp.oath import TOTP

    original = TOTPDevice.objects.create(user=member.user, name="authenticator", confirmed=True)
    otp_login(client, member.user)
    client.get("/portal/account/authenticator/")
    new = TOTPDevice.objects.get(user=member.user, confirmed=False)
    totp = TOTP(new.bin_key, new.step, new.t0, new.digits, new.drift)
    client.post("/portal/account/authenticator/", {"token": f"{totp.token():06d}"})
    assert TOTPDevice.objects.filter(pk=original.pk).exists()
    assert not TOTPDevice.objects.filter(pk=new.pk, confirmed=True).exists()


# ---------------------------------------------------------------------------------------
# Protections that hold
# ---------------------------------------------------------------------------------------


def test_share_of_one_portal_is_not_served_through_another_portal(
    client, editor, client_a, portal_a, portal_a2
):
    person = PortalUserFactory(client=client_a, portals=[portal_a, portal_a2])
    share = _share(editor, portal_a, DocumentFactory(file=ContentFile(SECRET, name="u.pdf")))
    otp_login(client, person.user)
    assert client.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/").status_code == 200
    for url in (
        f"/portal/p/{portal_a2.pk}/file/{share.pk}/",
        f"/portal/p/{portal_a2.pk}/item/{share.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404 and SECRET not in _body(response)


def test_same_login_blocked_at_one_client_active_at_another(
    client, ado, editor, portal_a, portal_b
):
    at_a = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    at_b = PortalUserFactory(user=at_a.user, client=portal_b.client, portals=[portal_b])
    share_a = _share(editor, portal_a, DocumentFactory(file=ContentFile(SECRET, name="a.pdf")))
    share_b = _share(editor, portal_b, DocumentFactory(file=ContentFile(b"B", name="b.pdf")))
    services.block_portal_user(ado, at_a)
    otp_login(client, at_a.user)
    refused = client.get(f"/portal/p/{portal_a.pk}/file/{share_a.pk}/")
    assert refused.status_code == 403 and SECRET not in _body(refused)
    assert client.get(f"/portal/p/{portal_b.pk}/file/{share_b.pk}/").status_code == 200
    # The portal choice offers only B; B's portal never lists A's share.
    assert client.get("/portal/choose/")["Location"] == f"/portal/p/{portal_b.pk}/"
    assert client.get(f"/portal/p/{portal_b.pk}/file/{share_a.pk}/").status_code == 404
    assert at_b.pk != at_a.pk


def test_settlement_shared_without_its_invoice(client, editor, member, portal_a):
    invoice = InvoiceFactory(client=portal_a.client, pdf=ContentFile(SECRET, name="f.pdf"))
    settlement = SettlementFactory(invoice=invoice)
    share = _share(editor, portal_a, settlement)
    otp_login(client, member.user)
    assert _body(client.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/")) == b"hours"
    page = client.get(f"/portal/p/{portal_a.pk}/invoices/")
    item = client.get(f"/portal/p/{portal_a.pk}/item/{share.pk}/")
    for response in (page, item):
        assert response.status_code == 200 and SECRET not in response.content
    # No share id of this portal serves the invoice's own PDF.
    for share_id in range(1, share.pk + 5):
        response = client.get(f"/portal/p/{portal_a.pk}/file/{share_id}/")
        assert SECRET not in _body(response)


def test_version_share_serves_the_frozen_copy_only(client, editor, member, portal_a):
    document = DocumentFactory(file=ContentFile(b"%PDF v1", name="u.pdf"))
    version = services.snapshot_document(editor, document)
    share = _share(editor, portal_a, version)
    document.file = ContentFile(b"%PDF v2 later draft", name="u.pdf")
    document.save()
    otp_login(client, member.user)
    assert _body(client.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/")) == b"%PDF v1"


def test_email_code_is_single_use(client, member, portal_a, mailoutbox):
    client.post("/portal/", {"email": member.email, "password": PASSWORD})
    client.get("/portal/login/code/")
    code = _last_code(mailoutbox)
    device = EmailDevice.objects.get(user=member.user)
    data = {"device": device.persistent_id, "token": code}
    assert client.post("/portal/login/code/", data)["Location"] == "/portal/choose/"
    client.post("/portal/logout/")
    client.post("/portal/", {"email": member.email, "password": PASSWORD})
    # Straight to the POST: no new code is generated, the old one must not work.
    response = client.post("/portal/login/code/", data)
    assert response.status_code == 400
    assert client.get("/portal/choose/").status_code == 302


def test_backup_code_is_single_use(client, member, portal_a):
    device = StaticDevice.objects.create(user=member.user, name="backup", confirmed=True)
    StaticToken.objects.create(device=device, token="abcd2345")
    data = {"device": device.persistent_id, "token": "abcd2345"}
    client.post("/portal/", {"email": member.email, "password": PASSWORD})
    assert client.post("/portal/login/code/", data)["Location"] == "/portal/choose/"
    client.post("/portal/logout/")
    client.post("/portal/", {"email": member.email, "password": PASSWORD})
    assert client.post("/portal/login/code/", data).status_code == 400


def test_half_login_dies_when_the_password_changes(client, member, mailoutbox):
    client.post("/portal/", {"email": member.email, "password": PASSWORD})
    accounts.change_password(member.user, "Inne-Haslo-2026!")
    response = client.get("/portal/login/code/")
    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_half_login_cannot_use_the_portal(client, member, portal_a):
    client.post("/portal/", {"email": member.email, "password": PASSWORD})
    for url in (f"/portal/p/{portal_a.pk}/documents/", "/portal/account/", "/portal/setup/"):
        assert client.get(url).status_code == 302, url


def test_lockout_ignores_case_whitespace_and_forwarded_for(client, member, settings):
    # Five addresses, one failure each: the account-wide ceiling is what locks.
    settings.WAGTAILCLIENTPORTAL_LOGIN_ACCOUNT_LIMIT = 5
    variants = [member.email.upper(), f"  {member.email}  ", member.email.title()]
    for i in range(5):
        client.post(
            "/portal/",
            {"email": variants[i % 3], "password": "wrong"},
            REMOTE_ADDR=f"10.9.0.{i}",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    locked = client.post(
        "/portal/", {"email": member.email, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert locked.status_code == 429


def test_ip_lockout_is_not_reset_by_forwarded_for(client, member):
    for i in range(20):
        client.post(
            "/portal/",
            {"email": f"nobody{i}@example.com", "password": "x"},
            REMOTE_ADDR="10.7.7.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )
    locked = client.post(
        "/portal/",
        {"email": member.email, "password": PASSWORD},
        REMOTE_ADDR="10.7.7.7",
        HTTP_X_FORWARDED_FOR="203.0.113.1",
    )
    assert locked.status_code == 429


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "https:evil.example",
        "http://evil.example@testserver.evil.example/",
        "javascript:alert(1)",
        " //evil.example",
    ],
)
def test_next_never_leaves_the_site(client, member, portal_a, mailoutbox, target):
    client.post("/portal/", {"email": member.email, "password": PASSWORD, "next": target})
    client.get("/portal/login/code/")
    device = EmailDevice.objects.get(user=member.user)
    response = client.post(
        "/portal/login/code/", {"device": device.persistent_id, "token": _last_code(mailoutbox)}
    )
    assert response["Location"] == "/portal/choose/"


def test_state_changing_portal_views_need_csrf(member):
    client = HttpClient(enforce_csrf_checks=True)
    otp_login(client, member.user)
    for url, data in (
        ("/portal/account/logout-everywhere/", {"password": PASSWORD}),
        ("/portal/account/backup-codes/", {"password": PASSWORD}),
        ("/portal/account/authenticator/", {"token": "123456"}),
        ("/portal/account/password/", {"old_password": PASSWORD}),
        ("/portal/logout/", {}),
        ("/portal/", {"email": member.email, "password": PASSWORD}),
    ):
        assert client.post(url, data).status_code == 403, url
    assert client.get("/portal/account/").status_code == 200  # still logged in


def test_download_headers_for_hostile_names(client, editor, member, portal_a):
    invoice = InvoiceFactory(client=portal_a.client)
    settlement = SettlementFactory(invoice=invoice, title='a"b\r\nSet-Cookie: x=1; "')
    share = _share(editor, portal_a, settlement)
    html = DocumentFactory(file=ContentFile(b"<script>alert(1)</script>", name="x.html"))
    html_share = _share(editor, portal_a, html)
    otp_login(client, member.user)
    response = client.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/")
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith("attachment;")
    assert "x=1" not in response.cookies
    response = client.get(f"/portal/p/{portal_a.pk}/file/{html_share.pk}/?inline=1")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_staff_file_view_refuses_everyone_but_portal_staff(client, nobody, member, portal_a):
    invoice = InvoiceFactory(client=portal_a.client, pdf=ContentFile(SECRET, name="f.pdf"))
    url = reverse("clientportal_staff:file", args=["invoice", invoice.pk])
    response = client.get(url)  # anonymous
    assert response.status_code == 302 and SECRET not in _body(response)
    otp_login(client, member.user)  # a verified portal user of that very client
    response = client.get(url)
    assert response.status_code in (302, 403) and SECRET not in _body(response)
    client.logout()
    client.force_login(nobody)  # admin access but none of the package's permissions
    response = client.get(url)
    assert response.status_code == 403 and SECRET not in _body(response)
    bogus = client.get(f"/admin/clientportal/file/user/{nobody.pk}/")
    assert bogus.status_code in (403, 404)


def test_private_files_have_no_url(editor):
    invoice = InvoiceFactory(pdf=ContentFile(SECRET, name="f.pdf"))
    with pytest.raises(NotImplementedError):
        invoice.pdf.url  # noqa: B018


def test_reset_link_dies_after_a_password_change(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/password-reset/", {"email": member.email.upper()})
    [message] = mailoutbox
    link = re.search(r"http://testserver(/portal/password-reset/\S+/)", message.body).group(1)
    assert client.get(link).status_code == 200
    accounts.change_password(member.user, "Inne-Haslo-2026!")
    assert client.get(link).status_code == 400


def test_activation_link_dies_after_activation_and_for_other_uid(
    client, ado, portal_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pu = services.create_portal_user(
            ado,
            portal_a.client,
            email="nowy@klient.pl",
            first_name="N",
            last_name="K",
            portals=[portal_a],
        )
    link = re.search(r"http://testserver(/portal/activate/\S+/)", mailoutbox[-1].body).group(1)
    ok = client.post(link, {"new_password1": "Zimowy-Las-2026", "new_password2": "Zimowy-Las-2026"})
    assert ok.status_code == 302
    client.cookies.clear()
    again = {"new_password1": "Inne-2026-xx", "new_password2": "Inne-2026-xx"}
    assert client.post(link, again).status_code == 400
    assert PortalUser.objects.get(pk=pu.pk).user.check_password("Zimowy-Las-2026")


def test_setup_steps_need_the_activation_session(client, member):
    # Without the half-finished activation in the session, no device can be enrolled.
    for url in ("/portal/setup/", "/portal/setup/verify/"):
        assert client.post(url, {"method": "totp", "token": "123456"})["Location"] == "/portal/"
    otp_login(client, member.user)  # even a verified user cannot jump into it:
    devices = TOTPDevice.objects.filter(user=member.user).count()
    response = client.post("/portal/setup/", {"method": "totp"})
    # sent on to the portal (the setup is finished), and no device was started
    assert response["Location"] == reverse("wagtail_clientportal:choose")
    assert TOTPDevice.objects.filter(user=member.user).count() == devices
