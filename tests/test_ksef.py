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
