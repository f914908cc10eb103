"""Payment details of an unpaid invoice, with the Polish banks' payment QR code."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.conftest import otp_login
from tests.factories import InvoiceFactory
from wagtail_clientportal import payments, services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

ACCOUNT = "PL61 1090 1014 0000 0712 1981 2874"  # a valid NRB (checksum)


@pytest.fixture
def firm(settings):
    settings.WAGTAILCLIENTPORTAL_FIRM_BANK_ACCOUNT = ACCOUNT
    settings.WAGTAILCLIENTPORTAL_FIRM_NAME = "Kancelaria Nowak i Wspólnicy sp.k."
    settings.WAGTAILCLIENTPORTAL_FIRM_NIP = "526-025-02-74"
    return settings


def _invoice(portal, gross="5966.12", **fields):
    gross = Decimal(gross)
    return InvoiceFactory(
        client=portal.client,
        net_amount=gross - Decimal("1.00"),
        vat_amount=Decimal("1.00"),
        gross_amount=gross,
        **fields,
    )


def test_qr_payload_follows_the_zbp_standard(firm, portal_a):
    details = payments.payment_details(_invoice(portal_a, number="FV/2026/11/002"))
    fields = details.qr_payload.split("|")
    assert len(fields) == 9
    nip, country, account, amount, recipient, title, *reserved = fields
    assert (nip, country, account) == ("5260250274", "PL", "61109010140000071219812874")
    assert amount == "596612"  # grosze, six digits
    assert recipient == "Kancelaria Nowak i W" and len(recipient) == 20
    assert title == "Faktura FV/2026/11/002"
    assert reserved == ["", "", ""]
    assert details.account == "61 1090 1014 0000 0712 1981 2874"


def test_qr_fields_never_carry_the_separator_and_small_amounts_are_padded():
    payload = payments.qr_payload(
        nip="", account="6" * 26, grosze=1250, recipient="A|B", title="Tytuł | zły\nznak"
    )
    assert payload == "|PL|" + "6" * 26 + "|001250|AB|Tytuł  złyznak|||"
    with pytest.raises(ValueError):
        payments.qr_payload(nip="", account="6" * 26, grosze=1_000_000, recipient="", title="")


def test_no_details_when_paid_or_without_a_valid_account(settings, firm, portal_a):
    import datetime

    assert payments.payment_details(_invoice(portal_a, paid_on=datetime.date(2026, 1, 2))) is None
    settings.WAGTAILCLIENTPORTAL_FIRM_BANK_ACCOUNT = "PL61 1090 1014 0000 0712 1981 2875"
    assert payments.payment_details(_invoice(portal_a)) is None  # wrong checksum
    settings.WAGTAILCLIENTPORTAL_FIRM_BANK_ACCOUNT = ""
    assert payments.payment_details(_invoice(portal_a)) is None


def test_above_the_standards_amount_or_other_currency_details_without_a_code(firm, portal_a):
    large = payments.payment_details(_invoice(portal_a, gross="14760.00"))
    assert large is not None and large.qr_payload == "" and large.qr_svg == ""
    euro = payments.payment_details(_invoice(portal_a, currency="EUR"))
    assert euro is not None and euro.qr_payload == ""


def test_invoice_page_shows_details_qr_and_copy_button_within_the_csp(
    client, firm, editor, member, portal_a
):
    invoice = _invoice(portal_a, number="FV/9")
    [share] = services.share_items(editor, [portal_a], [invoice]).created
    otp_login(client, member.user)
    response = client.get(reverse("wagtail_clientportal:item", args=[portal_a.pk, share.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "61 1090 1014 0000 0712 1981 2874" in html and "Faktura FV/9" in html
    assert 'class="segno"' in html and "<title>" in html.split('class="segno"')[1]
    assert 'data-copy="61 1090 1014 0000 0712 1981 2874"' in html
    assert "wagtail_clientportal/js/copy.js" in html
    # The portal's CSP allows styles from its own files only: no inline style anywhere.
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"<style|\sstyle=", html)


def test_paid_invoice_page_has_no_payment_section(client, firm, editor, member, portal_a):
    import datetime

    invoice = _invoice(portal_a, paid_on=datetime.date(2026, 1, 2))
    [share] = services.share_items(editor, [portal_a], [invoice]).created
    otp_login(client, member.user)
    html = client.get(
        reverse("wagtail_clientportal:item", args=[portal_a.pk, share.pk])
    ).content.decode()
    assert 'id="payment-heading"' not in html and 'class="segno"' not in html
