"""Every download suggests a harmless, readable file name, on the portal and the staff side."""

import os

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.http import content_disposition_header
from wagtail.models import Collection, GroupCollectionPermission

from tests.conftest import otp_login
from tests.factories import DocumentFactory, InvoiceFactory, SettlementFactory
from wagtail_clientportal import services
from wagtail_clientportal.filenames import MAX_BYTES, safe_filename

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("FV/2026/0001.pdf", "FV_2026_0001.pdf"),
        ("../../etc/passwd", "etc_passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("Zestawienie\r\nSet-Cookie: x=1.pdf", "Zestawienie Set-Cookie_ x=1.pdf"),
        ("zażółć gęślą jaźń.pdf", "zażółć gęślą jaźń.pdf"),
        ("ZAŻÓŁĆ\tGĘŚLĄ.PDF", "ZAŻÓŁĆ GĘŚLĄ.PDF"),
        ("umowa\u202efdp.exe", "umowafdp.exe"),  # a right-to-left override
        ("a\x00b\x07c\x1b[31m.pdf", "abc[31m.pdf"),
        ('raport "końcowy" <v2>?.docx', "raport _końcowy_ _v2.docx"),
        ("raport. . ", "raport"),
        ("CON.pdf", "_CON.pdf"),
        ("lpt1", "_lpt1"),
        ("ok.tar.gz", "ok.tar.gz"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name", ["", "   ", ".", "..", "...", "/", "\r\n", "\u202e", None])
def test_nothing_left_gives_the_default(name):
    assert safe_filename(name, default="plik") == "plik"
    assert safe_filename(".pdf", default="plik") == "plik.pdf"
    assert safe_filename(".htaccess", default="plik") == "plik.htaccess"  # never hidden
    assert safe_filename(name)  # the translated default, never empty


def test_long_names_are_cut_on_a_character_keeping_the_extension():
    name = safe_filename("ą" * 300 + ".pdf")
    assert len(name.encode()) <= MAX_BYTES
    assert name.endswith(".pdf") and set(name[:-4]) == {"ą"}


# Hostile data for each kind of file; the expected names are readable and harmless.
HOSTILE_NUMBER = "../../FV\r\n2026\\01"
HOSTILE_TITLE = 'Zestawienie "godzin"\r\nSet-Cookie: x=1'
HOSTILE_VERSION = "../../../etc/passwd\x1b\u202e.pdf"  # NUL: PostgreSQL refuses it
HOSTILE_DOCUMENT = "..\\umowa\r\n\u202e\x07.pdf"  # a storage name may hold all but "/"
EXPECTED = {
    "invoice": "FV 2026_01.pdf",
    "settlement": "Zestawienie _godzin_ Set-Cookie_ x=1.pdf",
    "version": "etc_passwd.pdf",
    "document": "umowa.pdf",
}


def _hostile_document():
    document = DocumentFactory(file=ContentFile(b"%PDF-1.4 doc", name="umowa.pdf"))
    storage = document.file.storage
    new_name = os.path.join(os.path.dirname(document.file.name), HOSTILE_DOCUMENT)
    os.rename(storage.path(document.file.name), storage.path(new_name))
    type(document).objects.filter(pk=document.pk).update(file=new_name)
    document.refresh_from_db()
    assert document.filename == HOSTILE_DOCUMENT
    return document


@pytest.fixture
def hostile(editor, portal_a):
    invoice = InvoiceFactory(client=portal_a.client, number=HOSTILE_NUMBER)
    settlement = SettlementFactory(invoice=invoice, title=HOSTILE_TITLE)
    version = services.snapshot_document(editor, DocumentFactory())
    version.original_filename = HOSTILE_VERSION
    version.save()
    return {
        "invoice": invoice,
        "settlement": settlement,
        "version": version,
        "document": _hostile_document(),
    }


def _assert_named(response, expected):
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == content_disposition_header(True, expected)
    assert "\r" not in disposition and "\n" not in disposition and "/" not in expected


def test_portal_downloads_suggest_safe_names(client, editor, member, portal_a, hostile):
    result = services.share_items(editor, [portal_a], list(hostile.values()))
    otp_login(client, member.user)
    for share in result.created:
        response = client.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/")
        kind = {"document_version": "version"}.get(share.kind, share.kind)
        _assert_named(response, EXPECTED[kind])
    # The item page shows the same name as the download.
    invoice_share = next(s for s in result.created if s.kind == "invoice")
    html = client.get(f"/portal/p/{portal_a.pk}/item/{invoice_share.pk}/").content.decode()
    assert EXPECTED["invoice"] in html


def test_staff_downloads_suggest_safe_names(client, administrator, hostile):
    # A version is as confidential as its document: staff need the document's permission.
    GroupCollectionPermission.objects.create(
        group=administrator.groups.get(),
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(
            content_type__app_label="wagtaildocs", codename="change_document"
        ),
    )
    client.force_login(administrator)
    for kind in ("invoice", "settlement", "version"):
        response = client.get(reverse("clientportal_staff:file", args=[kind, hostile[kind].pk]))
        _assert_named(response, EXPECTED[kind])
