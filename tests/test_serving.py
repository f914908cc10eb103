"""Offloaded serving: the check, the audit row and the record stay in Django, the bytes do not.

``presigned`` runs against moto's S3 server, started here on 127.0.0.1 (never a
network service); the nginx side of ``x-accel-redirect`` is exercised by the
stack test (tests/test_stack.py).
"""

import hashlib
import socket
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import otp_login
from tests.factories import DocumentFactory, InvoiceFactory, SettlementFactory
from tests.testapp.models import CaseDocument
from wagtail_clientportal import services
from wagtail_clientportal.models import (
    AccessEvent,
    DeliveryEvent,
    DocumentVersion,
    Invoice,
    Settlement,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

DATA = b"%PDF-1.4 " + bytes(range(256)) * 300
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def logged_in(client, member):
    otp_login(client, member.user)
    return client


def _url(share, inline=False):
    url = reverse("wagtail_clientportal:download", args=[share.portal_id, share.pk])
    return url + ("?inline=1" if inline else "")


def _items(editor, kind):
    if kind == "document":
        return DocumentFactory(title="Pozew", file=ContentFile(DATA, name="pozew.pdf"))
    if kind == "document_version":
        doc = DocumentFactory(title="Umowa", file=ContentFile(DATA, name="umowa.pdf"))
        return services.snapshot_document(editor, doc, label="v1")
    if kind == "invoice":
        return InvoiceFactory(pdf=ContentFile(DATA, name="faktura.pdf"))
    return SettlementFactory(file=ContentFile(DATA, name="godziny.pdf"))


def _share(editor, portal, kind="document"):
    item = _items(editor, kind)
    if kind in ("invoice", "settlement"):
        invoice = item if kind == "invoice" else item.invoice
        invoice.client = portal.client
        invoice.save()
    [share] = services.share_items(editor, [portal], [item]).created
    return share


def _refuse(change, editor, administrator, member, share):
    if change == "revoke":
        services.revoke_shares(editor, [share])
    elif change == "block":
        services.block_portal_user(administrator, member)
    else:
        services.delete_portal(administrator, share.portal)


# --- x-accel-redirect / x-sendfile ---------------------------------------------------


@pytest.fixture
def x_accel(settings):
    settings.WAGTAILCLIENTPORTAL_SERVE_METHOD = "x-accel-redirect"
    settings.WAGTAILCLIENTPORTAL_X_ACCEL_LOCATIONS = {
        str(settings.MEDIA_ROOT): "/_media/",
        _private_root(): "/_private/",
    }
    return settings


def _private_root():
    # The private fields' storage, as the models built it.
    return DocumentVersion._meta.get_field("file").storage.location


@pytest.mark.parametrize("kind", ["document", "document_version", "invoice", "settlement"])
def test_x_accel_hands_the_checked_file_to_nginx_and_records_the_stored_hash(
    x_accel, logged_in, editor, member, portal_a, kind
):
    share = _share(editor, portal_a, kind)
    response = logged_in.get(_url(share), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 200 and response.content == b""
    location = response["X-Accel-Redirect"]
    root = "/_media/" if kind == "document" else "/_private/"
    assert location.startswith(root)
    stored = x_accel.MEDIA_ROOT if kind == "document" else _private_root()
    assert (Path(stored) / unquote(location.removeprefix(root))).read_bytes() == DATA
    # The headers stay Django's: nginx passes them on.
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"
    # nginx, which sends the bytes, says it serves ranges (twice said, it was "bytes, bytes").
    assert "Accept-Ranges" not in response
    [event] = DeliveryEvent.objects.all()
    assert (event.status, event.sha256, event.bytes_sent) == ("handed_off", SHA, 0)
    assert (event.range_start, event.range_end, event.file_size) == (0, 99, len(DATA))
    assert AccessEvent.objects.filter(share=share, portal_user=member).count() == 1


def test_a_replaced_file_is_recorded_with_its_new_hash(x_accel, logged_in, editor, portal_a):
    # The stored hash is remembered in the process and in the shared cache, under the
    # file's name, size and modification time: a file replaced in place gets a new one.
    import hashlib

    from django.core.cache import cache

    share = _share(editor, portal_a)
    assert logged_in.get(_url(share)).status_code == 200
    path = Path(x_accel.MEDIA_ROOT) / share.document.file.name
    replaced = DATA[::-1] + b"more"
    path.write_bytes(replaced)
    for shared_cache_cleared in (False, True):
        if shared_cache_cleared:
            cache.clear()
        assert logged_in.get(_url(share)).status_code == 200
        latest = DeliveryEvent.objects.order_by("-seq").first()
        assert latest.sha256 == hashlib.sha256(replaced).hexdigest() != SHA
        assert latest.file_size == len(replaced)


def test_the_access_event_is_written_in_the_delivery_records_transaction(
    x_accel, logged_in, editor, member, portal_a
):
    """One commit for both rows: the access event's insert opens the delivery record's
    transaction (a savepoint inside the test's), nothing is committed between them."""
    share = _share(editor, portal_a)
    with CaptureQueriesContext(connection) as captured:
        assert logged_in.get(_url(share))["X-Accel-Redirect"]
    statements = [q["sql"].upper() for q in captured.captured_queries]
    access = AccessEvent._meta.db_table.upper()
    delivery = DeliveryEvent._meta.db_table.upper()
    first = next(i for i, sql in enumerate(statements) if f'INSERT INTO "{access}"' in sql)
    last = next(i for i, sql in enumerate(statements) if f'INSERT INTO "{delivery}"' in sql)
    assert first < last
    assert statements[first - 1].startswith(("SAVEPOINT", "BEGIN"))
    assert not any(sql.startswith(("RELEASE", "COMMIT")) for sql in statements[first:last])
    assert AccessEvent.objects.filter(share=share, portal_user=member).count() == 1
    assert DeliveryEvent.objects.get().status == "handed_off"


def test_x_sendfile_names_the_absolute_path(x_accel, logged_in, editor, portal_a):
    x_accel.WAGTAILCLIENTPORTAL_SERVE_METHOD = "x-sendfile"
    share = _share(editor, portal_a)
    response = logged_in.get(_url(share, inline=True))
    assert open(response["X-Sendfile"], "rb").read() == DATA
    assert response["Content-Disposition"].startswith("inline;")
    assert DeliveryEvent.objects.get().kind == "view"


def test_a_file_outside_the_locations_is_streamed(x_accel, logged_in, editor, portal_a):
    x_accel.WAGTAILCLIENTPORTAL_X_ACCEL_LOCATIONS = {"/nonexistent": "/_x/"}
    share = _share(editor, portal_a)
    response = logged_in.get(_url(share))
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == DATA
    assert DeliveryEvent.objects.get().status == "complete"


def test_head_hands_off_without_a_record(x_accel, logged_in, editor, portal_a):
    share = _share(editor, portal_a)
    assert logged_in.head(_url(share))["X-Accel-Redirect"]
    assert not DeliveryEvent.objects.exists()


@pytest.mark.parametrize("change", ["revoke", "block", "delete_portal"])
def test_x_accel_is_refused_after(
    x_accel, logged_in, editor, administrator, member, portal_a, change
):
    share = _share(editor, portal_a)
    _refuse(change, editor, administrator, member, share)
    response = logged_in.get(_url(share))
    assert response.status_code in (302, 403, 404)  # 302: back to the portal's login/choice
    assert "X-Accel-Redirect" not in response and response.get("Location", "/").startswith("/")
    assert not DeliveryEvent.objects.exists()


# --- presigned, against moto's S3 server on loopback ----------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    moto_server = pytest.importorskip("moto.server")
    pytest.importorskip("storages.backends.s3")
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    import boto3
    from storages.backends.s3 import S3Storage

    options = dict(
        endpoint_url=s3_server,
        access_key="testing",
        secret_key="testing",
        region_name="us-east-1",
        addressing_style="path",
        signature_version="s3v4",
    )
    bucket = f"b{_free_port()}"
    boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    storage = S3Storage(bucket_name=bucket, default_acl="private", **options)
    # Wagtail's documents and the package's private files, as a host configures them.
    for model, name in [
        (CaseDocument, "file"),
        (DocumentVersion, "file"),
        (Invoice, "pdf"),
        (Settlement, "file"),
    ]:
        monkeypatch.setattr(model._meta.get_field(name), "storage", storage)
    settings.WAGTAILCLIENTPORTAL_SERVE_METHOD = "presigned"
    return storage


@pytest.mark.parametrize("kind", ["document", "document_version", "invoice", "settlement"])
def test_presigned_redirects_to_a_short_lived_url_with_the_name_and_no_store(
    s3, logged_in, editor, portal_a, kind
):
    share = _share(editor, portal_a, kind)
    response = logged_in.get(_url(share))
    assert response.status_code == 302
    signed = response["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert int(query["X-Amz-Expires"][0]) <= 60
    assert response["Cache-Control"] == "private, no-store"
    with urllib.request.urlopen(signed, timeout=10) as fetched:
        assert fetched.read() == DATA
        assert fetched.headers["Cache-Control"] == "private, no-store"
        assert fetched.headers["Content-Disposition"].startswith("attachment;")
    # The object itself has no public URL.
    unsigned = signed.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(unsigned, timeout=10)
    [event] = DeliveryEvent.objects.all()
    assert (event.status, event.sha256, event.bytes_sent) == ("signed_url", SHA, 0)


def test_presigned_ranges_are_served_by_the_storage(s3, logged_in, editor, portal_a):
    share = _share(editor, portal_a)
    signed = logged_in.get(_url(share), HTTP_RANGE="bytes=10-19")["Location"]
    request = urllib.request.Request(signed, headers={"Range": "bytes=10-19"})
    with urllib.request.urlopen(request, timeout=10) as fetched:
        assert fetched.status == 206 and fetched.read() == DATA[10:20]


def test_presigned_lifetime_is_a_setting(s3, settings, logged_in, editor, portal_a):
    settings.WAGTAILCLIENTPORTAL_PRESIGNED_LIFETIME = 15
    share = _share(editor, portal_a)
    signed = logged_in.get(_url(share))["Location"]
    assert parse_qs(urlsplit(signed).query)["X-Amz-Expires"] == ["15"]


@pytest.mark.parametrize("change", ["revoke", "block", "delete_portal"])
def test_presigned_issues_no_url_after(
    s3, logged_in, editor, administrator, member, portal_a, change
):
    share = _share(editor, portal_a, "document_version")
    _refuse(change, editor, administrator, member, share)
    response = logged_in.get(_url(share))
    assert response.status_code in (302, 403, 404)
    assert "X-Amz" not in response.get("Location", "")
    assert not DeliveryEvent.objects.exists()


def test_an_unsigned_s3_storage_is_refused_loudly(s3, logged_in, editor, portal_a):
    from django.core.exceptions import ImproperlyConfigured

    share = _share(editor, portal_a)
    s3.querystring_auth = False
    with pytest.raises(ImproperlyConfigured):
        logged_in.get(_url(share))
    assert not DeliveryEvent.objects.exists()
