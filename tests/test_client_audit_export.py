"""The client's audit ZIP: all its portals, the history of deleted portals kept, nothing else."""

import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from tests.conftest import archive_texts, otp_login
from tests.conftest import streamed_zip as _zip
from tests.conftest import zip_csv as _csv
from tests.factories import DocumentFactory, PortalFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import ClientPortalPermissionDenied
from wagtail_clientportal.models import Notification, Share
from wagtail_clientportal.services import client_audit_export

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _url(client_obj):
    return reverse("clientportal_portals:client_audit_zip", args=[client_obj.pk])


@pytest.fixture
def histories(client, editor, administrator, member, portal_a, portal_a2, portal_b):
    """portal_a: a download; portal_a2: a share, then deleted; portal_b: another client's."""
    [kept] = services.share_items(editor, [portal_a], [DocumentFactory(title="Umowa")]).created
    otp_login(client, member.user)
    url = reverse("wagtail_clientportal:download", args=[portal_a.pk, kept.pk])
    b"".join(client.get(url).streaming_content)
    client.logout()
    [gone] = services.share_items(editor, [portal_a2], [DocumentFactory(title="Aneks")]).created
    [other] = services.share_items(editor, [portal_b], [DocumentFactory(title="Obca")]).created
    Notification.objects.create(
        kind=Notification.Kind.NEW_SHARES, recipient="osoba@alfa.pl", portal=portal_a2
    )
    deleted_pk, deleted_name = portal_a2.pk, portal_a2.name
    services.delete_portal(administrator, portal_a2)
    return {"kept": kept, "gone": gone, "other": other, "deleted": (deleted_pk, deleted_name)}


def test_the_client_zip_holds_live_and_deleted_portals(client, ado, histories, portal_a, client_a):
    client.force_login(ado)
    response = client.get(_url(client_a))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"].startswith("private, no-store")
    archive = _zip(response)
    manifest = json.loads(archive.read("manifest.json"))
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert set(manifest["files"]) == set(archive.namelist()) - {"manifest.json"}
    portals = {(p["id"], p["deleted"]): p for p in manifest["portals"]}
    deleted_pk, deleted_name = histories["deleted"]
    assert set(portals) == {(portal_a.pk, False), (deleted_pk, True)}
    live, gone = portals[(portal_a.pk, False)]["folder"], portals[(deleted_pk, True)]["folder"]
    assert gone.startswith("deleted-portals/") and deleted_name in gone
    [kept_row] = _csv(archive, live + "shares.csv")
    assert kept_row["share_id"] == str(histories["kept"].pk)
    assert [r["action"] for r in _csv(archive, live + "access.csv")]
    assert {r["kind"] for r in _csv(archive, live + "delivery.csv")} == {"download"}
    [gone_row] = _csv(archive, gone + "shares.csv")
    assert gone_row["share_id"] == str(histories["gone"].pk) and gone_row["revoked_at"]
    assert gone_row["portal"] == deleted_name and "Aneks" in gone_row["item"]
    [note] = _csv(archive, gone + "notifications.csv")  # kept by the copied portal id
    assert note["recipient"] == "osoba@alfa.pl"
    text = "".join(archive_texts(archive).values())
    assert "Obca" not in text  # another client's share never appears
    from wagtail.models import ModelLogEntry

    [entry] = ModelLogEntry.objects.filter(action="wagtail_clientportal.audit_export")
    assert (entry.object_id, entry.user_id) == (str(client_a.pk), ado.pk)
    assert entry.data["how"] == "stream"


def test_a_legacy_deleted_portal_is_found_by_the_clients_name(ado, client_a, editor):
    """Shares of a portal deleted before ids were copied: grouped by the copied name."""
    portal = PortalFactory(client=client_a, name="Stary panel")
    [share] = services.share_items(editor, [portal], [DocumentFactory(title="Stare")]).created
    Share.objects.filter(pk=share.pk).update(
        portal=None, portal_name="Stary panel", client_name=client_a.name
    )
    portal.delete()
    stream = client_audit_export.client_audit_zip(ado, client_a)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream)))
    manifest = json.loads(archive.read("manifest.json"))
    [entry] = [p for p in manifest["portals"] if p["deleted"]]
    assert entry["id"] is None and entry["name"] == "Stary panel"
    [row] = _csv(archive, entry["folder"] + "shares.csv")
    assert row["share_id"] == str(share.pk)


def test_only_ado_and_administrator_may_export_a_client(client, editor, nobody, client_a):
    for user in (editor, nobody):
        client.force_login(user)
        assert client.get(_url(client_a)).status_code == 403
    with pytest.raises(ClientPortalPermissionDenied):
        client_audit_export.client_audit_zip(editor, client_a)


def test_the_card_offers_the_client_zip_to_ado(client, ado, client_a):
    client.force_login(ado)
    card = client.get(reverse("clientportal_portals:client", args=[client_a.pk]))
    assert _url(client_a) in card.text
