"""A download, and each range of one reading, costs a constant handful of queries.

Every request still checks rule 9 against the database (membership, activation,
blocking, expiry, assignment, the share's own state); it only stops checking the
assignment twice and re-reading the audit trail for every range of one reading.
"""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse

from tests.conftest import otp_login
from tests.factories import DocumentFactory
from wagtail_clientportal import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

DATA = bytes(range(256)) * 400

# Session, user, OTP device (middleware); the assignment with its portal and membership
# (services.enter_portal); the share with its item (services.share_to_send).
READS = 5
# The delivery record: the chain's last row and the insert, inside a savepoint in tests
# (two statements), plus the portal row's lock where the backend has SELECT ... FOR UPDATE.
DELIVERY = 4 + (1 if connection.features.has_select_for_update else 0)


@pytest.fixture
def logged_in(client, member):
    otp_login(client, member.user)
    return client


def _share(editor, portal, n_other=0):
    docs = [DocumentFactory(file=ContentFile(DATA, name=f"d{i}.pdf")) for i in range(n_other + 1)]
    created = services.share_items(editor, [portal], docs).created
    return created[0]


def _url(share):
    return reverse("wagtail_clientportal:download", args=[share.portal_id, share.pk])


def _get(client, share, range_header=None):
    extra = {"HTTP_RANGE": range_header} if range_header else {}
    response = client.get(_url(share), **extra)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.mark.parametrize("n_other", [0, 30])
def test_a_download_is_a_constant_number_of_queries(
    logged_in, editor, portal_a, n_other, django_assert_max_num_queries
):
    share = _share(editor, portal_a, n_other)
    # + the audit row
    with django_assert_max_num_queries(READS + 1 + DELIVERY):
        response, body = _get(logged_in, share)
    assert response.status_code == 200 and body == DATA


def test_an_offloaded_download_is_the_same_handful_of_queries(
    logged_in, editor, portal_a, settings, django_assert_max_num_queries
):
    # The access event rides in the delivery record's transaction: no commit of its own.
    settings.WAGTAILCLIENTPORTAL_SERVE_METHOD = "x-accel-redirect"
    settings.WAGTAILCLIENTPORTAL_X_ACCEL_LOCATIONS = {str(settings.MEDIA_ROOT): "/_media/"}
    share = _share(editor, portal_a, 30)
    with django_assert_max_num_queries(READS + 1 + DELIVERY):
        response = logged_in.get(_url(share))
    assert response.status_code == 200 and response["X-Accel-Redirect"].startswith("/_media/")
    assert share.access_events.count() == 1


def test_later_ranges_of_one_reading_do_not_reread_the_audit_trail(
    logged_in, editor, portal_a, django_assert_max_num_queries
):
    share = _share(editor, portal_a)
    response, _ = _get(logged_in, share, "bytes=0-1023")
    assert response.status_code == 206
    for start in (1024, 4096, 8192):
        with django_assert_max_num_queries(READS + DELIVERY):
            response, body = _get(logged_in, share, f"bytes={start}-{start + 1023}")
        assert response.status_code == 206 and body == DATA[start : start + 1024]
    # One audit row for the reading, one delivery record per range.
    assert share.access_events.count() == 1


def test_after_a_whole_small_file_a_later_range_asks_the_database(
    logged_in, editor, portal_a, django_assert_num_queries
):
    # A whole file smaller than one chunk leaves nothing in the cache (ranges rarely
    # follow it): a range that does follow reads the audit trail once, and still adds
    # no second audit row.
    share = _share(editor, portal_a)
    assert _get(logged_in, share)[0].status_code == 200
    with django_assert_num_queries(READS + 1 + DELIVERY):
        response, body = _get(logged_in, share, "bytes=1024-2047")
    assert response.status_code == 206 and body == DATA[1024:2048]
    assert share.access_events.count() == 1


@pytest.mark.parametrize("change", ["block", "unassign", "revoke", "expire"])
def test_every_range_still_checks_rule_9(
    logged_in, editor, administrator, member, portal_a, portal_a2, change
):
    share = _share(editor, portal_a)
    assert _get(logged_in, share, "bytes=0-99")[0].status_code == 206
    if change == "block":
        services.block_portal_user(administrator, member)
    elif change == "unassign":
        services.assign_portals(administrator, member, [portal_a2])
    elif change == "revoke":
        services.revoke_shares(editor, [share])
    else:
        member.access_expires_on = "2000-01-01"
        member.save(update_fields=["access_expires_on"])
    response, body = _get(logged_in, share, "bytes=100-199")
    assert response.status_code in (403, 404)
    assert DATA[100:200] not in body
