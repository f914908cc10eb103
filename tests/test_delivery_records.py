"""Proof of delivery, part 1: what exact bytes reached whom, append-only and chained."""

import csv
import hashlib
import io
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from wagtail import hooks as wagtail_hooks

from tests.conftest import otp_login
from tests.factories import DocumentFactory, InvoiceFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AppendOnlyError, DeliveryEvent
from wagtail_clientportal.portal.views import downloads
from wagtail_clientportal.services.delivery import verify_chain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

BIG = bytes(range(256)) * (downloads.CHUNK * 3 // 256 + 7)  # several chunks and a short one


@pytest.fixture
def logged_in(client, member):
    otp_login(client, member.user)
    return client


def _share(editor, portal, item):
    [share] = services.share_items(editor, [portal], [item]).created
    return share


def _url(share, **query):
    url = reverse("wagtail_clientportal:download", args=[share.portal_id, share.pk])
    return url + ("?inline=1" if query.get("inline") else "")


def test_streamed_hash_is_the_files_sha256_with_identity_size_ip_and_agent(
    logged_in, editor, member, portal_a
):
    doc = DocumentFactory(title="Pozew", file=ContentFile(BIG, name="pozew.pdf"))
    share = _share(editor, portal_a, doc)
    response = logged_in.get(_url(share), HTTP_USER_AGENT="Przeglądarka/1.0")
    assert b"".join(response.streaming_content) == BIG
    [event] = DeliveryEvent.objects.all()
    assert event.sha256 == hashlib.sha256(BIG).hexdigest()
    assert (event.kind, event.status) == ("download", "complete")
    assert (event.file_size, event.bytes_sent) == (len(BIG), len(BIG))
    assert event.range_start is None and event.range_end is None
    assert (event.item_kind, event.item_id, event.file_name) == ("document", doc.pk, "pozew.pdf")
    assert event.share_ref == share.pk and event.portal_user_ref == member.pk
    assert event.user_email == member.email and event.portal_name == portal_a.name
    assert event.ip_address == "127.0.0.1" and event.user_agent == "Przeglądarka/1.0"
    assert event.at <= event.finished_at
    assert (event.seq, event.prev_hash) == (1, "0" * 64)


def test_in_place_view_is_recorded_as_a_view(logged_in, editor, portal_a):
    share = _share(editor, portal_a, InvoiceFactory(client=portal_a.client))
    b"".join(logged_in.get(_url(share, inline=True)).streaming_content)
    event = DeliveryEvent.objects.get()
    assert (event.kind, event.item_kind) == ("view", "invoice")
    assert event.sha256 == hashlib.sha256(b"%PDF-1.4 invoice").hexdigest()


def test_a_changed_live_document_gives_a_different_hash(logged_in, editor, portal_a):
    doc = DocumentFactory(file=ContentFile(b"%PDF first", name="a.pdf"))
    share = _share(editor, portal_a, doc)
    b"".join(logged_in.get(_url(share)).streaming_content)
    doc.file = ContentFile(b"%PDF second, edited", name="a.pdf")
    doc.save()
    b"".join(logged_in.get(_url(share)).streaming_content)
    first, second = DeliveryEvent.objects.order_by("seq")
    assert first.sha256 == hashlib.sha256(b"%PDF first").hexdigest()
    assert second.sha256 == hashlib.sha256(b"%PDF second, edited").hexdigest()
    assert second.prev_hash == first.record_hash


@pytest.mark.parametrize("threads", [0, 2], ids=["inline", "pool"])
def test_the_hash_is_the_files_sha256_hashed_inline_or_on_the_pool(
    settings, logged_in, editor, portal_a, threads
):
    settings.WAGTAILCLIENTPORTAL_HASH_THREADS = threads
    share = _share(editor, portal_a, DocumentFactory(file=ContentFile(BIG, name="a.pdf")))
    assert b"".join(logged_in.get(_url(share)).streaming_content) == BIG
    event = DeliveryEvent.objects.get()
    assert (event.status, event.bytes_sent) == ("complete", len(BIG))
    assert event.sha256 == hashlib.sha256(BIG).hexdigest()


def test_a_range_is_partial_and_not_a_complete_download(logged_in, editor, member, portal_a):
    share = _share(editor, portal_a, DocumentFactory(file=ContentFile(BIG, name="a.pdf")))
    response = logged_in.get(_url(share), HTTP_RANGE="bytes=100-199")
    assert b"".join(response.streaming_content) == BIG[100:200]
    event = DeliveryEvent.objects.get()
    assert (event.status, event.range_start, event.range_end) == ("partial", 100, 199)
    assert event.sha256 == hashlib.sha256(BIG[100:200]).hexdigest()
    assert not event.is_complete_download
    [status] = services.delivery_status.for_shares([share])
    assert status.first_opened is not None and status.first_complete is None


def test_a_client_that_goes_away_leaves_an_aborted_record(logged_in, editor, portal_a):
    share = _share(editor, portal_a, DocumentFactory(file=ContentFile(BIG, name="a.pdf")))
    response = logged_in.get(_url(share))
    first_chunk = next(iter(response))
    # What the server does when the connection breaks (the test keeps its DB connection).
    with mock.patch.object(connection, "close_if_unusable_or_obsolete"):
        response.close()
    event = DeliveryEvent.objects.get()
    assert event.status == "aborted" and event.bytes_sent == len(first_chunk) < len(BIG)
    assert event.sha256 == hashlib.sha256(first_chunk).hexdigest()


def test_a_stream_closed_before_its_first_byte_is_still_recorded(editor, member, portal_a):
    share = _share(editor, portal_a, DocumentFactory(file=ContentFile(BIG, name="a.pdf")))
    tracker = services.delivery.DeliveryTracker(
        share=share,
        portal_user=member,
        kind="download",
        file_size=len(BIG),
        start=0,
        length=len(BIG),
        ranged=False,
    )
    stream = downloads._iter(share.document.file.open("rb"), 0, len(BIG), tracker)
    stream.close()
    assert DeliveryEvent.objects.get().bytes_sent == 0


def test_head_records_nothing(logged_in, editor, portal_a):
    share = _share(editor, portal_a, DocumentFactory())
    assert logged_in.head(_url(share)).status_code == 200
    assert not DeliveryEvent.objects.exists()


def test_records_refuse_updates_and_deletes(logged_in, editor, portal_a):
    share = _share(editor, portal_a, DocumentFactory())
    b"".join(logged_in.get(_url(share)).streaming_content)
    event = DeliveryEvent.objects.get()
    event.sha256 = "f" * 64
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        DeliveryEvent.objects.filter(pk=event.pk).update(sha256="0" * 64)
    with pytest.raises(AppendOnlyError):
        DeliveryEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        DeliveryEvent.objects.bulk_update([event], ["sha256"])
    assert DeliveryEvent.objects.get().record_hash == event.record_hash
    assert verify_chain(portal_a.pk).intact


def test_records_survive_revocation_user_and_portal_deletion(
    logged_in, editor, administrator, member, portal_a
):
    share = _share(editor, portal_a, DocumentFactory(title="Ugoda"))
    b"".join(logged_in.get(_url(share)).streaming_content)
    services.revoke_shares(editor, [share])
    services.delete_portal(administrator, portal_a)  # member was only there: deleted too
    event = DeliveryEvent.objects.get()
    # The share itself is kept as history (rule 12), so the record still points at it.
    assert event.share_id == share.pk
    assert event.portal_user_id is None and event.portal_id is None
    assert (event.item_title, event.user_name, event.portal_name) == (
        "Ugoda",
        member.full_name,
        "Dokumenty",
    )
    assert verify_chain(event.chain_key).intact


def _three_records(logged_in, editor, portal):
    share = _share(editor, portal, DocumentFactory())
    for _n in range(3):
        b"".join(logged_in.get(_url(share)).streaming_content)
    return list(DeliveryEvent.objects.order_by("seq"))


def test_the_chain_detects_a_deleted_row(logged_in, editor, portal_a):
    events = _three_records(logged_in, editor, portal_a)
    assert verify_chain(portal_a.pk).intact
    table = DeliveryEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [events[1].pk])
    report = verify_chain(portal_a.pk)
    assert not report.intact and report.records == 2
    assert any("#3" in problem for problem in report.problems)


