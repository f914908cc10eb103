"""Once shared, never public (rule 11); records outlive the portal they describe (rule 12)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.models import Collection, GroupCollectionPermission

from tests.conftest import otp_login
from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AccessEvent, DocumentVersion, Share, SharedDocument

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

SECRET = b"%PDF-1.4 TAJNE-DANE-KLIENTA"


@pytest.fixture(autouse=True)
def _administrator_sees_documents(administrator):
    GroupCollectionPermission.objects.create(
        group=administrator.groups.get(),
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(
            content_type__app_label="wagtaildocs", codename="change_document"
        ),
    )


def serve_url(document):
    return reverse("wagtaildocs_serve", args=[document.pk, document.filename])


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def deleted_portal(client, ado, editor, client_a, portal_a, portal_a2):
    """A portal with a document and a pinned version, opened by its users, then deleted."""
    direct = DocumentFactory(title="Umowa poufna", file=ContentFile(SECRET, name="umowa.pdf"))
    pinned = DocumentFactory(title="Aneks", file=ContentFile(SECRET, name="aneks.pdf"))
    version = services.snapshot_document(editor, pinned, label="podpisany")
    result = services.share_items(editor, [portal_a], [direct, version])
    # One user only here (deleted with the portal), one keeping another portal.
    only_here = PortalUserFactory(client=client_a, portals=[portal_a], last_name="Jedynak")
    stays = PortalUserFactory(client=client_a, portals=[portal_a, portal_a2], last_name="Zostaje")
    for person in (only_here, stays):
        otp_login(client, person.user)
        for share in result.created:
            response = client.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/")
            assert response.status_code == 200
            assert body(response) == SECRET
        client.logout()
    services.delete_portal(ado, portal_a)
    return {
        "documents": [direct, pinned],
        "version": version,
        "shares": result.created,
        "stays": stays,
        "only_here": only_here,
    }


def test_documents_of_a_deleted_portal_stay_refused(client, administrator, deleted_portal):
    for document in deleted_portal["documents"]:
        response = client.get(serve_url(document))  # anonymous
        assert response.status_code in (403, 404), document
        assert SECRET not in body(response)
    otp_login(client, deleted_portal["stays"].user)  # a former user of that portal, verified
    for document in deleted_portal["documents"]:
        response = client.get(serve_url(document))
        assert response.status_code in (403, 404), document
        assert SECRET not in body(response)
    client.logout()
    client.force_login(administrator)  # the firm's staff still get the file
    for document in deleted_portal["documents"]:
        response = client.get(serve_url(document))
        assert response.status_code == 200
        assert body(response) == SECRET


def test_no_access_remains_through_the_deleted_portal(client, deleted_portal, portal_a2):
    shares = Share.objects.filter(pk__in=[s.pk for s in deleted_portal["shares"]])
    # The rows stay for the audit, closed and without a portal...
    assert shares.count() == 2
    assert all(s.portal_id is None and s.revoked_at is not None for s in shares)
    assert not Share.objects.active().filter(pk__in=shares).exists()
    # ...and no portal query of anyone sees them.
    person = deleted_portal["stays"]
    assert not services.visible_shares(person, portal_a2).filter(pk__in=shares).exists()
    otp_login(client, person.user)
    for share in shares:
        for url in (
            f"/portal/p/{portal_a2.pk}/item/{share.pk}/",
            f"/portal/p/{portal_a2.pk}/file/{share.pk}/",
        ):
            assert client.get(url).status_code == 404


def test_history_of_a_deleted_portal_is_readable_in_the_admin(
    client, administrator, deleted_portal
):
    shares = deleted_portal["shares"]
    # The access events keep their share, so the share's history shows who opened it.
    events = AccessEvent.objects.filter(share__in=shares)
    assert events.count() == 4
    assert {e.portal_name for e in events} == {"Dokumenty"}
    client.force_login(administrator)
    for document in deleted_portal["documents"]:
        page = client.get(reverse("clientportal_staff:document_shares", args=[document.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Dokumenty" in html and "Alfa Sp. z o.o." in html  # the portal, by its copied name
        assert "redaktor@kancelaria.pl" in html  # who shared
        assert deleted_portal["only_here"].full_name in html  # who opened it (user deleted)
        assert deleted_portal["stays"].full_name in html
    listing = client.get(reverse("clientportal_shares:list"), {"status": "portal_deleted"})
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Umowa poufna" in html and "Aneks" in html and "Dokumenty" in html


def test_document_stays_refused_after_revoking_and_deleting_the_version(client, editor, portal_a):
    document = DocumentFactory(file=ContentFile(SECRET, name="umowa.pdf"))
    version = services.snapshot_document(editor, document)
    result = services.share_items(editor, [portal_a], [version])
    services.revoke_shares(editor, result.created)
    DocumentVersion.objects.filter(pk=version.pk).delete()  # the share row goes with it
    assert not Share.objects.filter(document_version=version.pk).exists()
    response = client.get(serve_url(document))
    assert response.status_code in (403, 404)
    assert SECRET not in body(response)


def test_sharing_marks_the_document_in_the_same_transaction(editor, portal_a):
    direct, pinned, never = DocumentFactory(), DocumentFactory(), DocumentFactory()
    version = services.snapshot_document(editor, pinned)
    services.share_items(editor, [portal_a], [direct, version])
    services.share_items(editor, [portal_a], [direct])  # again: still one mark
    marked = set(SharedDocument.objects.values_list("document_id", flat=True))
    assert marked == {direct.pk, pinned.pk}
    assert never.pk not in marked


def test_existing_installs_get_their_marks_and_names(editor, portal_a):
    """The data migration: shares written before the mark existed are found and marked."""
    migration = importlib.import_module(
        "wagtail_clientportal.migrations.0003_shared_document_share_history"
    )
    direct, pinned, _never = DocumentFactory(), DocumentFactory(), DocumentFactory()
    version = services.snapshot_document(editor, pinned)
    # A version whose share went with a portal deleted before the upgrade: marked too.
    orphan = DocumentFactory()
    services.snapshot_document(editor, orphan)
    Share.objects.create(portal=portal_a, document=direct)
    Share.objects.create(portal=portal_a, document_version=version)
    Share.objects.update(portal_name="", client_name="")
    SharedDocument.objects.all().delete()
    migration.mark_shared_documents(apps, None)
    marked = set(SharedDocument.objects.values_list("document_id", flat=True))
    assert marked == {direct.pk, pinned.pk, orphan.pk}
    assert set(Share.objects.values_list("portal_name", "client_name")) == {
        ("Dokumenty", "Alfa Sp. z o.o.")
    }
