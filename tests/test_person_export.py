"""The RODO export of one person: everything about them, no secret, hashes that match."""

import hashlib
import json

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.urls import reverse
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import ModelLogEntry

from tests.conftest import otp_login
from tests.conftest import streamed_zip as _zip
from tests.conftest import zip_csv as _csv
from tests.factories import DocumentFactory, PortalFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import ClientPortalPermissionDenied
from wagtail_clientportal.models import Notification, PortalUser, Upload
from wagtail_clientportal.models.uploads import UploadedFile
from wagtail_clientportal.portal.tokens import activation_path, password_reset_url
from wagtail_clientportal.services import audit, person_export
from wagtail_clientportal.test_utils import staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

PASSWORD = "Bardzo-Tajne-Haslo-2026!"
NAMES = {
    "README.txt",
    "memberships.csv",
    "shares.csv",
    "access.csv",
    "delivery.csv",
    "notifications.csv",
    "devices.csv",
    "uploads.csv",
    "manifest.json",
}


@pytest.fixture
def dpo(db):
    """The data-protection officer: the ADO role's permissions."""
    return staff_user(
        "iod@kancelaria.pl",
        "wagtailadmin.access_admin",
        "wagtail_clientportal.manage_portals",
        "wagtail_clientportal.manage_portal_users",
        "wagtail_clientportal.manage_personal_data",
    )


def _url(portal_user):
    return reverse("clientportal_portal_users:rodo_export", args=[portal_user.pk])


@pytest.fixture
def person(client, editor, member, portal_a, client_b, portal_b):
    """A person with a history and every kind of secret a login can have.

    ``member`` is also a portal user of client B; another person of client B has a
    history of their own, which must not appear in ``member``'s export.
    """
    login = member.user
    login.set_password(PASSWORD)
    login.save()
    PortalUserFactory(user=login, client=client_b, portals=[portal_b], first_name="Anna")
    doc = DocumentFactory(title="Umowa najmu", file=ContentFile(b"tresc", name="u.pdf"))
    [share] = services.share_items(editor, [portal_a], [doc], require_receipt=True).created
    static = otp_login(client, login)
    StaticToken.objects.create(device=static, token="zapasowy42")
    totp = TOTPDevice.objects.create(user=login, name="Aplikacja", confirmed=True)
    email_device = EmailDevice.objects.create(user=login, name="E-mail", confirmed=True)
    email_device.generate_token(valid_secs=300)
    b"".join(
        client.get(
            reverse("wagtail_clientportal:download", args=[portal_a.pk, share.pk]),
            HTTP_USER_AGENT="Przegladarka/1.0",
        ).streaming_content
    )
    client.post(reverse("wagtail_clientportal:confirm_receipt", args=[portal_a.pk, share.pk]))
    client.logout()
    Notification.objects.filter(user=login).update(
        context={"login_url": "https://example.com/link-z-tokenem"}
    )
    upload = Upload.objects.create(
        portal=portal_a,
        client=portal_a.client,
        portal_user=member,
        user=login,
        user_email=member.email,
        user_name=member.full_name,
        client_name=portal_a.client.name,
        portal_name=portal_a.name,
        note="Skan dowodu",
        ip_address="203.0.113.7",
    )
    UploadedFile.objects.create(
        upload=upload,
        file=ContentFile(b"skan", name="skan.pdf"),
        original_name="skan.pdf",
        extension="pdf",
        content_type="application/pdf",
        size=4,
        sha256=hashlib.sha256(b"skan").hexdigest(),
    )
    # Another client's person, with a history of their own on a portal not assigned to
    # ``member``.
    other_portal = PortalFactory(client=client_b, name="Sprawy")
    other = PortalUserFactory(client=client_b, portals=[other_portal], first_name="Obcy")
    [other_share] = services.share_items(
        editor, [other_portal], [DocumentFactory(title="Cudzy dokument")]
    ).created
    otp_login(client, other.user)
    b"".join(
        client.get(
            reverse("wagtail_clientportal:download", args=[other_portal.pk, other_share.pk])
        ).streaming_content
    )
    client.logout()
    login.refresh_from_db()
    totp.refresh_from_db()
    email_device.refresh_from_db()
    secrets = {
        "password hash": login.password,
        "password": PASSWORD,
        "static token": "zapasowy42",
        "totp key": totp.key,
        "email code": email_device.token,
        "activation token": activation_path(login).rstrip("/").rsplit("/", 1)[-1],
        "reset token": default_token_generator.make_token(login),
        "reset link": password_reset_url(login),
        "stored link": "link-z-tokenem",
    }
    return {"member": member, "other": other, "share": share, "secrets": secrets}


