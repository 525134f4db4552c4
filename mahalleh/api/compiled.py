"""A query the API runs on every request, turned into SQL once instead of each time.

Django compiles a queryset to SQL every time it runs it. For the token look-up every API call
makes (the token, its user, the user's office and county: 34 columns over four tables) that was
about 0.3 ms of Python, and building the four model instances through the ORM as much again,
against 0.1 ms for the database to answer (issue #10: the whole request has about 6 ms).

`Compiled(build)` compiles `build(**markers)` once per database connection, remembers where each
marker's value sits among the SQL parameters, and then runs the same SQL with the caller's values.
The rows are read as Django reads them: the same converters per column (SQLite's dates and
booleans), the same instances, with their `select_related` objects attached. Only the parameter
values change between runs, never the SQL: a queryset whose SQL depends on the values (an
`__in` list, a value that is None) does not fit and is refused when it is prepared.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import get_related_populators


class Compiled:
    """`build(**values)` -> a QuerySet, run as the same SQL with other values.

    `markers` are sample values, one per keyword of `build`, each distinct from every other
    parameter of the query (they only mark the parameters' places; they are never queried)."""

    def __init__(self, build: Callable[..., QuerySet], **markers):
        self.build = build
        self.markers = markers
        self._local = threading.local()

    def _prepared(self, alias: str) -> _Prepared:
        # Per thread and connection: a compiler (and its converters) belongs to its connection.
        store = self._local.__dict__.setdefault("by_alias", {})
        connection = connections[alias]
        entry = store.get(alias)
        if entry is None or entry.connection is not connection:
            entry = store[alias] = _Prepared(
                self.build(**self.markers).using(alias), self.markers, connection
            )
        return entry

    def all(self, **values) -> list:
        """The model instances `build(**values)` would give, in its order."""
        model = self.__dict__.get("model")
        if model is None:  # not at import: the models may not be loaded yet
            model = self.model = self.build(**self.markers).model
        alias = router.db_for_read(model)
        return self._prepared(alias).run(alias, values)

    def first(self, **values):
        """The first of them, or None."""
        found = self.all(**values)
        return found[0] if found else None


class _Prepared:
    def __init__(self, queryset: QuerySet, markers: dict, connection):
        self.connection = connection
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        self.sql, self.params = sql, list(params)
        self.slots = {}
        for name, marker in markers.items():
            places = [i for i, param in enumerate(self.params) if param == marker]
            if len(places) != 1:
                raise ValueError(f"{name}={marker!r} is {len(places)} parameters of the query, not one")
            self.slots[name] = places[0]
        self.compiler = compiler
        select, klass_info = compiler.select, compiler.klass_info
        if compiler.annotation_col_map or compiler.has_extra_select or queryset._known_related_objects:
            raise ValueError("annotations, extra columns and known related objects are not supported")
        self.converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.own = slice(fields[0], fields[-1] + 1)
        self.names = [column[0].target.attname for column in select[self.own]]
        self.populators = get_related_populators(klass_info, select, queryset.db)

    def run(self, alias: str, values: dict) -> list:
        params = list(self.params)
        for name, place in self.slots.items():
            params[place] = values[name]
        with connections[alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        found = []
        for row in rows:
            obj = self.model.from_db(alias, self.names, row[self.own])
            for populator in self.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found
