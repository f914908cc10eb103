"""KSeF on the staff side: the invoice form's KSeF fields and importing an FA(3) XML file."""

import base64
import datetime
import decimal
import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import InvoiceFactory
from tests.test_staff_invoices import invoice_data
from wagtail_clientportal import ksef_xml
from wagtail_clientportal.models import Invoice

SAMPLE = (Path(__file__).parent / "data" / "fa3_invoice.xml").read_bytes()
OFFICIAL = "5265877635-20250826-0100001AF629-AF"

pytestmark = pytest.mark.django_db


def xml_upload(data=SAMPLE, name="FV_2026_11_0042.xml"):
    return SimpleUploadedFile(name, data, content_type="text/xml")


def pdf_upload():
    return SimpleUploadedFile("faktura.pdf", b"%PDF-1.4 x", content_type="application/pdf")


def empty_invoice(client_obj, **overrides):
    """The add form with everything the XML can give left empty."""
    data = invoice_data(client_obj, **{"settlements-TOTAL_FORMS": "0"})
    for name in ("number", "issue_date", "sale_date", "due_date", "net_amount", "vat_amount"):
        data[name] = ""
    data.update(gross_amount="", seller_nip="", ksef_mode="online", ksef_assigned_at="")
    data["ksef_kod_ii_url"] = ""
    data.update(overrides)
    return data


def errors_of(response):
    form = response.context["form"]
    return {field: [e.code for e in errors.as_data()] for field, errors in form.errors.items()}


def test_the_sample_is_read_by_its_fa3_element_names():
    fa3 = ksef_xml.parse_fa3(SAMPLE)
    assert fa3.seller_nip == "5265877635" and fa3.number == "FV/2026/11/0042"
    assert (fa3.issue_date, fa3.sale_date, fa3.due_date) == (
        datetime.date(2026, 11, 2),
        datetime.date(2026, 10, 31),
        datetime.date(2026, 11, 16),
    )
    # Two rates: net P_13_1 + P_13_2, VAT P_14_1 + P_14_2, gross P_15.
    assert (fa3.net_amount, fa3.vat_amount, fa3.gross_amount) == (
        decimal.Decimal("1000.00"),
        decimal.Decimal("200.00"),
        decimal.Decimal("1200.00"),
    )
    assert fa3.currency == "PLN"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/"><Fa><P_2>&lol3;</P_2></Fa></Faktura>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE f [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/"><Fa><P_2>&secret;</P_2></Fa></Faktura>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Faktura SYSTEM "http://192.0.2.1/fa.dtd">
<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/"><Fa/></Faktura>"""


@pytest.mark.parametrize(
    "data, code",
    [
        (BILLION_LAUGHS, "xml_forbidden"),
        (XXE, "xml_forbidden"),
        (EXTERNAL_DTD, "xml_forbidden"),
        (b"<Faktura><Fa>", "xml_malformed"),
        (b"\xff\xfe not xml", "xml_malformed"),
        (b"<Faktura><Fa><P_2>FV/1</P_2></Fa></Faktura>", "xml_not_fa3"),  # no namespace
        (SAMPLE.replace(b"<NIP>5265877635</NIP>", b"<NIP>5265877636</NIP>"), "xml_field_invalid"),
        (
            SAMPLE.replace(b"<P_15>1200.00</P_15>", "<P_15>dużo</P_15>".encode()),
            "xml_field_invalid",
        ),
        (SAMPLE.replace(b"<P_1>2026-11-02</P_1>", b"<P_1>2026-13-02</P_1>"), "xml_field_invalid"),
    ],
)
def test_dangerous_or_broken_files_are_refused_with_a_code(data, code):
    with pytest.raises(ValidationError) as error:
        ksef_xml.parse_fa3(data)
    assert error.value.code == code


def test_an_oversized_file_is_refused_before_parsing(settings):
    settings.WAGTAILCLIENTPORTAL_KSEF_XML_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as error:
        ksef_xml.parse_fa3(SAMPLE)
    assert error.value.code == "xml_too_large"


