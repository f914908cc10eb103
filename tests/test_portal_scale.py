"""Issue 14, item 3: portal pages by keyset, a capped count, an indexed search, and a
paginated client card; every rule-9 check, the "new" marks and the kind filter kept."""

import importlib
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Collection

from tests.conftest import otp_login
from tests.factories import DocumentFactory, PortalFactory
from wagtail_clientportal import services
from wagtail_clientportal.models import AccessEvent, Share
from wagtail_clientportal.models.sharing import search_text_of
from wagtail_clientportal.portal import listing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


@pytest.fixture
def logged_in(client, member):
    otp_login(client, member.user)
    return client


def _bulk(portal, n, *, prefix="Pismo", at=None):
    """``n`` document shares on ``portal``, all at the same moment (ties on shared_at)."""
    Document = get_document_model()
    root = Collection.get_first_root_node().pk
    docs = Document.objects.bulk_create(
        [
            Document(
                title=f"{prefix} {i:03d}", file=f"documents/{prefix}{i}.pdf", collection_id=root
            )
            for i in range(n)
        ]
    )
    at = at or timezone.now()
    return Share.objects.bulk_create(
        [
            Share(portal=portal, document=d, shared_at=at, search_text=search_text_of(d))
            for d in docs
        ]
    )


def _titles(html):
    """The rows' titles in page order (a row may name its title more than once)."""
    return list(dict.fromkeys(re.findall(r"Pismo \d{3}", html)))


def _link(html, rel):
    match = re.search(rf'href="\?([^"]*)" rel="{rel}"', html)
    return match and match.group(1).replace("&amp;", "&")


def test_pages_walk_forward_and_back_by_keyset_without_offset(logged_in, portal_a, settings):
    settings.WAGTAILCLIENTPORTAL_PAGE_SIZE = 25
    _bulk(portal_a, 60)  # one timestamp: the order falls back on the id
    url = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    first = logged_in.get(url).content.decode()
    seen, html, pages = [], first, []
    with CaptureQueriesContext(connection) as ctx:
        while True:
            pages.append(_titles(html))
            nxt = _link(html, "next")
            if not nxt:
                break
            html = logged_in.get(f"{url}?{nxt}").content.decode()
    seen = [t for page in pages for t in page]
    assert [len(p) for p in pages] == [25, 25, 10]
    assert seen == [f"Pismo {i:03d}" for i in reversed(range(60))]  # each once, newest first
    assert not any(" OFFSET " in q["sql"] for q in ctx.captured_queries)
    # Back from the last page lands on the middle one again.
    back = logged_in.get(f"{url}?{_link(html, 'prev')}").content.decode()
    assert _titles(back) == pages[1]
    last = logged_in.get(f"{url}?page=last").content.decode()
    assert _titles(last) == seen[-25:] and not _link(last, "next") and _link(last, "prev")
    assert "60 pozycji" in first


def test_a_search_pages_by_keys_then_reads_only_the_pages_rows(logged_in, portal_a, settings):
    """A search's matches are sorted as keys alone; the page's joins run for its own
    rows only (PostgreSQL had joined every match, hashing the whole document table).
    Forward, back and to the last page, the rows are those of the ordinary query."""
    settings.WAGTAILCLIENTPORTAL_PAGE_SIZE = 25
    _bulk(portal_a, 60)
    _bulk(portal_a, 5, prefix="Aneks")
    url = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    documents = get_document_model()._meta.db_table
    with CaptureQueriesContext(connection) as ctx:
        first = logged_in.get(url, {"q": "pismo"}).content.decode()
    joined = [q["sql"] for q in ctx.captured_queries if f'JOIN "{documents}"' in q["sql"]]
    page_query = [sql for sql in joined if "search_text" in sql]
    assert len(page_query) == 1
    # The page's keys and one more (is there a next page?); on SQLite also the candidates.
    lists = re.findall(r'"id" IN \(([^)]*)\)', page_query[0])
    assert 26 in [len(keys.split(",")) for keys in lists]
    pages = [_titles(first)]
    html = first
    while nxt := _link(html, "next"):
        html = logged_in.get(f"{url}?{nxt}").content.decode()
        pages.append(_titles(html))
    assert [len(p) for p in pages] == [25, 25, 10]
    assert [t for p in pages for t in p] == [f"Pismo {i:03d}" for i in reversed(range(60))]
    back = logged_in.get(f"{url}?{_link(html, 'prev')}").content.decode()
    assert _titles(back) == pages[1]
    last = logged_in.get(url, {"q": "pismo", "page": "last"}).content.decode()
    assert _titles(last) == [f"Pismo {i:03d}" for i in reversed(range(25))]
    assert "Aneks" not in first + back + last


