"""Proof of delivery, parts 3 and 4: the receipt (PDF + JSON) and its verification."""

import hashlib
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from tests.conftest import otp_login
from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import DeliveryEvent
from wagtail_clientportal.services import receipt_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

CONTENT = b"%PDF-1.4 postanowienie"
POLISH = "Zażółć Gęślą Jaźń"


@pytest.fixture
def delivered(client, editor, portal_a):
    portal_a.client.name = "Łódzka Spółdzielnia Żółw"
    portal_a.client.save()
    person = PortalUserFactory(
        client=portal_a.client, portals=[portal_a], first_name="Michał", last_name="Świątek-Źdźbło"
    )
    doc = DocumentFactory(title=POLISH, file=ContentFile(CONTENT, name="postanowienie.pdf"))
    [share] = services.share_items(editor, [portal_a], [doc], require_receipt=True).created
    otp_login(client, person.user)
    b"".join(client.get(reverse("wagtail_clientportal:download", args=[portal_a.pk, share.pk])))
    client.post(reverse("wagtail_clientportal:confirm_receipt", args=[portal_a.pk, share.pk]))
    client.logout()
    return share, person


def _receipt(client, share, person, fmt):
    return client.get(reverse("clientportal_staff:receipt", args=[share.pk, person.pk, fmt]))


def test_receipt_json_has_the_record_and_a_canonical_digest(client, administrator, delivered):
    share, person = delivered
    client.force_login(administrator)
    data = json.loads(_receipt(client, share, person, "json").content)
    sha = hashlib.sha256(CONTENT).hexdigest()
    assert data["item"]["sha256"] == sha and data["item"]["size"] == len(CONTENT)
    assert data["person"]["name"] == "Michał Świątek-Źdźbło"
    assert data["first_complete_download"] and data["receipt_confirmed"]
    assert data["receipt_confirmed"].endswith(("+01:00", "+02:00"))  # Europe/Warsaw
    assert [r["kind"] for r in data["records"]] == ["download", "confirmation"]
    assert data["digest"] == receipt_record.digest_of(data)
    data["person"]["name"] = "Ktoś inny"
    assert data["digest"] != receipt_record.digest_of(data)


def test_receipt_pdf_contains_the_hash_and_polish_names(client, administrator, delivered):
    from pypdf import PdfReader

    share, person = delivered
    client.force_login(administrator)
    response = _receipt(client, share, person, "pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert hashlib.sha256(CONTENT).hexdigest() in text.replace("\n", "")
    for name in (POLISH, "Michał Świątek-Źdźbło", "Łódzka Spółdzielnia Żółw"):
        assert name in text
    assert "Potwierdzenie doręczenia" in text
    digest = json.loads(_receipt(client, share, person, "json").content)["digest"]
    assert digest in text.replace("\n", "")


def test_the_client_gets_their_own_receipt_only(client, delivered, member, portal_a):
    share, person = delivered
    otp_login(client, person.user)
    url = reverse("wagtail_clientportal:receipt", args=[portal_a.pk, share.pk, "json"])
    mine = json.loads(client.get(url).content)
    assert mine["person"]["portal_user_id"] == person.pk
    assert client.get(url.replace("/json/", "/exe/")).status_code == 404
    client.logout()
    otp_login(client, member.user)  # another person of the same portal
    other = json.loads(client.get(url).content)
    assert other["person"]["portal_user_id"] == member.pk and other["records"] == []


def test_receipts_need_portal_staff(client, nobody, delivered):
    share, person = delivered
    client.force_login(person.user)
    assert _receipt(client, share, person, "json").status_code in (302, 403)


def _json(share, person):
    return receipt_record.to_json(receipt_record.build(share.pk, person.pk))


def test_verification_command_accepts_a_true_receipt(tmp_path, delivered):
    share, person = delivered
    path = tmp_path / "r.json"
    path.write_bytes(_json(share, person))
    out = io.StringIO()
    call_command("clientportal_verify_receipt", str(path), stdout=out)
    assert "verified" in out.getvalue() and "FAILED" not in out.getvalue()


def test_verification_detects_an_edited_receipt(tmp_path, delivered):
    share, person = delivered
    data = json.loads(_json(share, person))
    data["receipt_confirmed"] = "2020-01-01T00:00:00+01:00"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError):
        call_command("clientportal_verify_receipt", str(path), stdout=io.StringIO())
    assert services.verification.verify_receipt(json.dumps(data)).receipt_intact is False


def test_verification_detects_a_changed_file_and_a_broken_chain(delivered):
    share, person = delivered
    raw = _json(share, person)
    doc = share.document
    doc.file = ContentFile(b"%PDF other content", name="x.pdf")
    doc.save()
    result = services.verification.verify_receipt(raw)
    assert result.file_matches is False and result.chain_intact and not result.ok
    first = DeliveryEvent.objects.order_by("seq").first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DeliveryEvent._meta.db_table} SET user_name = %s WHERE id = %s",
            ["Ktoś", first.pk],
        )
    assert services.verification.verify_receipt(raw).chain_intact is False


def test_verification_detects_a_deleted_record(delivered):
    share, person = delivered
    raw = _json(share, person)
    first = DeliveryEvent.objects.order_by("seq").first()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DeliveryEvent._meta.db_table} WHERE id = %s", [first.pk])
    result = services.verification.verify_receipt(raw)
    assert result.matches_records is False and result.chain_intact is False


def test_verify_page(client, administrator, delivered):
    share, person = delivered
    client.force_login(administrator)
    url = reverse("clientportal_staff:verify_receipt")
    assert client.get(url).status_code == 200
    good = client.post(url, {"text": _json(share, person).decode()})
    assert good.status_code == 200 and good.context["result"].ok
    upload = ContentFile(b'{"nonsense": 1}', name="r.json")
    bad = client.post(url, {"receipt": upload})
    assert bad.status_code == 200 and not bad.context["result"].ok
    empty = client.post(url, {})
    assert empty.status_code == 400
