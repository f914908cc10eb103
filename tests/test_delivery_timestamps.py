"""Proof of delivery, part 3: RFC 3161 timestamps from a real local TSA (``openssl ts``)."""

import base64
import datetime
import io
import json
import subprocess

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests import tsa as local_tsa
from tests.conftest import otp_login
from tests.factories import DocumentFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AppendOnlyError, DeliveryEvent, DeliveryTimestamp
from wagtail_clientportal.services import timestamps

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

CONTENT = b"%PDF-1.4 wyrok z uzasadnieniem"


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    server, stop = local_tsa.start(tmp_path_factory.mktemp("tsa"))
    yield server
    stop()


@pytest.fixture
def tsa_on(settings, tsa):
    settings.WAGTAILCLIENTPORTAL_TSA_URL = tsa.url
    settings.WAGTAILCLIENTPORTAL_TSA_CERTIFICATES = str(tsa.ca_file)
    tsa.refuse = False
    return tsa


@pytest.fixture
def share(editor, portal_a, member, client):
    doc = DocumentFactory(title="Wyrok", file=ContentFile(CONTENT, name="wyrok.pdf"))
    [share] = services.share_items(editor, [portal_a], [doc], require_receipt=True).created
    otp_login(client, member.user)
    return share


def _download(client, share):
    url = reverse("wagtail_clientportal:download", args=[share.portal_id, share.pk])
    return b"".join(client.get(url).streaming_content)


def _confirm(client, share):
    url = reverse("wagtail_clientportal:confirm_receipt", args=[share.portal_id, share.pk])
    return client.post(url)


def _raw_update(event, **values):
    column, value = next(iter(values.items()))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DeliveryEvent._meta.db_table} SET {column} = %s WHERE id = %s",
            [value, event.pk],
        )


