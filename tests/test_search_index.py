"""Issue 14, item 3 on SQLite: the FTS5 trigram index of the portal's search (migration
0019, ``search_index``) names candidates only, and the search answers as without it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import otp_login
from tests.factories import DocumentFactory
from wagtail_clientportal import search_index, services
from wagtail_clientportal.models import Share

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's index"),
]
TABLE = Share._meta.db_table


@pytest.fixture(autouse=True)
def fresh_answer():
    """``usable()`` is remembered per connection; the tests change what it should say."""
    search_index._forget(connection)
    yield
    search_index._forget(connection)


def _found(portal, words):
    return sorted(
        Share.objects.filter(portal=portal).active().matching(words).values_list("pk", flat=True)
    )


def _scanned(portal, words):
    """The same search without the index: the rows read one by one."""
    rows = Share.objects.filter(portal=portal).active()
    return sorted(rows.filter(search_text__contains=words.lower()).values_list("pk", flat=True))


def test_the_index_and_its_triggers_are_installed():
    assert search_index.usable(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'clientportal_share%'")
        names = {row[0] for row in cursor.fetchall()}
    assert {search_index.TABLE, *search_index.TRIGGERS} <= names


def test_the_index_follows_every_write_and_answers_as_the_rows(editor, portal_a, portal_b):
    umowa = DocumentFactory(title="Umowa ZAŻÓŁĆ najmu")
    aneks = DocumentFactory(title="Aneks 50%_rabatu")
    other = DocumentFactory(title="Umowa zażółć obca")
    services.share_items(editor, [portal_a], [umowa, aneks])
    services.share_items(editor, [portal_b], [other])
    searches = ("zażółć", "umowa", "najmu", "50%", "0%_", "_ra", "ab", "rabatu", "brak", "s 50")
    for words in searches:
        assert _found(portal_a, words) == _scanned(portal_a, words), words
    mine = Share.objects.get(document=umowa)
    assert search_index.candidate_ids(connection, "zażółć") == sorted(
        Share.objects.filter(document__in=[umowa, other]).values_list("pk", flat=True)
    )
    # A renamed title (the signal rewrites search_text: the update trigger), a revoke,
    # a deleted share: the index says what the rows say.
    umowa.title = "Porozumienie"
    umowa.save()
    assert search_index.candidate_ids(connection, "najmu") == []
    assert search_index.candidate_ids(connection, "porozumienie") == [mine.pk]
    assert _found(portal_a, "porozumienie") == [mine.pk]
    services.revoke_shares(editor, [mine])
    assert _found(portal_a, "porozumienie") == [] == _scanned(portal_a, "porozumienie")
    Share.objects.filter(pk=mine.pk).delete()
    assert search_index.candidate_ids(connection, "porozumienie") == []


def test_the_index_is_asked_only_where_it_answers_exactly_and_briefly(
    editor, portal_a, monkeypatch, settings
):
    docs = [DocumentFactory(title=f"Pismo {i}") for i in range(5)]
    services.share_items(editor, [portal_a], docs)
    # Fewer than three characters: the rows are read.
    assert search_index.candidate_ids(connection, "pi") is None
    assert len(search_index.candidate_ids(connection, "pismo")) == 5
    # LIKE's wildcards and the phrase's quotes are plain characters to the index.
    for words in ("pismo%", "pis_o", 'pismo "1"', "pismo 1*", "pismo OR 2"):
        assert search_index.candidate_ids(connection, words) == [], words
        assert _found(portal_a, words) == [] == _scanned(portal_a, words), words
    # A word found in more shares than the limit: the ordinary query, which meets its
    # page of matches among the newest rows, answers alone.
    search_index.CANDIDATE_LIMIT, limit = 4, search_index.CANDIDATE_LIMIT
    try:
        assert search_index.candidate_ids(connection, "pismo") is None
        assert len(_found(portal_a, "pismo")) == 5
    finally:
        search_index.CANDIDATE_LIMIT = limit
    # An SQLite built with fewer parameters a query (999 before 3.32): the ids stay under
    # it, with room for the page's own keys (one more than a page) and the other values.
    settings.WAGTAILCLIENTPORTAL_PAGE_SIZE = 200
    monkeypatch.setattr(type(connection.features), "max_query_params", 100 + 201 + 4)
    assert search_index.candidate_ids(connection, "pismo") is None
    monkeypatch.setattr(type(connection.features), "max_query_params", 100 + 201 + 5)
    assert len(search_index.candidate_ids(connection, "pismo")) == 5


def test_a_rare_word_reads_the_index_not_the_portal(logged_in_member, editor, portal_a):
    from tests.test_portal_scale import _bulk

    _bulk(portal_a, 300)
    rare = DocumentFactory(title="Postanowienie sygn. akt XII C 77/26")
    services.share_items(editor, [portal_a], [rare])
    url = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    with CaptureQueriesContext(connection) as ctx:
        html = logged_in_member.get(url, {"q": "c 77/26"}).content.decode()
    assert "Postanowienie sygn. akt XII C 77/26" in html and "Pismo 001" not in html
    listed = [q["sql"] for q in ctx.captured_queries if f'FROM "{TABLE}"' in q["sql"]]
    assert search_index.candidate_ids(connection, "c 77/26") == [
        Share.objects.get(document=rare).pk
    ]
    searched = [sql for sql in listed if "search_text" in sql]
    assert searched
    with connection.cursor() as cursor:
        for sql in searched:
            assert f'"{TABLE}"."id" IN (' in sql
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(row[-1] for row in cursor.fetchall())
            # The one candidate looked up by its key, not the portal's rows read one by one.
            assert f"SEARCH {TABLE} USING INTEGER PRIMARY KEY" in plan, plan


def _plans(client, url, words):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"q": words})
    assert response.status_code == 200
    searched = [q["sql"] for q in ctx.captured_queries if "search_text" in q["sql"]]
    assert searched
    with connection.cursor() as cursor:
        for sql in searched:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            yield sql, " ".join(row[-1] for row in cursor.fetchall())


def test_many_candidates_are_looked_up_by_key_not_under_the_portals_index(
    logged_in_member, portal_a, monkeypatch
):
    """A word in 100 of 300 shares: more candidates than SQLite, without statistics,
    guesses a portal holds, so it would walk the portal's index (which also gives the
    page's order) and test every row; ``by_key`` keeps it on the candidates' keys."""
    from tests.test_portal_scale import _bulk

    _bulk(portal_a, 300)
    words = "pismo 1"  # Pismo 100 to 199
    url = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    for sql, plan in _plans(logged_in_member, url, words):
        assert f'+"{TABLE}"."portal_id" = ' in sql
        assert "(portal_id=?)" not in plan, plan
    # The same rows as the portal read one by one; and the plan without the steering.
    assert len(_found(portal_a, words)) == 100 == len(_scanned(portal_a, words))
    monkeypatch.setattr(search_index, "by_key", lambda queryset: queryset)
    assert any("(portal_id=?)" in plan for _sql, plan in _plans(logged_in_member, url, words))


def test_a_common_word_finds_its_page_in_order_then_reads_the_rows_by_key(
    logged_in_member, portal_a, monkeypatch
):
    """More matches than the index names: the keys are found walking the portal's index
    in the page's order (it stops at the page); the page's rows are then read by key,
    not by walking the whole portal again for 26 keys."""
    from tests.test_portal_scale import _bulk

    _bulk(portal_a, 300)
    monkeypatch.setattr(search_index, "CANDIDATE_LIMIT", 10)
    url = reverse("wagtail_clientportal:section", args=[portal_a.pk, "documents"])
    plans = list(_plans(logged_in_member, url, "pismo"))
    keys = [plan for sql, plan in plans if sql.startswith(f'SELECT "{TABLE}"."id" AS "pk" ')]
    rows = [plan for sql, plan in plans if sql.startswith(f'SELECT "{TABLE}"."id", ')]
    assert len(keys) == 1 and "USING INDEX clientportal_share_portal_doc" in keys[0], keys
    assert len(rows) == 1 and "(portal_id=?)" not in rows[0], rows


def test_a_table_rebuilt_by_a_migration_gets_its_triggers_back(editor, portal_a):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {search_index.TRIGGERS[0]}")
    search_index._forget(connection)
    assert not search_index.usable(connection)
    # Written while the index was not kept: nothing may be missed by a search.
    services.share_items(editor, [portal_a], [DocumentFactory(title="Wyrok zaoczny")])
    assert search_index.candidate_ids(connection, "zaoczny") is None
    assert len(_found(portal_a, "zaoczny")) == 1
    search_index.repair(connection, TABLE)
    assert search_index.usable(connection)
    assert len(search_index.candidate_ids(connection, "zaoczny")) == 1


def test_the_migration_reverses_and_applies_again(editor, portal_a):
    services.share_items(editor, [portal_a], [DocumentFactory(title="Ugoda")])
    search_index.uninstall(connection)
    assert not search_index.usable(connection)
    assert search_index.candidate_ids(connection, "ugoda") is None
    assert len(_found(portal_a, "ugoda")) == 1
    assert search_index.install(connection, TABLE)
    share = Share.objects.get(portal=portal_a)
    assert search_index.candidate_ids(connection, "ugoda") == [share.pk]


@pytest.fixture
def logged_in_member(client, member):
    otp_login(client, member.user)
    return client
