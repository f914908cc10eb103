"""Several items in one ZIP: streamed, size-limited, each item its own download."""

import hashlib
import io
import zipfile
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from tests.conftest import otp_login
from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AccessEvent, DeliveryEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def _shared(editor, portal, count=3):
    documents = [DocumentFactory(title=f"Umowa {n}") for n in range(count)]
    return services.share_items(editor, [portal], documents).created


def _zip_url(portal, **params):
    from urllib.parse import urlencode

    return reverse("wagtail_clientportal:zip", args=[portal.pk]) + "?" + urlencode(params, True)


def test_section_zip_is_streamed_and_records_each_item(client, editor, member, portal_a):
    shares = _shared(editor, portal_a)
    otp_login(client, member.user)
    response = client.get(_zip_url(portal_a, section="documents"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)  # the test client closes it at the end
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert len(archive.namelist()) == 3 and archive.testzip() is None
    events = DeliveryEvent.objects.all()
    assert events.count() == 3
    contents = {hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()}
    assert {e.sha256 for e in events} == contents
    assert {e.status for e in events} == {DeliveryEvent.Status.COMPLETE}
    downloads = AccessEvent.objects.filter(action=AccessEvent.Action.DOWNLOAD)
    assert set(downloads.values_list("share_id", flat=True)) == {s.pk for s in shares}


def test_selected_items_only_and_never_another_portals(client, editor, member, portal_a, portal_b):
    mine = _shared(editor, portal_a)
    [foreign] = _shared(editor, portal_b, count=1)
    otp_login(client, member.user)
    response = client.get(_zip_url(portal_a, share=[mine[0].pk, foreign.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 1
    assert not DeliveryEvent.objects.filter(share_ref=foreign.pk).exists()
    only_foreign = client.get(_zip_url(portal_a, share=[foreign.pk]))
    assert only_foreign.status_code == 404


def test_over_the_size_limit_is_refused_before_any_byte(client, settings, editor, member, portal_a):
    _shared(editor, portal_a)
    settings.WAGTAILCLIENTPORTAL_ZIP_MAX_BYTES = 10
    otp_login(client, member.user)
    response = client.get(_zip_url(portal_a, section="documents"))
    assert response.status_code == 413 and not response.streaming
    assert not DeliveryEvent.objects.exists() and not AccessEvent.objects.exists()


def test_an_aborted_zip_records_the_item_being_sent_as_aborted(
    client, monkeypatch, editor, member, portal_a
):
    from wagtail_clientportal.portal.views import zip as zip_view

    monkeypatch.setattr(zip_view, "CHUNK", 4)  # the first chunk is part of the first file
    _shared(editor, portal_a)
    otp_login(client, member.user)
    response = client.get(_zip_url(portal_a, section="documents"))
    next(iter(response.streaming_content))  # the client goes away after the first chunk
    # As the server does; the test's own database connection stays open.
    with mock.patch.object(connection, "close_if_unusable_or_obsolete"):
        response.close()
    assert list(DeliveryEvent.objects.values_list("status", flat=True)) == [
        DeliveryEvent.Status.ABORTED
    ]


def test_zip_needs_a_verified_session(client, editor, portal_a):
    _shared(editor, portal_a, count=1)
    response = client.get(_zip_url(portal_a, section="documents"))
    assert response.status_code in (302, 403, 404)
    assert not DeliveryEvent.objects.exists()
