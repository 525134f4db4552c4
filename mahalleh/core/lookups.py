"""``field__any=[…]``: ``field IN (…)`` whose list travels as one parameter on PostgreSQL.

Django writes ``pk__in=[500 ids]`` with 500 placeholders, and psycopg splits the statement at each
of them and quotes each value: about a millisecond of Python for a search page's 500 households,
for the plan PostgreSQL makes of the list anyway (``= ANY('{…}'::bigint[])``). The array is one
value. SQLite has no arrays and gets Django's ``IN`` list; an empty list matches nothing, as ``__in``.
"""

from django.db.models import Field
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