def test_import_fills_number_dates_amounts_and_nip(client, administrator, client_a):
    client.force_login(administrator)
    data = empty_invoice(client_a, pdf=pdf_upload(), ksef_xml=xml_upload())
    response = client.post(reverse("clientportal_invoices:add"), data)
    assert response.status_code == 302, errors_of(response)
    invoice = Invoice.objects.get()
    assert invoice.number == "FV/2026/11/0042" and invoice.seller_nip == "5265877635"
    assert invoice.issue_date == datetime.date(2026, 11, 2)
    assert invoice.sale_date == datetime.date(2026, 10, 31)
    assert invoice.due_date == datetime.date(2026, 11, 16)
    assert (invoice.net_amount, invoice.vat_amount, invoice.gross_amount) == (1000, 200, 1200)
    with invoice.ksef_xml.open("rb") as handle:
        assert handle.read() == SAMPLE  # stored byte for byte: the KOD I hash is of this
    # The staff download of the XML file is the XML, not the PDF.
    download = client.get(reverse("clientportal_staff:file", args=["invoice_xml", invoice.pk]))
    assert b"".join(download.streaming_content) == SAMPLE
    assert ".xml" in download["Content-Disposition"]
    edit = client.get(reverse("clientportal_invoices:edit", args=[invoice.pk]))
    assert reverse("clientportal_staff:file", args=["invoice_xml", invoice.pk]) in edit.text


def test_without_xml_the_fields_are_still_required(client, administrator, client_a):
    client.force_login(administrator)
    response = client.post(reverse("clientportal_invoices:add"), empty_invoice(client_a))
    assert response.status_code == 200
    errors = errors_of(response)
    for name in ("number", "issue_date", "net_amount", "vat_amount"):
        assert errors[name] == ["required"]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    "field, typed",
    [
        ("seller_nip", "7740001454"),
        ("gross_amount", "1230.00"),
        ("net_amount", "1030.00"),
        ("number", "FV/2026/11/0043"),
        ("issue_date", "2026-11-03"),
    ],
)
def test_a_file_that_disagrees_with_the_invoice_is_refused(
    client, administrator, client_a, field, typed
):
    client.force_login(administrator)
    data = empty_invoice(client_a, pdf=pdf_upload(), ksef_xml=xml_upload(), **{field: typed})
    if field == "gross_amount":
        data.update(net_amount="1000.00", vat_amount="230.00")
    if field == "net_amount":
        data.update(vat_amount="200.00", gross_amount="1230.00")
    response = client.post(reverse("clientportal_invoices:add"), data)
    assert response.status_code == 200
    errors = errors_of(response)
    assert errors[field] == ["xml_disagrees"] and errors["ksef_xml"] == ["xml_disagrees"]
    assert not Invoice.objects.exists()


def test_editing_an_invoice_checks_a_new_file_against_it(client, administrator, client_a):
    invoice = InvoiceFactory(
        client=client_a,
        number="FV/2026/11/0042",
        issue_date=datetime.date(2026, 11, 2),
        net_amount=decimal.Decimal("1000.00"),
        vat_amount=decimal.Decimal("230.00"),
        gross_amount=decimal.Decimal("1230.00"),
    )
    client.force_login(administrator)
    url = reverse("clientportal_invoices:edit", args=[invoice.pk])
    data = invoice_data(
        client_a,
        number=invoice.number,
        issue_date="2026-11-02",
        sale_date="2026-10-31",
        due_date="2026-11-16",
        seller_nip="",
        ksef_mode="online",
        ksef_assigned_at="",
        ksef_kod_ii_url="",
        **{"settlements-TOTAL_FORMS": "0"},
    )
    response = client.post(url, {**data, "ksef_xml": xml_upload()})
    assert response.status_code == 200
    assert errors_of(response)["vat_amount"] == ["xml_disagrees"]
    invoice.refresh_from_db()
    assert not invoice.ksef_xml and invoice.seller_nip == ""
    data.update(vat_amount="200.00", gross_amount="1200.00")
    response = client.post(url, {**data, "ksef_xml": xml_upload()})
    assert response.status_code == 302, errors_of(response)
    invoice.refresh_from_db()
    assert invoice.ksef_xml and invoice.seller_nip == "5265877635"
    # Later edits are still held to the stored file: its KOD I names P_1.
    response = client.post(url, {**data, "seller_nip": "5265877635", "issue_date": "2026-11-05"})
    assert response.status_code == 200
    assert errors_of(response)["issue_date"] == ["xml_disagrees"]