def test_a_row_gone_between_a_search_pages_two_queries_keeps_the_next_page(
    portal_a, member, monkeypatch
):
    """Revoked between the keys and the rows: the row is not shown, and the page still
    knows a next one follows (from the keys, not from the rows read)."""
    from types import SimpleNamespace

    _bulk(portal_a, 30)
    shares = services.visible_shares(member, portal_a)
    newest = Share.objects.filter(portal=portal_a).order_by("-pk").first()
    # The second query (rows by key) no longer finds the newest; the first found it.
    gone = SimpleNamespace(by_key=lambda rows: rows.exclude(pk=newest.pk))
    monkeypatch.setattr(listing, "search_index", gone)
    page, rows = listing.page_of(shares, member, "documents", q="pismo", per_page=25)
    assert (page.has_next, len(rows)) == (True, 25), (page, len(rows))
    assert newest.pk not in [share.pk for share in page.object_list]


@pytest.mark.parametrize("limit", [2000, 0])  # SQLite: with the index's candidates, without
def test_a_search_shows_nothing_rule_9_hides(logged_in, editor, portal_a, portal_b, limit):
    """Revoked, expired, another portal's, and an invoice moved to another client: a
    search page (keys first, then rows by key) lists none of them."""
    from tests.factories import ClientFactory, InvoiceFactory
    from wagtail_clientportal import search_index

    search_index.CANDIDATE_LIMIT, old = limit, search_index.CANDIDATE_LIMIT
    try:
        kept, revoked, expired = (DocumentFactory(title=f"Szukaj {n}") for n in "ABC")
        services.share_items(editor, [portal_a], [kept, revoked, expired])
        services.share_items(editor, [portal_b], [DocumentFactory(title="Szukaj obcy")])
        services.revoke_shares(editor, list(Share.objects.filter(document=revoked)))
        Share.objects.filter(document=expired).update(expires_at=timezone.now())
        invoice = InvoiceFactory(client=portal_a.client, number="FV/SZUKAJ/1")
        services.share_items(editor, [portal_a], [invoice])
        invoice.client = ClientFactory()
        invoice.save()
        for section in ("documents", "invoices"):
            url = reverse("wagtail_clientportal:section", args=[portal_a.pk, section])
            html = logged_in.get(url, {"q": "szukaj"}).content.decode()
            assert "Szukaj B" not in html and "Szukaj C" not in html and "obcy" not in html
            assert "FV/SZUKAJ/1" not in html
            assert ("Szukaj A" in html) == (section == "documents")
    finally:
        search_index.CANDIDATE_LIMIT = old


def test_hiding_superseded_versions_does_not_read_the_whole_portal(logged_in, portal_a):
    """An older pinned version is hidden by asking about its own successor only. The
    earlier ``superseded_by IN (every listed share)`` made PostgreSQL hash every share of
    the portal on every page and on its count (3.2x at 100,000 shares, bench_scale.py)."""
    _bulk(portal_a, 3)
    url = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    with CaptureQueriesContext(connection) as ctx:
        assert logged_in.get(url).status_code == 200
    listing_sql = [q["sql"] for q in ctx.captured_queries if "superseded_by_id" in q["sql"]]
    assert listing_sql
    assert not any(re.search(r'superseded_by_id"? IN \(SELECT', sql) for sql in listing_sql)


def test_the_count_stops_at_a_thousand(portal_a, member):
    _bulk(portal_a, 1001)
    shares = services.visible_shares(member, portal_a)
    with CaptureQueriesContext(connection) as ctx:
        page, _rows = listing.page_of(shares, member, "documents", per_page=25)
    assert page.count_is_capped and page.count == listing.COUNT_CAP
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 1001" in sql for sql in counts)


@pytest.mark.parametrize(
    "cursor",
    ["after=abc", "before=1.2.3", "after=99999999999999999999999.1", "after=", "before=-.x"],
)
def test_a_malformed_cursor_shows_the_first_page(logged_in, portal_a, cursor):
    _bulk(portal_a, 3)
    url = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    response = logged_in.get(f"{url}?{cursor}")
    assert response.status_code == 200
    assert _titles(response.content.decode()) == ["Pismo 002", "Pismo 001", "Pismo 000"]


