"""The portal's pages and downloads: listing, search, formats, bounded queries, Range."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model

from tests.conftest import otp_login
from tests.factories import DocumentFactory, InvoiceFactory, SettlementFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AccessEvent, Share
from wagtail_clientportal.models.sharing import search_text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


@pytest.fixture
def logged_in(client, member):
    otp_login(client, member.user)
    return client


def _share(editor, portal, *items):
    return services.share_items(editor, [portal], list(items)).created


def test_2000_shares_bounded_queries_and_pagination(
    logged_in, editor, member, portal_a, django_assert_max_num_queries
):
    Document = get_document_model()
    docs = Document.objects.bulk_create(
        [Document(title=f"Pismo {i:04d}", file=f"documents/pismo{i}.pdf") for i in range(2000)]
    )
    now = timezone.now()
    Share.objects.bulk_create(
        [
            Share(
                portal=portal_a,
                document=d,
                shared_at=now - datetime.timedelta(minutes=i),
                search_text=search_text_of(d),
            )
            for i, d in enumerate(docs)
        ]
    )
    opened = Share.objects.get(document=docs[1])
    services.record_access(member, opened, AccessEvent.Action.DOWNLOAD)
    url = f"/portal/p/{portal_a.pk}/documents/"
    with django_assert_max_num_queries(13):  # a capped count per tab
        response = logged_in.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="item"') == 25
    # Newest first; the one already opened carries no "new" mark.
    assert html.index("Pismo 0000") < html.index("Pismo 0001") < html.index("Pismo 0002")
    row_1 = html.split("Pismo 0001")[1].split('class="item"')[0]
    row_0 = html.split("Pismo 0000")[1].split('class="item"')[0]
    assert "nowe" not in row_1.split("</li>")[0] and "nowe" in row_0.split("</li>")[0]
    assert "Ponad 1000 pozycji" in html  # the count stops at 1000 (issue 14)
    with django_assert_max_num_queries(13):
        last = logged_in.get(url + "?page=last")
    assert "Pismo 1999" in last.content.decode() and 'rel="next"' not in last.content.decode()
    with django_assert_max_num_queries(13):
        found = logged_in.get(url + "?q=pismo 1234")
    assert found.content.decode().count('class="item"') == 1


def test_search_and_kind_filter(logged_in, editor, portal_a):
    doc = DocumentFactory(title="Umowa najmu lokalu")
    other = DocumentFactory(title="Pełnomocnictwo")
    version = services.snapshot_document(editor, DocumentFactory(title="Regulamin"), label="v2")
    _share(editor, portal_a, doc, other, version)
    base = f"/portal/p/{portal_a.pk}/documents/"
    html = logged_in.get(base + "?q=NAJMU").content.decode()
    assert "Umowa najmu lokalu" in html and "Pełnomocnictwo" not in html
    html = logged_in.get(base + "?kind=document_version").content.decode()
    assert "Regulamin" in html and "v2" in html and "Umowa najmu" not in html
    # Documents and invoices are separate sections.
    invoices = logged_in.get(f"/portal/p/{portal_a.pk}/invoices/").content.decode()
    assert "Umowa najmu" not in invoices


def test_invoice_amount_status_and_settlements(logged_in, editor, portal_a):
    paid = InvoiceFactory(
        client=portal_a.client,
        number="FV/2026/0101",
        net_amount=Decimal("1003.71"),
        vat_amount=Decimal("230.85"),
        gross_amount=Decimal("1234.56"),
        paid_on=datetime.date(2026, 11, 20),
    )
    unpaid = InvoiceFactory(client=portal_a.client, number="FV/2026/0102")
    settlement = SettlementFactory(invoice=paid, title="Zestawienie godzin październik")
    hidden = SettlementFactory(invoice=paid, title="Nieudostępnione")
    _share(editor, portal_a, paid, unpaid, settlement)
    html = logged_in.get(f"/portal/p/{portal_a.pk}/invoices/").content.decode()
    assert re.search(r"1[\s\xa0\u202f]234,56[\s\xa0]zł", html)
    assert "1 230,00" in html.replace("\xa0", " ")
    assert "zapłacona" in html and "niezapłacona" in html
    assert "Zestawienie godzin październik" in html and hidden.title not in html
    # Listed once: under its invoice, not also as a row of its own.
    assert html.count("Zestawienie godzin październik") == 1
    assert html.count('class="item"') == 2
    only = logged_in.get(f"/portal/p/{portal_a.pk}/invoices/?kind=settlement").content.decode()
    assert only.count('class="item"') == 1 and "Zestawienie godzin październik" in only
    share = Share.objects.get(invoice=paid)
    detail = logged_in.get(f"/portal/p/{portal_a.pk}/item/{share.pk}/").content.decode()
    assert "Zestawienie godzin październik" in detail and "Nieudostępnione" not in detail
    assert AccessEvent.objects.filter(share=share, action="view").exists()


def test_download_headers_range_and_polish_name(logged_in, editor, member, portal_a):
    content = bytes(range(256)) * 40
    doc = DocumentFactory(title="Opinia", file=ContentFile(content, name="zażółć gęślą.pdf"))
    [share] = _share(editor, portal_a, doc)
    url = f"/portal/p/{portal_a.pk}/file/{share.pk}/"
    response = logged_in.get(url)
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == content
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Accept-Ranges"] == "bytes"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''za%C5%BC%C3%B3%C5%82%C4%87" in disposition
    assert AccessEvent.objects.filter(share=share, action="download", portal_user=member).count()

    partial = logged_in.get(url, HTTP_RANGE="bytes=100-199")
    assert partial.status_code == 206
    assert b"".join(partial.streaming_content) == content[100:200]
    assert partial["Content-Range"] == f"bytes 100-199/{len(content)}"
    assert partial["Content-Length"] == "100"
    suffix = logged_in.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(suffix.streaming_content) == content[-10:]
    open_end = logged_in.get(url, HTTP_RANGE="bytes=10000-")
    assert b"".join(open_end.streaming_content) == content[10000:]
    bad = logged_in.get(url, HTTP_RANGE=f"bytes={len(content) + 5}-")
    assert bad.status_code == 416 and bad["Content-Range"] == f"bytes */{len(content)}"
    garbage = logged_in.get(url, HTTP_RANGE="bytes=abc")
    assert garbage.status_code == 200
    inline = logged_in.get(url + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline;")
    b"".join(inline.streaming_content)
    assert AccessEvent.objects.filter(share=share, action="view").exists()


def test_pinned_version_serves_the_frozen_file(logged_in, editor, portal_a):
    doc = DocumentFactory(title="Umowa", file=ContentFile(b"wersja 1", name="umowa.pdf"))
    version = services.snapshot_document(editor, doc, label="podpisana")
    doc.file = ContentFile(b"wersja 2", name="umowa.pdf")
    doc.save()
    # A document and its pinned version are never on one portal together (issue 12).
    [version_share] = _share(editor, portal_a, version)
    base = f"/portal/p/{portal_a.pk}/file/"
    assert b"".join(logged_in.get(f"{base}{version_share.pk}/").streaming_content) == b"wersja 1"
    services.revoke_shares(editor, [version_share])
    [live_share] = _share(editor, portal_a, doc)
    assert b"".join(logged_in.get(f"{base}{live_share.pk}/").streaming_content) == b"wersja 2"


def test_portal_switch(client, client_a, client_b, editor, portal_a, portal_a2, portal_b):
    from tests.factories import PortalUserFactory

    first = PortalUserFactory(client=client_a, portals=[portal_a, portal_a2])
    PortalUserFactory(client=client_b, user=first.user, portals=[portal_b])
    otp_login(client, first.user)
    html = client.get("/portal/choose/").content.decode().replace("\xa0", " ")
    assert "Alfa Sp. z o.o." in html and "Beta S.A." in html
    for portal in (portal_a, portal_a2, portal_b):
        assert f"/portal/p/{portal.pk}/" in html
        assert client.get(f"/portal/p/{portal.pk}/documents/").status_code == 200
    page = client.get(f"/portal/p/{portal_a.pk}/documents/").content.decode()
    assert "Zmień panel" in page


def test_html_file_is_never_shown_inline(logged_in, editor, portal_a):
    doc = DocumentFactory(title="Strona", file=ContentFile(b"<script>x</script>", name="a.html"))
    [share] = _share(editor, portal_a, doc)
    response = logged_in.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/?inline=1")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "default-src 'none'"
    b"".join(response.streaming_content)


def test_blocked_user_sees_a_plain_explanation(logged_in, member, portal_a):
    from wagtail_clientportal.models import PortalUser

    PortalUser.objects.filter(pk=member.pk).update(is_blocked=True)
    response = logged_in.get(f"/portal/p/{portal_a.pk}/documents/")
    assert response.status_code == 403
    assert "zablokowany" in response.content.decode()


def test_english_when_the_visitor_asks_for_it(client):
    response = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Log in to the client portal" in response.content.decode()
    response = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="pl")
    assert "Zaloguj się do Panelu klienta" in response.content.decode()


def test_totp_url_names_the_firm(member, settings):
    from wagtail_clientportal.portal.views.activation import totp_url
    from wagtail_clientportal.services import accounts

    settings.WAGTAILCLIENTPORTAL_FIRM_NAME = "Kancelaria Nowak"
    device = accounts.start_totp_setup(member.user)
    url = totp_url(device)
    assert (
        url.startswith("otpauth://totp/Kancelaria%20Nowak%3A")
        and "issuer=Kancelaria%20Nowak" in url
    )


def test_head_request_records_nothing(logged_in, editor, portal_a):
    [share] = _share(editor, portal_a, DocumentFactory())
    response = logged_in.head(f"/portal/p/{portal_a.pk}/file/{share.pk}/")
    assert response.status_code == 200
    assert not AccessEvent.objects.filter(share=share).exists()


def test_pages_have_no_script_and_every_input_has_a_label(logged_in, editor, portal_a, client):
    [share] = _share(editor, portal_a, DocumentFactory())
    urls = [
        f"/portal/p/{portal_a.pk}/documents/",
        f"/portal/p/{portal_a.pk}/invoices/",
        f"/portal/p/{portal_a.pk}/item/{share.pk}/",
        "/portal/account/",
        "/portal/account/password/",
        "/portal/account/backup-codes/",
        "/portal/account/logout-everywhere/",
        "/portal/account/authenticator/",
        "/portal/logout/",
    ]
    anonymous = ["/portal/", "/portal/password-reset/"]
    pages = [logged_in.get(url) for url in urls]
    logged_in.logout()
    pages += [logged_in.get(url) for url in anonymous]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        # CSP: static scripts only (``<script src=…>``), never an inline one.
        assert not re.search(r"<script(?![^>]*\ssrc=)", html) and " style=" not in html
        for input_id in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html):
            assert f'for="{input_id}"' in html, (response.request["PATH_INFO"], input_id)


def test_item_and_download_use_a_bounded_number_of_queries(
    logged_in, editor, portal_a, django_assert_max_num_queries
):
    docs = [DocumentFactory(title=f"Pismo {n}") for n in range(20)]
    shares = _share(editor, portal_a, *docs)
    for share in (shares[0], shares[-1]):
        with django_assert_max_num_queries(12):
            assert logged_in.get(f"/portal/p/{portal_a.pk}/item/{share.pk}/").status_code == 200
        # The delivery record adds a fixed few (the chain's tail, the insert, a savepoint).
        with django_assert_max_num_queries(17):
            response = logged_in.get(f"/portal/p/{portal_a.pk}/file/{share.pk}/")
            assert b"".join(response.streaming_content)


def test_tampered_uid_in_links_is_not_a_server_error(client):
    for path in ("/portal/activate/{uid}/1-2/", "/portal/password-reset/{uid}/1-2/"):
        for uid in ("!!!", "Z2FyYmFnZQ", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5"):
            assert client.get(path.format(uid=uid)).status_code < 500
