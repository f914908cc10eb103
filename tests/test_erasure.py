"""Erasing a person: login and memberships gone, records pseudonymised, chain verifies."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from wagtail.models import ModelLogEntry

from tests.conftest import otp_login
from tests.factories import DocumentFactory, PortalUserFactory
from wagtail_clientportal import services
from wagtail_clientportal.exceptions import (
    ClientPortalPermissionDenied,
    ClientPortalValidationError,
)
from wagtail_clientportal.models import AccessEvent, DeliveryEvent, Notification, PortalUser
from wagtail_clientportal.services import audit, erasure, receipt_record
from wagtail_clientportal.services.delivery import verify_chain
from wagtail_clientportal.services.verification import verify_receipt
from wagtail_clientportal.test_utils import staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


@pytest.fixture
def dpo(db):
    return staff_user(
        "iod@kancelaria.pl",
        "wagtailadmin.access_admin",
        "wagtail_clientportal.manage_portal_users",
        "wagtail_clientportal.manage_personal_data",
    )


@pytest.fixture
def history(client, editor, administrator, portal_a, client_b, portal_b):
    """Two people on portal_a's chain, interleaved: erasing one must keep the chain whole."""
    anna = PortalUserFactory(
        client=portal_a.client, portals=[portal_a], first_name="Anna", last_name="Zielińska"
    )
    PortalUserFactory(user=anna.user, client=client_b, portals=[portal_b], first_name="Anna")
    jan = PortalUserFactory(
        client=portal_a.client, portals=[portal_a], first_name="Jan", last_name="Kowal"
    )
    doc = DocumentFactory(title="Ugoda", file=ContentFile(b"ugoda", name="ugoda.pdf"))
    [share] = services.share_items(editor, [portal_a], [doc], require_receipt=True).created
    services.rename_portal_user(administrator, anna, "Anna", "Zielińska-Nowak")
    download = reverse("wagtail_clientportal:download", args=[portal_a.pk, share.pk])
    confirm = reverse("wagtail_clientportal:confirm_receipt", args=[portal_a.pk, share.pk])
    for person in (anna, jan, anna):
        otp_login(client, person.user)
        response = client.get(download, HTTP_USER_AGENT=f"Firefox/{person.first_name}")
        b"".join(response.streaming_content)
        client.logout()
    otp_login(client, anna.user)
    client.post(confirm)
    client.logout()
    receipt = json.dumps(receipt_record.build(share.pk, jan.pk))
    return {"anna": anna, "jan": jan, "share": share, "email": anna.email, "receipt": receipt}


def test_erasure_deletes_the_login_and_memberships_and_pseudonymises_the_records(
    dpo, history, portal_a
):
    anna = history["anna"]
    login_id = anna.user_id
    before = list(
        DeliveryEvent.objects.filter(portal_user_ref=anna.pk).values_list(
            "seq", "at", "sha256", "record_hash"
        )
    )
    assert len(before) == 3
    result = erasure.erase_person(dpo, anna)
    assert result["login_deleted"] and result["memberships"] == 2
    assert not get_user_model().objects.filter(pk=login_id).exists()
    assert not PortalUser.objects.filter(user_id=login_id).exists()
    assert not StaticDevice.objects.filter(user_id=login_id).exists()
    # Hashes and times kept, the person replaced by the pseudonym.
    after = list(
        DeliveryEvent.objects.filter(portal_user_ref=anna.pk).values_list(
            "seq", "at", "sha256", "record_hash"
        )
    )
    assert after == before
    records = DeliveryEvent.objects.filter(portal_user_ref=anna.pk)
    assert {r.user_name for r in records} == {result["pseudonym"]}
    assert all(r.ip_address is None and r.user_agent == "" and r.pseudonymised_at for r in records)
    events = AccessEvent.objects.filter(user_name=result["pseudonym"])
    assert events.count() == 2 and all(e.ip_address is None for e in events)


def test_the_chain_still_verifies_and_the_other_persons_receipt_too(dpo, history, portal_a):
    erasure.erase_person(dpo, history["anna"])
    report = verify_chain(portal_a.pk)
    assert report.intact, report.problems
    assert report.records == 4 and report.pseudonymised == 3
    assert report.legacy_pseudonymised == []
    assert verify_receipt(history["receipt"]).chain_intact


def test_an_altered_name_is_still_detected_on_a_record_not_erased(history, portal_a):
    DeliveryEvent._plain.filter(portal_user_ref=history["jan"].pk).update(user_name="Ktoś inny")
    report = verify_chain(portal_a.pk)
    assert not report.intact
    assert any("person's data altered" in p for p in report.problems)


def test_the_person_is_unfindable_afterwards(client, dpo, history, portal_a):
    anna, email = history["anna"], history["email"]
    erasure.erase_person(dpo, anna)
    needles = (email, "Zielińska", "Firefox/Anna")
    rows = [
        *AccessEvent.objects.values_list("user_email", "user_name", "user_agent"),
        *DeliveryEvent.objects.values_list("user_email", "user_name", "user_agent"),
        *Notification.objects.values_list("recipient", "context", "last_error"),
        *ModelLogEntry.objects.values_list("label", "data"),
    ]
    text = json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False)
    for needle in needles:
        assert needle not in text, needle
    # The staff search finds nobody.
    client.force_login(dpo)
    index = reverse("clientportal_portal_users:index")
    response = client.get(index, {"q": email})
    assert response.status_code == 200 and list(response.context["object_list"]) == []
    assert list(client.get(index, {"q": "Zielińska"}).context["object_list"]) == []


def test_the_erasure_is_logged_without_the_erased_data(dpo, history):
    anna, email = history["anna"], history["email"]
    result = erasure.erase_person(dpo, anna)
    entry = ModelLogEntry.objects.get(action=audit.PERSON_ERASE)
    assert entry.user == dpo and entry.object_id == str(anna.pk)
    assert entry.label == result["pseudonym"] and entry.deleted
    stored = json.dumps(entry.data, ensure_ascii=False)
    assert email not in stored and "Zielińska" not in stored and "Anna" not in stored
    assert entry.data["delivery_records"] == 3


def test_one_transaction_a_staff_login_is_refused_and_nothing_changes(dpo, history):
    anna = history["anna"]
    anna.user.is_staff = True
    anna.user.save()
    with pytest.raises(ClientPortalValidationError) as error:
        erasure.erase_person(dpo, anna)
    assert error.value.code == "erase_staff_login"
    assert PortalUser.objects.filter(user=anna.user).count() == 2
    assert DeliveryEvent.objects.filter(pseudonymised_at__isnull=False).count() == 0
    assert not ModelLogEntry.objects.filter(action=audit.PERSON_ERASE).exists()


def test_the_confirmation_page_then_post(client, dpo, history):
    anna = history["anna"]
    url = reverse("clientportal_portal_users:erase", args=[anna.pk])
    client.force_login(dpo)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "3" in text and anna.email in text
    assert PortalUser.objects.filter(pk=anna.pk).exists()  # GET changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "clientportal_portal_users:client", args=[anna.client_id]
    )
    assert not PortalUser.objects.filter(pk=anna.pk).exists()


def test_permission_negatives(client, editor, administrator, ado, history):
    anna = history["anna"]
    url = reverse("clientportal_portal_users:erase", args=[anna.pk])
    for user in (editor, administrator, ado):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    with pytest.raises(ClientPortalPermissionDenied):
        erasure.erase_person(administrator, anna)
    assert PortalUser.objects.filter(pk=anna.pk).exists()