def test_a_malicious_upload_is_a_form_error_never_a_500(client, administrator, client_a):
    client.force_login(administrator)
    for data, code in ((BILLION_LAUGHS, "xml_forbidden"), (b"<a>", "xml_malformed")):
        form = empty_invoice(client_a, pdf=pdf_upload(), ksef_xml=xml_upload(data))
        response = client.post(reverse("clientportal_invoices:add"), form)
        assert response.status_code == 200
        assert errors_of(response)["ksef_xml"] == [code]
    assert not Invoice.objects.exists()


HUGE_AMOUNT = SAMPLE.replace(b"<P_15>1200.00</P_15>", b"<P_15>1E+30</P_15>")


@pytest.mark.parametrize(
    "data",
    [
        HUGE_AMOUNT,  # too many digits to round to grosze: quantize() raised, a 500
        SAMPLE.replace(b"<P_13_1>800.00</P_13_1>", b"<P_13_1>1E+999999999</P_13_1>"),
        SAMPLE.replace(b"<P_14_1>184.00</P_14_1>", b"<P_14_1>-1E+40</P_14_1>"),
    ],
)
def test_an_amount_too_large_to_round_is_refused_with_a_code(data):
    with pytest.raises(ValidationError) as error:
        ksef_xml.parse_fa3(data)
    assert error.value.code == "xml_field_invalid"


def test_an_amount_too_large_is_a_form_error_never_a_500(client, administrator, client_a):
    client.force_login(administrator)
    form = empty_invoice(client_a, pdf=pdf_upload(), ksef_xml=xml_upload(HUGE_AMOUNT))
    response = client.post(reverse("clientportal_invoices:add"), form)
    assert response.status_code == 200
    assert errors_of(response)["ksef_xml"] == ["xml_field_invalid"]
    assert not Invoice.objects.exists()


def test_polish_message_for_a_disagreeing_nip(client, administrator, client_a):
    client.force_login(administrator)
    data = empty_invoice(client_a, pdf=pdf_upload(), ksef_xml=xml_upload(), seller_nip="7740001454")
    response = client.post(reverse("clientportal_invoices:add"), data, HTTP_ACCEPT_LANGUAGE="pl")
    assert "nie zgadza się z fakturą" in response.text


def kod_ii(nip="5265877635", digest=None):
    digest = digest or base64.urlsafe_b64encode(hashlib.sha256(SAMPLE).digest()).decode()
    return (
        f"https://qr.ksef.mf.gov.pl/certificate/Nip/{nip}/{nip}/01F20A5D352AE590/"
        f"{digest.rstrip('=')}/" + "A" * 342
    )


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"ksef_number": OFFICIAL, "ksef_mode": "outside"}, "ksef_mode", "outside_with_number"),
        ({"ksef_number": OFFICIAL[:-1] + "0"}, "ksef_number", "invalid"),
        ({"ksef_kod_ii_url": kod_ii()}, "ksef_kod_ii_url", "kod_ii_not_offline"),
        (
            {"ksef_kod_ii_url": kod_ii(digest="x" * 43), "ksef_mode": "offline"},
            "ksef_kod_ii_url",
            "kod_ii_mismatch",
        ),
        (
            {"ksef_kod_ii_url": "https://example.com/certificate/x", "ksef_mode": "offline"},
            "ksef_kod_ii_url",
            "invalid_kod_ii",
        ),
    ],
)
def test_ksef_fields_are_checked_together(client, administrator, client_a, overrides, field, code):
    client.force_login(administrator)
    data = empty_invoice(client_a, pdf=pdf_upload(), ksef_xml=xml_upload(), **overrides)
    response = client.post(reverse("clientportal_invoices:add"), data)
    assert response.status_code == 200
    assert code in errors_of(response)[field]
    assert not Invoice.objects.exists()


