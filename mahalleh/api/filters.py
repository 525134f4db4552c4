"""Filters on ids for django-filter FilterSets (places and users)."""

import django_filters
from django import forms

# The largest id a bigint column holds: a bigger number is bad input (400), never a database error.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A relation filtered by its plain id: a whole number from 1 to 2**63-1, else a 400 naming
    the parameter. Never validated against the table (a missing id and an out-of-scope id both
    give an empty list, telling an outsider nothing)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