def test_the_chain_detects_an_altered_row(logged_in, editor, portal_a):
    events = _three_records(logged_in, editor, portal_a)
    table = DeliveryEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET sha256 = %s WHERE id = %s", ["0" * 64, events[0].pk])
    report = verify_chain(portal_a.pk)
    assert report.problems == ["#1: contents altered"]


def test_chains_are_per_portal(client, editor, member, portal_a, portal_a2):
    member.portals.add(portal_a2)
    otp_login(client, member.user)
    for portal in (portal_a, portal_a2):
        share = _share(editor, portal, DocumentFactory())
        b"".join(client.get(_url(share)).streaming_content)
    assert sorted(DeliveryEvent.objects.values_list("chain_key", "seq")) == sorted(
        [(portal_a.pk, 1), (portal_a2.pk, 1)]
    )


def test_after_delivery_hook_gets_the_committed_record(
    logged_in, editor, portal_a, django_capture_on_commit_callbacks
):
    seen = []
    share = _share(editor, portal_a, DocumentFactory())
    with wagtail_hooks.register_temporarily(
        "clientportal_after_delivery", lambda event: seen.append(event.pk)
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            b"".join(logged_in.get(_url(share)).streaming_content)
        assert seen == []  # not before the commit
        for callback in callbacks:
            callback()
    assert seen == [DeliveryEvent.objects.get().pk]


def _see_root_documents(user):
    from django.contrib.auth.models import Permission
    from wagtail.models import Collection, GroupCollectionPermission

    GroupCollectionPermission.objects.create(
        group=user.groups.get(),
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(
            content_type__app_label="wagtaildocs", codename="choose_document"
        ),
    )


def test_staff_pages_show_and_export_the_derived_status(
    client, logged_in, editor, member, portal_a
):
    doc = DocumentFactory(title="Opinia =SUM(1)")
    share = _share(editor, portal_a, doc)
    b"".join(logged_in.get(_url(share)).streaming_content)
    _see_root_documents(editor)
    client.force_login(editor)
    for url in (
        reverse("clientportal_portals:detail", args=[portal_a.pk]),
        reverse("clientportal_staff:document_shares", args=[doc.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["delivery"][0].first_complete is not None
        export = client.get(url + "?export=csv")
        assert export["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["share_id", "item", "portal_user_id"]
        assert rows[1][0] == str(share.pk) and rows[1][2] == str(member.pk)
        assert rows[1][7]  # first complete download
        assert not rows[1][10]  # not confirmed
        assert rows[1][1] == "Opinia =SUM(1)"


def test_staff_export_needs_staff_rights(client, logged_in, editor, member, portal_a):
    share = _share(editor, portal_a, DocumentFactory())
    url = reverse("clientportal_portals:detail", args=[share.portal_id]) + "?export=csv"
    client.force_login(member.user)  # a portal user, not staff
    assert client.get(url).status_code in (302, 403)
