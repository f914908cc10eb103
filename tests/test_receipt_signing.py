"""PAdES signatures of receipts with the firm's certificate (WAGTAILCLIENTPORTAL_RECEIPT_SIGNING).

A test CA and a signing certificate are made here with ``cryptography``; the signed
PDF is checked with pyHanko's own validation against that CA.
"""

import datetime
import hashlib
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.conftest import otp_login
from tests.factories import DocumentFactory, PortalUserFactory
from tests.test_uploads import browser, open_portal, pdf, send  # noqa: F401, F811 (fixtures)
from wagtail_clientportal import checks, services
from wagtail_clientportal.models import Upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

CONTENT = b"%PDF-1.4 wyrok"
TITLE = "Wyrok Sądu Okręgowego w Łodzi"
PERSON = "Michał Świątek-Źdźbło"
PASSPHRASE = "hasło-kancelarii"


def _name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        ]
    )


def _certificate(subject, issuer, public_key, signing_key, *, ca):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture(scope="module")
def firm_pki(tmp_path_factory):
    """A test CA, the firm's key (encrypted) and certificate, as PEM files."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test CA", "Test CA", ca_key.public_key(), ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate("Kancelaria Testowa", "Test CA", key.public_key(), ca_key, ca=False)
    paths = {name: folder / f"{name}.pem" for name in ("ca", "key", "cert", "other")}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        )
    )
    paths["other"].write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths, ca, cert


@pytest.fixture
def signing(settings, firm_pki):
    paths, _, _ = firm_pki
    settings.WAGTAILCLIENTPORTAL_RECEIPT_SIGNING = {
        "key": str(paths["key"]),
        "cert": str(paths["cert"]),
        "passphrase": PASSPHRASE,
        "chain": [str(paths["ca"])],
        "location": "Łódź",
    }
    return settings.WAGTAILCLIENTPORTAL_RECEIPT_SIGNING


@pytest.fixture
def receipt_url(client, editor, portal_a):
    person = PortalUserFactory(
        client=portal_a.client, portals=[portal_a], first_name="Michał", last_name="Świątek-Źdźbło"
    )
    doc = DocumentFactory(title=TITLE, file=ContentFile(CONTENT, name="wyrok.pdf"))
    [share] = services.share_items(editor, [portal_a], [doc], require_receipt=True).created
    otp_login(client, person.user)
    b"".join(client.get(reverse("wagtail_clientportal:download", args=[portal_a.pk, share.pk])))
    client.post(reverse("wagtail_clientportal:confirm_receipt", args=[portal_a.pk, share.pk]))
    client.logout()
    return reverse("clientportal_staff:receipt", args=[share.pk, person.pk, "pdf"])


def _validate(pdf: bytes, ca):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))


def test_a_signed_receipt_validates_and_keeps_its_text(
    client, administrator, signing, firm_pki, receipt_url
):
    from pypdf import PdfReader

    _, ca, cert = firm_pki
    client.force_login(administrator)
    pdf = client.get(receipt_url).content
    status = _validate(pdf, ca)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.dump() == cert.public_bytes(serialization.Encoding.DER)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert hashlib.sha256(CONTENT).hexdigest() in text.replace("\n", "")
    assert TITLE in text and PERSON in text and "Potwierdzenie doręczenia" in text


def test_a_changed_byte_breaks_the_signature(client, administrator, signing, firm_pki, receipt_url):
    _, ca, _ = firm_pki
    client.force_login(administrator)
    pdf = bytearray(client.get(receipt_url).content)
    at = pdf.index(b"/Producer")  # in the signed revision, outside the signature itself
    pdf[at + 1] = ord("Q")
    assert not _validate(bytes(pdf), ca).intact


def test_without_the_setting_receipts_are_not_signed(client, administrator, receipt_url):
    from pyhanko.pdf_utils.reader import PdfFileReader

    client.force_login(administrator)
    response = client.get(receipt_url)
    assert response.status_code == 200
    assert PdfFileReader(io.BytesIO(response.content)).embedded_signatures == []


def test_the_clients_own_receipt_is_signed_too(client, signing, firm_pki, portal_a, editor):
    _, ca, _ = firm_pki
    person = PortalUserFactory(client=portal_a.client, portals=[portal_a])
    doc = DocumentFactory(file=ContentFile(CONTENT, name="a.pdf"))
    [share] = services.share_items(editor, [portal_a], [doc]).created
    otp_login(client, person.user)
    b"".join(client.get(reverse("wagtail_clientportal:download", args=[portal_a.pk, share.pk])))
    url = reverse("wagtail_clientportal:receipt", args=[portal_a.pk, share.pk, "pdf"])
    assert _validate(client.get(url).content, ca).intact


def _check_ids():
    return [e.id for e in checks.check_receipt_signing(None)]


def test_the_system_check_passes_a_working_signer(signing):
    assert _check_ids() == []


@pytest.mark.parametrize(
    "change",
    [
        {"key": "/nonexistent/key.pem"},
        {"passphrase": "złe hasło"},
        {"key": "OTHER"},  # a readable key that is not the certificate's
        {"cert": None},
    ],
)
def test_the_system_check_names_a_signer_that_cannot_sign(settings, signing, firm_pki, change):
    paths, _, _ = firm_pki
    options = dict(signing)
    options.update({k: (str(paths["other"]) if v == "OTHER" else v) for k, v in change.items()})
    settings.WAGTAILCLIENTPORTAL_RECEIPT_SIGNING = options
    assert _check_ids() == ["wagtail_clientportal.E002"]


def test_the_system_check_names_a_signer_class_that_does_not_exist(settings, signing):
    settings.WAGTAILCLIENTPORTAL_RECEIPT_SIGNER = "nowhere.Signer"
    assert _check_ids() == ["wagtail_clientportal.E002"]


def test_a_signer_failing_at_run_time_sends_the_receipt_unsigned(
    client, administrator, signing, receipt_url, caplog
):
    from pyhanko.pdf_utils.reader import PdfFileReader

    signing["key"] = "/nonexistent/key.pem"
    client.force_login(administrator)
    response = client.get(receipt_url)
    assert response.status_code == 200
    assert PdfFileReader(io.BytesIO(response.content)).embedded_signatures == []
    assert "Could not sign a receipt PDF" in caplog.text


def test_the_upload_receipt_is_signed_too(signing, firm_pki, open_portal, browser):  # noqa: F811
    _, ca, _ = firm_pki
    send(browser, open_portal, pdf())
    upload = Upload.objects.get()
    url = reverse("wagtail_clientportal:upload_receipt", args=[open_portal.pk, upload.pk, "pdf"])
    assert _validate(browser.get(url).content, ca).intact
