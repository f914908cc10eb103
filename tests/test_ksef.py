"""KSeF numbers (CRC-8) and the KOD I verification link."""

import base64
import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError

from wagtail_clientportal import ksef

OFFICIAL = ["5265877635-20250826-0100001AF629-AF", "5265877635-20250916-0200A0D6723E-C2"]


@pytest.mark.parametrize("number", OFFICIAL)
def test_the_official_examples_validate(number):
    ksef.validate_ksef_number(number)


@pytest.mark.parametrize("number", OFFICIAL)
def test_one_changed_character_fails(number):
    for i, char in enumerate(number):
        if char == "-":
            continue
        replacement = "1" if char != "1" else "2"
        mutated = number[:i] + replacement + number[i + 1 :]
        with pytest.raises(ValidationError):
            ksef.validate_ksef_number(mutated)


@pytest.mark.parametrize(
    "bad",
    [
        "5265877635-20250826-0100001AF629",  # no checksum
        "5265877635-20250826-0100001af629-AF",  # lower case
        "5265877635-20251326-0100001AF629-AF",  # no 13th month
        " 5265877635-20250826-0100001AF629-AF",
    ],
)
def test_malformed_numbers_fail(bad):
    with pytest.raises(ValidationError):
        ksef.validate_ksef_number(bad)


def test_crc8_known_check_value():
    # CRC-8 (poly 0x07, init 0x00): the catalogued check value of "123456789" is 0xF4.
    assert ksef.crc8(b"123456789") == 0xF4


def test_the_kod_i_url_equals_one_computed_independently(settings):
    xml = '<?xml version="1.0" encoding="UTF-8"?><Faktura><P_2>FV/1/2026</P_2>Łódź</Faktura>'
    xml = xml.encode()
    digest = base64.b64encode(hashlib.sha256(xml).digest()).decode()
    expected_hash = digest.replace("+", "-").replace("/", "_").rstrip("=")
    url = ksef.kod_i_url("526-587-76-35", datetime.date(2026, 2, 1), xml)
    assert url == f"https://qr.ksef.mf.gov.pl/invoice/5265877635/01-02-2026/{expected_hash}"
    assert len(expected_hash) == 43
    settings.WAGTAILCLIENTPORTAL_KSEF_QR_HOST = "qr-test.ksef.mf.gov.pl"
    assert ksef.kod_i_url("5265877635", datetime.date(2026, 2, 1), xml).startswith(
        "https://qr-test.ksef.mf.gov.pl/invoice/"
    )
    with pytest.raises(ValidationError):
        ksef.kod_i_url("5265877636", datetime.date(2026, 2, 1), xml)  # bad NIP checksum
    assert ksef.kod_i_label("") == "OFFLINE" and ksef.kod_i_label(OFFICIAL[0]) == OFFICIAL[0]


@pytest.mark.django_db
def test_the_invoice_model_refuses_a_wrong_ksef_number():
    from tests.factories import InvoiceFactory

    invoice = InvoiceFactory(ksef_number=OFFICIAL[0], seller_nip="5265877635", ksef_mode="online")
    invoice.full_clean()
    invoice.ksef_number = OFFICIAL[0][:-1] + "0"
    with pytest.raises(ValidationError) as error:
        invoice.full_clean()
    assert "ksef_number" in error.value.error_dict
    invoice.ksef_number, invoice.seller_nip = OFFICIAL[0], "5265877636"
    with pytest.raises(ValidationError) as error:
        invoice.full_clean()
    assert "seller_nip" in error.value.error_dict


@pytest.mark.django_db
@pytest.mark.usefixtures("clear_cache")
def test_the_portal_shows_kod_i_for_an_invoice_with_its_xml(client, editor, member):
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from tests.conftest import otp_login
    from tests.factories import InvoiceFactory
    from wagtail_clientportal import services

    portal = member.portals.get()
    xml = b"<Faktura><P_2>FV/2026/7</P_2></Faktura>"
    invoice = InvoiceFactory(
        client=portal.client,
        issue_date=datetime.date(2026, 3, 5),
        ksef_number=OFFICIAL[1],
        ksef_mode="online",
        seller_nip="5265877635",
    )
    plain = InvoiceFactory(client=portal.client)
    invoice.ksef_xml.save("fa.xml", ContentFile(xml))
    shares = services.share_items(editor, [portal], [invoice, plain]).created
    by_invoice = {s.invoice_id: s for s in shares}
    otp_login(client, member.user)
    page = client.get(
        reverse("wagtail_clientportal:item", args=[portal.pk, by_invoice[invoice.pk].pk])
    )
    expected = "https://qr.ksef.mf.gov.pl/invoice/5265877635/05-03-2026/" + (
        base64.urlsafe_b64encode(hashlib.sha256(xml).digest()).decode().rstrip("=")
    )
    assert page.context["kod_i"]["url"] == expected
    html = page.content.decode()
    assert expected in html and OFFICIAL[1] in html and "<svg" in html
    invoice.ksef_mode = "offline"
    invoice.save()
    page = client.get(
        reverse("wagtail_clientportal:item", args=[portal.pk, by_invoice[invoice.pk].pk])
    )
    assert page.context["kod_i"]["label"] == "OFFLINE"
    other = client.get(
        reverse("wagtail_clientportal:item", args=[portal.pk, by_invoice[plain.pk].pk])
    )
    assert other.context["kod_i"] is None  # no XML file: no code