def test_a_ksef_number_of_another_seller_is_refused(client, administrator, client_a):
    client.force_login(administrator)
    other = "7740001454-20260826-0100001AF629-"
    from wagtail_clientportal.ksef import crc8

    number = other + f"{crc8(other[:32].encode()):02X}"
    data = empty_invoice(client_a, pdf=pdf_upload(), ksef_xml=xml_upload(), ksef_number=number)
    response = client.post(reverse("clientportal_invoices:add"), data)
    assert errors_of(response)["ksef_number"] == ["number_nip_mismatch"]


def test_an_offline_invoice_with_its_kod_ii_is_saved(client, administrator, client_a):
    client.force_login(administrator)
    data = empty_invoice(
        client_a,
        pdf=pdf_upload(),
        ksef_xml=xml_upload(),
        ksef_mode="offline",
        ksef_kod_ii_url=kod_ii(),
        ksef_number=OFFICIAL,
        ksef_assigned_at="2026-11-02 10:15",
    )
    response = client.post(reverse("clientportal_invoices:add"), data)
    assert response.status_code == 302, errors_of(response)
    invoice = Invoice.objects.get()
    assert invoice.ksef_kod_ii_url == kod_ii() and invoice.ksef_assigned_at is not None


@pytest.mark.usefixtures("clear_cache")
def test_the_portal_shows_the_imported_invoices_kod_i(client, editor, member):
    """The link for the sample file equals one computed here from its bytes and P_1."""
    from tests.conftest import otp_login
    from wagtail_clientportal import services

    portal = member.portals.get()
    invoice = InvoiceFactory(
        client=portal.client,
        number="FV/2026/11/0042",
        issue_date=datetime.date(2026, 11, 2),
        ksef_mode="offline",
        seller_nip="5265877635",
        ksef_kod_ii_url=kod_ii(),
    )
    invoice.ksef_xml.save("fa.xml", ContentFile(SAMPLE))
    [share] = services.share_items(editor, [portal], [invoice]).created
    otp_login(client, member.user)
    page = client.get(reverse("wagtail_clientportal:item", args=[portal.pk, share.pk]))
    digest = base64.b64encode(hashlib.sha256(SAMPLE).digest()).decode()
    digest = digest.replace("+", "-").replace("/", "_").rstrip("=")
    expected = f"https://qr.ksef.mf.gov.pl/invoice/5265877635/02-11-2026/{digest}"
    assert page.context["kod_i"]["url"] == expected
    html = page.content.decode()
    assert expected in html and "OFFLINE" in html
    assert "CERTYFIKAT" in html and kod_ii() in html  # shown as supplied
    invoice.ksef_mode, invoice.ksef_kod_ii_url = "outside", ""
    invoice.save()
    page = client.get(reverse("wagtail_clientportal:item", args=[portal.pk, share.pk]))
    assert page.context["kod_i"] is None  # outside KSeF: nothing to verify there


def test_the_portal_page_survives_a_missing_xml_file(client, editor, member):
    """The XML file gone from the storage (restored backup, cleaned bucket): the invoice's
    page is shown without the KOD I, not a 500 to the client."""
    from tests.conftest import otp_login
    from wagtail_clientportal import services

    portal = member.portals.get()
    invoice = InvoiceFactory(
        client=portal.client,
        issue_date=datetime.date(2026, 11, 2),
        ksef_mode="online",
        seller_nip="5265877635",
    )
    invoice.ksef_xml.save("fa.xml", ContentFile(SAMPLE))
    invoice.ksef_xml.storage.delete(invoice.ksef_xml.name)
    [share] = services.share_items(editor, [portal], [invoice]).created
    otp_login(client, member.user)
    page = client.get(reverse("wagtail_clientportal:item", args=[portal.pk, share.pk]))
    assert page.status_code == 200
    assert page.context["kod_i"] is None
