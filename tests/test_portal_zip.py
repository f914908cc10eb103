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


def _zip_url(portal):
    return reverse("wagtail_clientportal:zip", args=[portal.pk])


def _post(client, portal, **data):
    return client.post(_zip_url(portal), data)


def _refusal(response) -> str:
    """The stable code on the refusal page."""
    import re

    match = re.search(r'data-error-code="([a-z_]+)"', response.content.decode())
    return match.group(1) if match else ""


def _nothing_recorded():
    return not DeliveryEvent.objects.exists() and not AccessEvent.objects.exists()


def test_section_zip_is_streamed_and_records_each_item(client, editor, member, portal_a):
    shares = _shared(editor, portal_a)
    otp_login(client, member.user)
    response = _post(client, portal_a, section="documents")
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


def test_the_ticked_items_only(client, editor, member, portal_a):
    mine = _shared(editor, portal_a)
    otp_login(client, member.user)
    response = _post(client, portal_a, share=[mine[0].pk, mine[2].pk])
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 2
    assert set(DeliveryEvent.objects.values_list("share_ref", flat=True)) == {
        mine[0].pk,
        mine[2].pk,
    }


def test_another_portals_or_clients_share_refuses_the_whole_archive(
    client, editor, member, portal_a, portal_a2, portal_b
):
    mine = _shared(editor, portal_a)
    [same_client] = _shared(editor, portal_a2, count=1)  # not one of the person's portals
    [other_client] = _shared(editor, portal_b, count=1)
    otp_login(client, member.user)
    for foreign in (same_client, other_client):
        response = _post(client, portal_a, share=[mine[0].pk, foreign.pk])
        assert response.status_code == 404 and not response.streaming
        assert _refusal(response) == "zip_not_available"
        assert "Nic nie zostało pobrane." in response.content.decode().replace("\xa0", " ")
    # Nor through the other portal's own URL.
    assert _post(client, portal_b, share=[other_client.pk]).status_code == 404
    assert _nothing_recorded()


def test_revoked_and_expired_shares_are_refused(client, editor, member, portal_a):
    import datetime

    import time_machine
    from django.utils import timezone

    kept, revoked = _shared(editor, portal_a, count=2)
    [expiring] = services.share_items(
        editor,
        [portal_a],
        [DocumentFactory()],
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    ).created
    services.revoke_shares(editor, [revoked])
    otp_login(client, member.user)
    response = _post(client, portal_a, share=[kept.pk, revoked.pk])
    assert response.status_code == 404 and _refusal(response) == "zip_not_available"
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        otp_login(client, member.user)
        response = _post(client, portal_a, share=[kept.pk, expiring.pk])
    assert response.status_code == 404 and _refusal(response) == "zip_not_available"
    assert _nothing_recorded()


@pytest.mark.parametrize(
    "data, code",
    [
        ({}, "zip_nothing_selected"),
        ({"section": "nonsense"}, "zip_nothing_selected"),
        ({"share": ["abc"]}, "zip_not_available"),
        ({"share": ["-1"]}, "zip_not_available"),
        ({"share": [str(10**30)]}, "zip_not_available"),
        ({"share": ["²"]}, "zip_not_available"),  # a digit to isdigit(), not to int()
        ({"share": ["١"]}, "zip_not_available"),  # an Arabic-Indic one: ASCII ids only
        ({"share": [str(n) for n in range(501)]}, "zip_not_available"),
    ],
)
def test_bad_input_is_a_translated_400(client, editor, member, portal_a, data, code):
    _shared(editor, portal_a, count=1)
    otp_login(client, member.user)
    response = _post(client, portal_a, **data)
    assert response.status_code == 400 and _refusal(response) == code
    assert _nothing_recorded()


def test_get_is_not_allowed_and_csrf_is_checked(editor, member, portal_a):
    from django.test import Client

    [share] = _shared(editor, portal_a, count=1)
    strict = Client(enforce_csrf_checks=True)
    otp_login(strict, member.user)
    assert strict.get(_zip_url(portal_a) + f"?share={share.pk}").status_code == 405
    assert strict.post(_zip_url(portal_a), {"share": [share.pk]}).status_code == 403
    assert _nothing_recorded()


def test_the_listing_offers_a_box_per_item_and_the_whole_section(client, editor, member, portal_a):
    shares = _shared(editor, portal_a)
    otp_login(client, member.user)
    page = client.get(
        reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    ).content.decode()
    assert f'action="{_zip_url(portal_a)}"' in page and 'method="post"' in page
    assert "csrfmiddlewaretoken" in page
    for share in shares:
        assert f'name="share" value="{share.pk}"' in page
    assert 'name="section" value="documents"' in page
    assert "wagtail_clientportal/js/select-all.js" in page
    assert "<script>" not in page  # CSP: no inline script


def test_over_the_size_limit_is_refused_before_any_byte(client, settings, editor, member, portal_a):
    _shared(editor, portal_a)
    settings.WAGTAILCLIENTPORTAL_ZIP_MAX_BYTES = 10
    otp_login(client, member.user)
    response = _post(client, portal_a, section="documents")
    assert response.status_code == 413 and not response.streaming
    assert "Prosimy wybrać mniej pozycji" in response.content.decode().replace("\xa0", " ")
    assert _nothing_recorded()


def test_an_aborted_zip_records_the_item_being_sent_as_aborted(
    client, monkeypatch, editor, member, portal_a
):
    from wagtail_clientportal.portal.views import zip as zip_view

    monkeypatch.setattr(zip_view, "CHUNK", 4)  # the first chunk is part of the first file
    _shared(editor, portal_a)
    otp_login(client, member.user)
    response = _post(client, portal_a, section="documents")
    next(iter(response.streaming_content))  # the client goes away after the first chunk
    # As the server does; the test's own database connection stays open.
    with mock.patch.object(connection, "close_if_unusable_or_obsolete"):
        response.close()
    assert list(DeliveryEvent.objects.values_list("status", flat=True)) == [
        DeliveryEvent.Status.ABORTED
    ]


def test_zip_needs_a_verified_session(client, editor, portal_a):
    _shared(editor, portal_a, count=1)
    response = _post(client, portal_a, section="documents")
    assert response.status_code in (302, 403, 404)
    assert _nothing_recorded()


def test_a_section_larger_than_one_archive_is_refused_before_any_file_is_read(
    client, editor, member, portal_a
):
    from wagtail_clientportal.portal.views import zip as zip_view

    _shared(editor, portal_a, count=4)
    otp_login(client, member.user)
    with (
        mock.patch.object(zip_view, "MAX_SELECTED", 3),
        mock.patch("django.core.files.storage.FileSystemStorage.size") as size,
    ):
        response = _post(client, portal_a, section="documents")
    assert response.status_code == 413
    assert _refusal(response) == "zip_too_many"
    assert "najwyżej 500" in response.content.decode()
    assert not size.called
    assert _nothing_recorded()


def test_the_archive_is_named_in_polish(client, editor, member, portal_a):
    shares = _shared(editor, portal_a, count=2)
    otp_login(client, member.user)
    section = _post(client, portal_a, section="documents")
    assert "dokumenty.zip" in section["Content-Disposition"]
    assert "documents" not in section["Content-Disposition"]
    b"".join(section.streaming_content)
    ticked = _post(client, portal_a, share=[shares[0].pk])
    assert "wybrane.zip" in ticked["Content-Disposition"]
    b"".join(ticked.streaming_content)