def test_confirmation_and_first_download_get_tokens_that_verify(
    client, share, tsa_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _download(client, share)
        _download(client, share)  # not the first complete download: no token
        _confirm(client, share)
    stamps = list(DeliveryTimestamp.objects.select_related("event").order_by("event__seq"))
    assert [(s.event.kind, s.status) for s in stamps] == [
        ("download", "granted"),
        ("confirmation", "granted"),
    ]
    first = stamps[0]
    assert first.record_hash == first.event.record_hash and first.serial and first.gen_time
    assert "Test TSA" in first.tsa_name
    assert timestamps.check_event(first.event, first).valid is True
    # The stored answer is a standard token: openssl verifies it over the record's bytes.
    record = services.delivery.canonical_bytes(services.delivery.canonical_fields(first.event))
    (tsa_on.folder / "record.json").write_bytes(record)
    (tsa_on.folder / "answer.tsr").write_bytes(bytes(first.token))
    subprocess.run(
        ["openssl", "ts", "-verify", "-data", "record.json", "-in", "answer.tsr",
         "-CAfile", "ca.crt"],
        cwd=tsa_on.folder, check=True, capture_output=True,
    )  # fmt: skip


def test_the_request_never_waits_for_the_tsa(
    client, share, tsa_on, django_capture_on_commit_callbacks
):
    before = tsa_on.requests
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert _confirm(client, share).status_code in (200, 302)
    stamp = DeliveryTimestamp.objects.get()
    assert stamp.status == "pending" and tsa_on.requests == before
    for callback in callbacks:
        callback()
    assert DeliveryTimestamp.objects.get().status == "granted"


def test_off_by_default_no_tokens_and_the_receipt_says_none(
    client, share, administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _download(client, share)
        _confirm(client, share)
    assert not DeliveryTimestamp.objects.exists()
    member_pk = DeliveryEvent.objects.first().portal_user_ref
    data = services.receipt_record.build(share.pk, member_pk)
    assert data["timestamp"] == "none" and data["timestamps"] == []


def test_a_tampered_record_fails_verification(
    client, share, administrator, tsa_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _download(client, share)
        _confirm(client, share)
    event = DeliveryEvent.objects.get(kind="confirmation")
    receipt = services.receipt_record.build(share.pk, event.portal_user_ref)
    assert receipt["timestamp"] == "granted" and len(receipt["timestamps"]) == 2
    good = services.verification.verify_receipt(json.dumps(receipt))
    assert good.ok and good.timestamps_valid is True

    # The firm's own row altered afterwards (a later time written over the real one).
    later = event.at + datetime.timedelta(days=3)
    _raw_update(event, at=later)
    event = DeliveryEvent.objects.get(pk=event.pk)
    stamp = DeliveryTimestamp.objects.get(event=event)
    assert timestamps.check_event(event, stamp).valid is False
    result = services.verification.verify_receipt(json.dumps(receipt))
    assert result.timestamps_valid is False and not result.ok
    assert any("stored timestamp" in p for p in result.problems)


def test_a_token_in_a_receipt_does_not_vouch_for_another_record(
    client, share, tsa_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _download(client, share)
        _confirm(client, share)
    event = DeliveryEvent.objects.get(kind="confirmation")
    receipt = services.receipt_record.build(share.pk, event.portal_user_ref)
    tokens = [t["token"] for t in receipt["timestamps"]]
    receipt["timestamps"][0]["token"], receipt["timestamps"][1]["token"] = tokens[1], tokens[0]
    receipt.pop("digest")
    receipt["digest"] = services.receipt_record.digest_of(receipt)
    result = services.verification.verify_receipt(json.dumps(receipt))
    assert result.timestamps_valid is False


def test_an_unreachable_tsa_is_retried_with_backoff_then_given_up(
    client, share, settings, tsa_on, django_capture_on_commit_callbacks
):
    settings.WAGTAILCLIENTPORTAL_TSA_MAX_ATTEMPTS = 2
    tsa_on.refuse = True
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(client, share)
    stamp = DeliveryTimestamp.objects.get()
    assert stamp.status == "pending" and stamp.attempts == 1 and "TSAError" in stamp.last_error
    assert stamp.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)
    assert timestamps.obtain() == {"granted": 0, "retrying": 0, "failed": 0}  # not due yet

    tsa_on.refuse = False
    out = io.StringIO()
    with time_travel(stamp.next_attempt_at):
        call_command("clientportal_timestamps", stdout=out)
    assert "granted: 1" in out.getvalue()
    assert DeliveryTimestamp.objects.get().status == "granted"


def test_after_the_last_attempt_a_timestamp_is_failed(
    client, share, settings, tsa_on, django_capture_on_commit_callbacks
):
    settings.WAGTAILCLIENTPORTAL_TSA_MAX_ATTEMPTS = 1
    tsa_on.refuse = True
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(client, share)
    assert DeliveryTimestamp.objects.get().status == "failed"
    event = DeliveryEvent.objects.get(kind="confirmation")
    assert services.receipt_record.build(share.pk, event.portal_user_ref)["timestamp"] == "failed"


def test_a_stored_token_is_written_once(client, share, tsa_on, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(client, share)
    stamp = DeliveryTimestamp.objects.get()
    assert DeliveryTimestamp.objects.filter(pk=stamp.pk).update(token=b"x", serial="0") == 0
    assert bytes(DeliveryTimestamp.objects.get().token) == bytes(stamp.token)
    with pytest.raises(AppendOnlyError):
        stamp.save()
    with pytest.raises(AppendOnlyError):
        DeliveryTimestamp.objects.all().delete()


class OtherDigestClient:
    """A (broken) pluggable client: a real token, but over other data."""

    def timestamp(self, data):
        from wagtail_clientportal.timestamping import HttpTSAClient

        return HttpTSAClient().timestamp(data + b"!")


def test_the_tsa_client_is_pluggable_and_its_answer_is_checked(
    client, share, settings, tsa_on, django_capture_on_commit_callbacks
):
    settings.WAGTAILCLIENTPORTAL_TSA_CLIENT = f"{__name__}.OtherDigestClient"
    before = tsa_on.requests
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(client, share)
    stamp = DeliveryTimestamp.objects.get()
    assert tsa_on.requests == before + 1  # the plugged client was used
    assert stamp.status == "pending" and "another digest" in stamp.last_error
    assert stamp.token is None


def test_receipts_show_the_token_status(
    client, share, administrator, tsa_on, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    with django_capture_on_commit_callbacks(execute=True):
        _download(client, share)
        _confirm(client, share)
    event = DeliveryEvent.objects.get(kind="confirmation")
    stamp = DeliveryTimestamp.objects.get(event=event)
    client.force_login(administrator)
    url = reverse("clientportal_staff:receipt", args=[share.pk, event.portal_user_ref, "pdf"])
    pdf = PdfReader(io.BytesIO(client.get(url).content))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", " ")
    assert stamp.serial in text and "Test TSA" in text
    json_url = reverse("clientportal_staff:receipt", args=[share.pk, event.portal_user_ref, "json"])
    data = json.loads(client.get(json_url).content)
    assert base64.b64decode(data["timestamps"][1]["token"]) == bytes(stamp.token)


def test_the_verify_command_and_page_report_the_tokens(
    client, share, administrator, tsa_on, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _download(client, share)
        _confirm(client, share)
    event = DeliveryEvent.objects.get(kind="confirmation")
    receipt = services.receipt_record.build(share.pk, event.portal_user_ref)
    path = tmp_path / "receipt.json"
    path.write_bytes(services.receipt_record.to_json(receipt))
    out = io.StringIO()
    call_command("clientportal_verify_receipt", str(path), stdout=out)
    assert "timestamps_valid: ok" in out.getvalue()
    assert f"timestamp #{event.seq}: granted, verified" in out.getvalue()

    client.force_login(administrator)
    response = client.post(reverse("clientportal_staff:verify_receipt"), {"text": path.read_text()})
    assert response.status_code == 200
    assert response.context["result"].timestamps_valid is True
    assert len(response.context["result"].timestamps) == 2


def time_travel(when):
    import time_machine

    return time_machine.travel(when + datetime.timedelta(seconds=1), tick=False)


def test_a_token_from_an_untrusted_tsa_does_not_verify(
    client, share, settings, tsa_on, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(client, share)
    stamp = DeliveryTimestamp.objects.select_related("event").get()
    local_tsa.make_pki(tmp_path)  # another root CA, same names
    settings.WAGTAILCLIENTPORTAL_TSA_CERTIFICATES = str(tmp_path / "ca.crt")
    assert timestamps.check_event(stamp.event, stamp).valid is False
    settings.WAGTAILCLIENTPORTAL_TSA_CERTIFICATES = ""
    assert timestamps.check_event(stamp.event, stamp).valid is None
