"""Superseded-version trail: a newer pinned version replaces the older one, explicitly."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.models import ModelLogEntry

from tests.conftest import otp_login
from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import ClientPortalValidationError
from wagtail_clientportal.models import Share
from wagtail_clientportal.services import audit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _doc_with_versions(editor, n=2):
    doc = DocumentFactory(title="Umowa", file=ContentFile(b"v0", name="umowa.pdf"))
    versions = []
    for i in range(n):
        doc.file = ContentFile(f"tresc {i}".encode(), name="umowa.pdf")
        doc.save()
        versions.append(services.snapshot_document(editor, doc, label=f"v{i + 1}"))
    return doc, versions


def test_a_newer_version_supersedes_the_older_which_stays_visible(editor, portal_a):
    _doc, (v1, v2) = _doc_with_versions(editor)
    [old] = services.share_items(editor, [portal_a], [v1]).created
    result = services.share_items(editor, [portal_a], [v2])
    [new] = result.created
    old.refresh_from_db()
    assert old.superseded_by == new and old.superseded_at is not None
    assert old.revoked_at is None and [s.pk for s in result.superseded] == [old.pk]
    assert Share.objects.active().filter(portal=portal_a).count() == 2
    logged = ModelLogEntry.objects.filter(action=audit.SHARE).latest("pk")
    assert logged.data["superseded"] == [old.pk]


def test_staff_may_revoke_the_older_version_instead(editor, portal_a):
    _doc, (v1, v2) = _doc_with_versions(editor)
    [old] = services.share_items(editor, [portal_a], [v1]).created
    [new] = services.share_items(editor, [portal_a], [v2], older_versions="revoke").created
    old.refresh_from_db()
    assert old.superseded_by == new and old.revoked_by == editor
    assert list(Share.objects.active().filter(portal=portal_a)) == [new]


@pytest.mark.parametrize("first", ["live", "version"])
def test_live_document_and_its_version_are_never_on_one_portal(editor, portal_a, first):
    doc, (v1,) = _doc_with_versions(editor, 1)
    items = {"live": doc, "version": v1}
    services.share_items(editor, [portal_a], [items[first]])
    other = items["version" if first == "live" else "live"]
    with pytest.raises(ClientPortalValidationError) as error:
        services.share_items(editor, [portal_a], [other])
    assert error.value.code == "live_and_version"
    with pytest.raises(ClientPortalValidationError) as error:
        services.share_items(editor, [portal_a], [doc, v1])
    assert error.value.code == "live_and_version"
    assert Share.objects.count() == 1  # nothing half-written


def test_two_versions_at_once_and_an_older_over_a_newer_are_refused(editor, portal_a):
    _doc, (v1, v2) = _doc_with_versions(editor)
    with pytest.raises(ClientPortalValidationError) as error:
        services.share_items(editor, [portal_a], [v1, v2])
    assert error.value.code == "two_versions_of_document"
    services.share_items(editor, [portal_a], [v2])
    with pytest.raises(ClientPortalValidationError) as error:
        services.share_items(editor, [portal_a], [v1])
    assert error.value.code == "newer_version_shared"


def test_the_portal_lists_the_newest_with_the_older_under_it(client, editor, member, portal_a):
    _doc, (v1, v2) = _doc_with_versions(editor)
    [old] = services.share_items(editor, [portal_a], [v1]).created
    [new] = services.share_items(editor, [portal_a], [v2]).created
    otp_login(client, member.user)
    listing = client.get(reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"]))
    rows = [r.share.pk for r in listing.context["rows"]]
    assert rows == [new.pk]  # one title, the newest version
    page = client.get(reverse("wagtail_clientportal:item", args=[portal_a.pk, new.pk]))
    assert [r.share.pk for r in page.context["row"].older_versions] == [old.pk]
    assert "wersja zastąpiona" in page.content.decode()
    older = client.get(reverse("wagtail_clientportal:item", args=[portal_a.pk, old.pk]))
    assert older.status_code == 200 and "wersja zastąpiona" in older.content.decode()
    # Revoking the newer one brings the older back into the listing.
    services.revoke_shares(editor, [new])
    listing = client.get(reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"]))
    assert [r.share.pk for r in listing.context["rows"]] == [old.pk]


def test_each_version_shows_who_opened_it(client, editor, member, portal_a):
    from wagtail_clientportal.staff.history import access_summary

    _doc, (v1, v2) = _doc_with_versions(editor)
    [old] = services.share_items(editor, [portal_a], [v1]).created
    otp_login(client, member.user)
    client.get(reverse("wagtail_clientportal:item", args=[portal_a.pk, old.pk]))
    [new] = services.share_items(editor, [portal_a], [v2]).created
    summary = access_summary([old.pk, new.pk])
    assert [e["user_email"] for e in summary[old.pk]] == [member.email]
    assert not summary.get(new.pk)
