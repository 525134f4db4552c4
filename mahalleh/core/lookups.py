"""Query parts that keep PostgreSQL on its indexes.

``field__any=[…]``: ``field IN (…)`` whose list travels as one parameter on PostgreSQL.

Django writes ``pk__in=[500 ids]`` with 500 placeholders, and psycopg splits the statement at each
of them and quotes each value: about a millisecond of Python for a search page's 500 households,
for the plan PostgreSQL makes of the list anyway (``= ANY('{…}'::bigint[])``). The array is one
value. SQLite has no arrays and gets Django's ``IN`` list; an empty list matches nothing, as ``__in``.
"""

from django.db.models import BigIntegerField, Field, Value
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _OneArray:
    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)  # a subquery: Django's IN
        values = {self.lhs.output_field.get_db_prep_value(v, connection) for v in self.rhs}
        values.discard(None)
        if not values:
            return self.as_sql(compiler, connection)  # raises EmptyResultSet, as __in does
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, sorted(values))


@Field.register_lookup
class AnyOf(_OneArray, In):
    pass


@ForeignObject.register_lookup
class RelatedAnyOf(_OneArray, RelatedIn):
    pass


class BigIntId(Value):
    """An id compared with a bigint column, sent as a bigint on PostgreSQL (``7::bigint``).

    A bare ``7`` is an int4 constant. Btree indexes compare across integer widths, but btree_gin's
    operator classes do not, so ``office_id = 7`` left the office out of the residents' trigram
    index (``registry/migrations/0013``): a name search in a large office then fetched the matches
    of every office first (123 ms against 7 ms at 5M residents)."""

    def __init__(self, value):
        super().__init__(value, output_field=BigIntegerField())

    def as_postgresql(self, compiler, connection):
        sql, params = self.as_sql(compiler, connection)
        return f"{sql}::bigint", params
