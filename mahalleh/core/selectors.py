"""Helpers shared by the selectors of every app."""

from django.db.models import QuerySet


def narrowed(queryset: QuerySet, **lookups) -> QuerySet:
    """`queryset` filtered by each lookup whose value is not None, in order: a selector's optional
    filters in one call. Each lookup is its own `.filter()`, as the `if x is not None:` lines were.

    A filter that empty text leaves off is passed as ``kind=kind or None``; a yes/no/either filter
    on a nullable column as ``left_on__isnull=current`` (True, False or None)."""
    for lookup, value in lookups.items():
        if value is not None:
            queryset = queryset.filter(**{lookup: value})
    return queryset
