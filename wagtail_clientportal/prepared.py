"""Querysets built and compiled once per process and database, then run with new values.

Why: every portal download runs the same two reads (the assignment of rule 9, and the
share with its item). Building those querysets and compiling them to SQL took the ORM
about four times the CPU that sending the SQL and reading the row did
(bench/bench_download_cpu.py), so the portal's cheapest request cost more than
Wagtail's own document view. Django has no prepared statements; this is the smallest
stand-in that keeps the queryset as the one place the condition is written:

- the queryset is built by the same function as always, once, with *marker* values
  (numbers and a moment no real row can have);
- Django compiles it, twice, with two sets of markers; the positions of the markers in
  the parameter list are found, and checked: every marker must be there, as the field
  would prepare it, and every other parameter and the SQL the same both times (so no
  parameter was computed from a value);
- each call sends that SQL with the request's values in those positions and reads the
  rows into model instances as Django's ``ModelIterable`` does (``select_related``
  included, converters applied).

Anything the check does not recognise (an unexpected parameter shape, annotations, a
field that rejects the marker, such as a UUID primary key) is run through the ORM as
usual, every time: slower, never different. Only plain ``SELECT``s of model rows.

``insert(obj)`` is the same for the two rows a download writes (its access event and its
delivery record): the model's ``INSERT`` written once per database, each field's value
prepared by the field itself (``pre_save``, ``get_db_prep_save``), the new key read back,
and the model's ``pre_save``/``post_save`` signals sent as ``save()`` sends them.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import NOT_PROVIDED, QuerySet
from django.db.models.signals import post_save, pre_save

from .compat import related_populators

logger = logging.getLogger(__name__)

# Far outside any primary key and any moment a row holds; two sets, compiled one after
# the other: a parameter computed from a value (``now - timedelta(...)``) differs
# between them, and such a query is left to the ORM.
_INT_MARKERS = (-(2**62), -(2**61))
_MOMENT_MARKERS = (
    datetime.datetime(1901, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
    datetime.datetime(1902, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc),
)
_INT_RANGE = range(-(2**63), 2**63)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]
    model: type
    init_list: tuple[str, ...]
    start: int
    end: int
    populators: tuple
    compiler: object
    converters: dict


def _prepare(connection, kind, value):
    if kind is datetime.datetime:
        return connection.ops.adapt_datetimefield_value(value)
    return int(value)


def _plain(kind, value) -> bool:
    """A value the compiled form passes on as the field would: an aware moment, an
    integer a 64-bit column can hold (the ORM answers for anything else)."""
    if kind is datetime.datetime:
        return isinstance(value, datetime.datetime) and value.utcoffset() is not None
    return isinstance(value, int) and value in _INT_RANGE


class PreparedQuery:
    """``PreparedQuery(Model, build, portal_id=int, now=datetime.datetime)``: ``build(*shape,
    **values)`` returns the queryset of ``Model``; ``query(*shape, **values)`` its rows, a
    list, read from the database the routers name for reading ``Model``.

    ``shape`` (hashable) selects one of several compiled forms (for example which
    relations are joined); ``values`` are only ever parameters of the SQL.
    """

    def __init__(self, model, build: Callable[..., QuerySet], **kinds: type):
        for name, kind in kinds.items():
            if kind not in (int, datetime.datetime):
                raise TypeError(f"{name}: a marker is an int or a datetime, not {kind!r}")
        self.model = model
        self.build = build
        self.kinds = kinds
        self._compiled: dict[tuple, _Compiled | None] = {}

    def __call__(self, *shape, using: str | None = None, **values) -> list:
        using = using or router.db_for_read(self.model)
        key = (using, *shape)
        try:
            compiled = self._compiled[key]
        except KeyError:
            compiled = self._compiled[key] = self._compile(using, shape)
        if compiled is None or not all(_plain(self.kinds[n], v) for n, v in values.items()):
            return list(self.build(*shape, **values).using(using))
        return self._run(compiled, connections[using], using, values)

    def _markers(self, set_number: int) -> dict:
        markers = {}
        for number, (name, kind) in enumerate(self.kinds.items()):
            if kind is datetime.datetime:
                moment = _MOMENT_MARKERS[set_number]
                markers[name] = moment + datetime.timedelta(microseconds=number + 1)
            else:
                markers[name] = _INT_MARKERS[set_number] - number
        return markers

    def _compile_one(self, using: str, shape: tuple, set_number: int):
        markers = self._markers(set_number)
        queryset = self.build(*shape, **markers).using(using)
        if queryset._prefetch_related_lookups:
            raise ValueError("prefetch_related is not read back")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = self._slots(connections[using], markers, params)
        if slots is None or compiler.annotation_col_map or compiler.has_extra_select:
            raise ValueError("not a plain query of model rows")
        taken = {position for position, _name in slots}
        fixed = [p for position, p in enumerate(params) if position not in taken]
        return compiler, sql, params, slots, fixed

    def _compile(self, using: str, shape: tuple) -> _Compiled | None:
        try:
            compiler, sql, params, slots, fixed = self._compile_one(using, shape, 0)
            _compiler, sql_again, _params, slots_again, fixed_again = self._compile_one(
                using, shape, 1
            )
            if (sql_again, slots_again, fixed_again) != (sql, slots, fixed):
                raise ValueError("a parameter is computed from a value")
            select, klass_info = compiler.select, compiler.klass_info
            fields = klass_info["select_fields"]
            start, end = fields[0], fields[-1] + 1
        except Exception:
            # Anything unexpected here: the ORM answers instead, as correctly, more slowly.
            logger.debug("Not prepared: %s %r", self.build, shape, exc_info=True)
            return None
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=slots,
            model=klass_info["model"],
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            start=start,
            end=end,
            populators=tuple(related_populators(klass_info, select, using)),
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select]),
        )

    def _slots(self, connection, markers: dict, params) -> tuple | None:
        """Where each marker sits in ``params``; ``None`` if one is missing."""
        prepared = {name: _prepare(connection, self.kinds[name], v) for name, v in markers.items()}
        slots = tuple(
            (position, name)
            for position, param in enumerate(params)
            for name, value in prepared.items()
            if type(param) is type(value) and param == value
        )
        if {name for _position, name in slots} != set(markers):
            return None
        return slots

    def _run(self, compiled: _Compiled, connection, using: str, values: dict) -> list:
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = _prepare(connection, self.kinds[name], values[name])
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        objects = []
        model, names, start, end = compiled.model, compiled.init_list, compiled.start, compiled.end
        for row in rows:
            obj = model.from_db(using, names, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


#: (database alias, model) -> (SQL, fields, whether the key comes back by RETURNING).
_inserts: dict[tuple, tuple | None] = {}


def _insert_sql(model, connection) -> tuple | None:
    meta = model._meta
    if meta.parents or meta.auto_field is None or meta.auto_field is not meta.pk:
        return None  # multi-table inheritance or a key the caller sets: save() knows those
    if connection.vendor not in ("postgresql", "sqlite", "mysql"):
        return None
    fields = [f for f in meta.local_concrete_fields if f is not meta.pk]
    if any(f.generated or f.db_default is not NOT_PROVIDED for f in fields):
        return None  # values the database computes: save() leaves them out, reads them back
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, fields, returning


def insert(obj, *, using: str | None = None) -> None:
    """``obj.save(force_insert=True)`` for a new row of a plain model, without building
    the statement each time (see the module's docstring). The model's own ``save()``
    does not run: for models whose ``save()`` adds nothing to an insert (the package's
    access event, and its delivery record, whose ``save()`` only refuses updates)."""
    model = type(obj)
    using = using or router.db_for_write(model, instance=obj)
    connection = connections[using]
    key = (using, model)
    try:
        statement = _inserts[key]
    except KeyError:
        statement = _inserts[key] = _insert_sql(model, connection)
    if (
        statement is None
        or obj.pk is not None
        or not obj._state.adding
        or any(hasattr(getattr(obj, f.attname), "resolve_expression") for f in statement[1])
    ):
        obj.save(force_insert=True, using=using)
        return
    sql, fields, returning = statement
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            pk = cursor.fetchone()[0]
        else:
            pk = connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column)
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
    post_save.send(
        sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
    )