def test_keyset_pages_keep_rule_9_the_new_mark_and_the_kind_filter(
    logged_in, editor, member, portal_a, portal_a2, settings
):
    settings.WAGTAILCLIENTPORTAL_PAGE_SIZE = 2
    mine = _bulk(portal_a, 5)
    _bulk(portal_a2, 5, prefix="Obce")  # another portal of the same client, not assigned
    services.revoke_shares(editor, [mine[4]])  # the newest by id: gone at once
    services.record_access(member, mine[3], AccessEvent.Action.DOWNLOAD)
    version = services.snapshot_document(editor, DocumentFactory(title="Regulamin"), label="v2")
    services.share_items(editor, [portal_a], [version])
    url = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    html = logged_in.get(f"{url}?kind=document").content.decode()
    assert _titles(html) == ["Pismo 003", "Pismo 002"] and "Obce" not in html
    assert "Regulamin" not in html
    row_3 = html.split("Pismo 003")[1].split("</li>")[0]
    row_2 = html.split("Pismo 002")[1].split("</li>")[0]
    assert "nowe" not in row_3 and "nowe" in row_2
    nxt = _link(html, "next")
    assert "kind=document" in nxt  # the filter travels with the cursor
    html = logged_in.get(f"{url}?{nxt}").content.decode()
    assert _titles(html) == ["Pismo 001", "Pismo 000"] and "Regulamin" not in html
    versions = logged_in.get(f"{url}?kind=document_version").content.decode()
    assert "Regulamin" in versions and not _titles(versions)


def test_search_reads_the_stored_text_kept_fresh_on_rename(logged_in, editor, portal_a, portal_b):
    doc = DocumentFactory(title="Umowa ZAŻÓŁĆ najmu")
    services.share_items(editor, [portal_a], [doc])
    services.share_items(editor, [portal_b], [DocumentFactory(title="Umowa zażółć obca")])
    url = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    with CaptureQueriesContext(connection) as ctx:
        html = logged_in.get(url, {"q": "zażółć"}).content.decode()
    assert "Umowa ZAŻÓŁĆ najmu" in html and "obca" not in html
    # One column is searched, not the titles and numbers of five joined tables.
    searched = [m for q in ctx.captured_queries for m in re.findall(r"(\S+) LIKE", q["sql"])]
    assert searched and all("search_text" in column for column in searched)
    doc.title = "Aneks do umowy"
    doc.save()
    assert "Aneks do umowy" in logged_in.get(url, {"q": "ANEKS"}).content.decode()
    assert "Aneks" not in logged_in.get(url, {"q": "najmu"}).content.decode()


def test_search_text_follows_invoice_and_settlement_numbers(editor, portal_a):
    from tests.factories import InvoiceFactory, SettlementFactory

    invoice = InvoiceFactory(client=portal_a.client, number="FV/1")
    settlement = SettlementFactory(invoice=invoice, title="Zestawienie godzin")
    services.share_items(editor, [portal_a], [invoice, settlement])
    invoice.number = "FV/2"
    invoice.save()
    texts = dict(Share.objects.values_list("invoice_id", "search_text"))
    assert texts[invoice.pk] == "fv/2"
    assert Share.objects.get(settlement=settlement).search_text == "zestawienie godzin fv/2"


def test_the_migration_fills_the_search_text_of_existing_shares(editor, portal_a):
    version = services.snapshot_document(editor, DocumentFactory(title="Statut"), label="Wersja B")
    services.share_items(editor, [portal_a], [version])
    Share.objects.update(search_text="")
    migration = importlib.import_module("wagtail_clientportal.migrations.0007_share_search_text")
    migration.fill_search_text(apps, None)
    assert Share.objects.get().search_text == "statut wersja b"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_postgresql_has_the_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            ["clientportal_share_search_trgm"],
        )
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition and "revoked_at IS NULL" in definition


def test_the_client_card_lists_portals_a_page_at_a_time(client, editor, client_a):
    for i in range(60):
        PortalFactory(client=client_a, name=f"Panel {i:02d}")
    client.force_login(editor)
    url = reverse("clientportal_portals:client", args=[client_a.pk])
    with CaptureQueriesContext(connection) as first:
        html = client.get(url).content.decode()
    assert html.count('id="portal-') == 50 and "Panel 00" in html and "Panel 59" not in html
    with CaptureQueriesContext(connection) as second:
        html = client.get(url, {"p": 2}).content.decode()
    assert html.count('id="portal-') == 10 and "Panel 59" in html
    assert len(second.captured_queries) <= len(first.captured_queries)
    assert client.get(url, {"p": "zzz"}).status_code == 200