def test_the_export_holds_the_persons_records_and_the_manifest_hashes_match(client, dpo, person):
    member = person["member"]
    client.force_login(dpo)
    response = client.get(_url(member))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"].startswith("private, no-store")
    archive = _zip(response)
    assert set(archive.namelist()) == NAMES
    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest["files"]) == NAMES - {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    readme = archive.read("README.txt").decode()
    assert "Eksport danych osobowych" in readme and member.email in readme
    memberships = _csv(archive, "memberships.csv")
    assert {r["client"] for r in memberships} == {"Alfa Sp. z o.o.", "Beta S.A."}
    assert [r["item"] for r in _csv(archive, "shares.csv")] == ["Umowa najmu"]
    [access] = _csv(archive, "access.csv")
    assert access["action"] == "download" and access["user_agent"] == "Przegladarka/1.0"
    delivery = _csv(archive, "delivery.csv")
    assert {r["kind"] for r in delivery} == {"download", "confirmation"}
    assert all(len(r["record_hash"]) == 64 for r in delivery)
    assert {r["kind"] for r in _csv(archive, "notifications.csv")} >= {"new_shares"}
    devices = {r["name"] for r in _csv(archive, "devices.csv")}
    assert devices == {"tests", "Aplikacja", "E-mail"}
    [upload] = _csv(archive, "uploads.csv")
    assert upload["file_name"] == "skan.pdf"
    assert upload["sha256"] == hashlib.sha256(b"skan").hexdigest()


def test_the_export_never_holds_a_code_token_password_hash_or_link(client, dpo, person):
    client.force_login(dpo)
    archive = _zip(client.get(_url(person["member"])))
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8-sig")
        for what, secret in person["secrets"].items():
            assert secret and secret not in text, f"{what} in {name}"
        assert "pbkdf2" not in text and "http" not in text, name


def test_another_persons_data_is_not_in_the_export(client, dpo, person):
    client.force_login(dpo)
    archive = _zip(client.get(_url(person["member"])))
    other = person["other"]
    text = b"".join(archive.read(n) for n in archive.namelist()).decode("utf-8-sig")
    assert other.email not in text and "Obcy" not in text and "Cudzy dokument" not in text


def test_shares_lists_only_what_the_person_may_see_now(client, editor, dpo, person, portal_b):
    """Blocked at client B (they left it): B's items, shared since or before, are not
    theirs to read, so not in what the export says they can see."""
    at_b = PortalUser.objects.get(user=person["member"].user, client=portal_b.client)
    services.share_items(editor, [portal_b], [DocumentFactory(title="Poufna oferta Beta")])
    PortalUser.objects.filter(pk=at_b.pk).update(is_blocked=True)
    client.force_login(dpo)
    archive = _zip(client.get(_url(person["member"])))
    assert [r["item"] for r in _csv(archive, "shares.csv")] == ["Umowa najmu"]
    assert len(_csv(archive, "memberships.csv")) == 2  # the membership itself is listed


def test_the_export_is_logged_without_a_secret(client, dpo, person):
    member = person["member"]
    client.force_login(dpo)
    _zip(client.get(_url(member)))
    entry = ModelLogEntry.objects.get(action=audit.PERSON_EXPORT)
    assert entry.object_id == str(member.pk) and entry.user == dpo
    assert sorted(entry.data["portal_user_ids"]) == sorted(
        PortalUser.objects.filter(user=member.user).values_list("pk", flat=True)
    )
    assert person["secrets"]["password hash"] not in json.dumps(entry.data)


def test_only_the_data_protection_officer_may_export(client, ado, editor, nobody, member):
    """ADO in the fixtures' old sense (portals and users) lacks manage_personal_data."""
    for user in (editor, nobody, ado):
        client.force_login(user)
        assert client.get(_url(member)).status_code == 403
    with pytest.raises(ClientPortalPermissionDenied):
        person_export.person_export_zip(editor, member)
    assert not ModelLogEntry.objects.filter(action=audit.PERSON_EXPORT).exists()


def test_the_row_menu_offers_export_and_erase_to_the_dpo_only(client, dpo, administrator, member):
    url = reverse("clientportal_portal_users:client", args=[member.client_id])
    client.force_login(dpo)
    page = client.get(url).content.decode()
    assert _url(member) in page
    assert reverse("clientportal_portal_users:erase", args=[member.pk]) in page
    client.force_login(administrator)
    page = client.get(url).content.decode()
    assert client.get(url).status_code == 200 and _url(member) not in page


def test_the_ado_role_has_the_permission():
    from wagtail_clientportal.staff import roles

    assert roles.MANAGE_PERSONAL_DATA in roles.ROLES["ADO"]
    assert roles.MANAGE_PERSONAL_DATA not in roles.ROLES["Administrator"]


def test_the_edit_page_header_offers_the_export_to_the_dpo(client, dpo, member):
    client.force_login(dpo)
    page = client.get(reverse("clientportal_portal_users:edit", args=[member.pk]))
    assert page.status_code == 200 and _url(member) in page.content.decode()
