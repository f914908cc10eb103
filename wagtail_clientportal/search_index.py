"""SQLite's counterpart of PostgreSQL's trigram index for the portal's search.

On PostgreSQL a trigram GIN index serves ``search_text LIKE '%q%'`` (migration 0007).
SQLite has no index a ``LIKE`` with a leading wildcard can use, so a rare word read
the one column of every row of the portal (5.6× at 100,000 shares, issue 14). Here an
FTS5 table with the trigram tokenizer indexes ``Share.search_text`` (external content:
it stores the index only; three triggers keep it in step with every insert, update
and delete, whoever writes), and ``candidate_ids()`` asks it which shares contain
the words.

The words are asked as one FTS5 phrase (``MATCH``, which reads the index only; a
``LIKE`` on the FTS table would read every candidate's row to check it, six times
slower). The answer is used as a list of candidates, never as the result: the
portal's query keeps its own ``search_text LIKE``, portal and activity conditions. A
word found in more than ``CANDIDATE_LIMIT`` shares of the whole firm is left to the
ordinary query, which meets enough matches in the portal's newest rows long before
it has read far (the index would hand over every match to be looked up and sorted).
Where the index cannot answer (fewer than three characters, SQLite without FTS5,
triggers lost with a rebuilt table) ``candidate_ids()`` returns ``None`` and the
search reads the rows, as before.

The candidates reach the query as a list of ids (``pk__in``), and ``by_key()`` makes
SQLite look them up by key. Without it SQLite walks the portal's index instead
whenever there are more than a handful: with no statistics it guesses some 10 rows
per portal, and the portal's index also gives the page's order. For a word in 1 % of
a 100,000-share portal that read the whole portal twice (page and count), 20 of the
page's 48 ms. ``by_key()`` writes the portal's term as ``+portal_id = %s``, the form
SQLite documents for "no index for this term"; its value and meaning are the same.
A subquery or a join of the index fared worse (tried: SQLite read the portal first
there too, and a join also for a single candidate).
"""

from __future__ import annotations

from django.db import DatabaseError, connections, transaction
from django.db.models import Func
from django.db.models.expressions import Col
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND, WhereNode

from . import conf

TABLE = "clientportal_share_search"
TRIGGERS = tuple(f"{TABLE}_{when}" for when in ("ai", "ad", "au"))
CANDIDATE_LIMIT = 2000
# Trigram matching needs three characters.
MIN_LENGTH = 3


def _statements(share_table: str) -> list[str]:
    new = f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text)"
    old = (
        f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text)"
    )
    ai, ad, au = TRIGGERS
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(search_text, "
        f"content='{share_table}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {ai} AFTER INSERT ON {share_table} BEGIN {new}; END",
        f"CREATE TRIGGER IF NOT EXISTS {ad} AFTER DELETE ON {share_table} BEGIN {old}; END",
        f"CREATE TRIGGER IF NOT EXISTS {au} AFTER UPDATE OF search_text ON {share_table} "
        f"WHEN old.search_text IS NOT new.search_text BEGIN {old}; {new}; END",
        f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
    ]


def install(connection, share_table: str) -> bool:
    """Create the index and its triggers and fill it (SQLite only; idempotent).

    False where this SQLite has no FTS5 or no trigram tokenizer (before 3.34): the
    search then reads the rows, as it always did."""
    if connection.vendor != "sqlite":
        return False
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for sql in _statements(share_table):
                cursor.execute(sql)
    except DatabaseError:
        return False
    _forget(connection)
    return True


def uninstall(connection) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    _forget(connection)


def repair(connection, share_table: str) -> None:
    """After migrations: SQLite rebuilds a table to alter it, which drops its triggers.

    An index left without them would go stale, so they are created again and the
    index refilled; ``usable()`` refuses the index meanwhile."""
    if connection.vendor != "sqlite":
        return
    present = _present(connection)
    if TABLE in present and not present.issuperset(TRIGGERS):
        install(connection, share_table)


def _present(connection) -> set[str]:
    names = [TABLE, *TRIGGERS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name FROM sqlite_master WHERE name IN ({', '.join(['%s'] * len(names))})",
            names,
        )
        return {row[0] for row in cursor.fetchall()}


# On the connection (``setattr``: ``django.db.connection`` is a proxy that forwards it).
_KNOWN = "_clientportal_search_index"


def _forget(connection) -> None:
    setattr(connection, _KNOWN, None)


def usable(connection) -> bool:
    """The index and all three triggers are there (asked once per database connection)."""
    if connection.vendor != "sqlite":
        return False
    raw = connection.connection
    known = getattr(connection, _KNOWN, None)
    if raw is None or known is None or known[0] is not raw:
        connection.ensure_connection()
        raw = connection.connection
        known = (raw, _present(connection) == {TABLE, *TRIGGERS})
        setattr(connection, _KNOWN, known)
    return known[1]


def _phrase(words: str) -> str:
    """``words`` as one FTS5 phrase: with the trigram tokenizer, "contains this substring"
    (case-folded, so never narrower than the ``LIKE`` it stands in for)."""
    return '"' + words.replace('"', '""') + '"'


def candidate_ids(connection, words: str) -> list[int] | None:
    """Ids of the shares whose ``search_text`` contains ``words`` (lower-cased), or
    ``None`` when the index should not decide (see the module docstring)."""
    if len(words) < MIN_LENGTH or not usable(connection):
        return None
    # Each id is a parameter of the portal's query: stay well under this SQLite's limit
    # (999 where it was built so; Django 5.2 assumes that everywhere).
    # The page's query also carries its keys (``listing._take``): one more than a page.
    spare = connection.features.max_query_params - 100 - conf.page_size() - 1
    limit = min(CANDIDATE_LIMIT, spare)
    with connection.cursor() as cursor:
        cursor.execute(f"{_MATCHING} LIMIT %s", [_phrase(words), limit + 1])
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= limit else None


_MATCHING = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s"


class _Unindexed(Func):
    """``+column``: the column's own value, in a form no SQLite index serves."""

    template = "+%(expressions)s"


def by_key(queryset, field: str = "portal"):
    """``queryset`` with its equality on ``field`` (of its own table, in the ``AND`` of
    its conditions) written as ``+column = value``: SQLite then reads the rows of a
    ``pk__in`` list by key, not every row under that field's index (module docstring).

    Only the form of the term changes, so the rows are the same; a queryset without
    such a term, or on another database, is returned as it is (nothing to steer)."""
    if connections[queryset.db].vendor != "sqlite":
        return queryset
    queryset = queryset._chain()
    query = queryset.query
    _steer(query.where, query.base_table, field)
    return queryset


def _steer(node: WhereNode, alias: str, field: str) -> None:
    if node.connector != AND or node.negated:
        return
    for i, child in enumerate(node.children):
        if isinstance(child, WhereNode):
            _steer(child, alias, field)
        elif (
            isinstance(child, Exact)
            and isinstance(child.lhs, Col)
            and child.lhs.alias == alias
            and child.lhs.target.name == field
        ):
            target = getattr(child.lhs.target, "target_field", child.lhs.target)
            node.children[i] = Exact(_Unindexed(child.lhs, output_field=target), child.rhs)
