"""Lists serialized without DRF's per-field machinery, with the same output.

A list page of 50 residents costs DRF about 20 fields × 50 rows of `get_attribute` →
`check None` → `to_representation` calls, most of them to hand a string through unchanged; at demo
scale that was about half of the request's Python time (issue #10). `lean_data(serializer)` builds
a plan once per serializer instance — for each readable field, how to read it and how to turn it
into JSON — and runs it over the rows:

* a plain model field (text, choice, number, yes/no, date, a foreign key's id) is read with one
  `getattr` and converted inline, exactly as DRF's field would (`None` stays `None`);
* anything else (a method field, a nested serializer, a custom field, a dotted source, a
  date-time with its time zone) goes through the field's own `get_attribute`/`to_representation`.

The output is the same dict per row as `serializer.data` (the API tests check every response
against the schema, and `tests/api/test_lean.py` compares the two on every list endpoint's rows).
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping
from operator import attrgetter

from django.db import models
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import BaseIterable, ModelIterable, QuerySet
from django.db.models.query_utils import DeferredAttribute
from rest_framework import fields as f
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings


def _same(value):
    return value


def _iso(value):
    return value.isoformat()


def _converter(field) -> Callable | None:
    """value → JSON for a non-None value of `field`, as its to_representation does; None when only
    the field itself can say (then it is asked)."""
    kind = type(field)
    if kind in (f.CharField, f.EmailField, f.SlugField, f.URLField):
        return str
    if kind is f.IntegerField:
        return int
    if kind is f.ChoiceField:
        strings = field.choice_strings_to_values
        return lambda value: value if value == "" else strings.get(str(value), value)
    if kind is f.BooleanField:
        truthy, falsy = field.TRUE_VALUES, field.FALSE_VALUES
        return lambda value: True if value in truthy else (False if value in falsy else bool(value))
    if kind is f.DateField and getattr(field, "format", api_settings.DATE_FORMAT) == api_settings.DATE_FORMAT:
        if str(api_settings.DATE_FORMAT).lower() == "iso-8601":
            return _iso
    return None


def _plan(serializer) -> list[tuple]:
    """(name, attribute, convert, field) per readable field; convert None means ask the field."""
    plan = []
    for field in serializer._readable_fields:
        attrs = field.source_attrs
        convert = None
        attribute = attrs[0] if len(attrs) == 1 else None
        if attribute is not None and field.source != "*":
            pk_only = isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None
            if pk_only and field.use_pk_only_optimization():
                model_field = _model_field(serializer, attribute)
                if model_field is not None and model_field.is_relation and model_field.many_to_one:
                    attribute, convert = model_field.attname, _same
            else:
                convert = _converter(field)
        plan.append((field.field_name, attribute, convert, field))
    return plan


def _model_field(serializer, name):
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - not a model field: the field handles it
        return None


def _slow(field, instance):
    try:
        attribute = field.get_attribute(instance)
    except SkipField:
        return SkipField
    check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    return None if check is None else field.to_representation(attribute)


def _datetime_converter(field) -> Callable | None:
    """DRF's DateTimeField output for an aware value: in the active time zone, ISO 8601, "Z" for
    UTC. None (ask the field) for another format or a field with its own time zone."""
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != api_settings.DATETIME_FORMAT:
        return None
    if str(api_settings.DATETIME_FORMAT).lower() != "iso-8601" or hasattr(field, "timezone"):
        return None
    zone = field.default_timezone()
    if zone is None:
        return None

    def convert(value):
        if isinstance(value, str) or value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            return field.to_representation(value)  # naive or odd: the field's own rules
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


_local = threading.local()


def _prepared(serializer_class, context):
    """One serializer of the class per thread, built once (building a ModelSerializer's fields is
    most of the cost of a small page), given this call's context; returns its plan."""
    store = _local.__dict__.setdefault("serializers", {})
    entry = store.get(serializer_class)
    if entry is None:
        serializer = serializer_class(context=context)
        entry = store[serializer_class] = (serializer, _plan(serializer))
    serializer, plan = entry
    serializer._context = context  # what every field reads through its root
    return plan


def lean_rows(plan, instances) -> list[dict]:
    """Each row through the plan: one dict per row, as the serializer's to_representation gives."""
    steps = []
    for name, attribute, convert, field in plan:
        if convert is None and type(field) is f.DateTimeField and attribute is not None:
            convert = _datetime_converter(field)
        steps.append((name, attribute, convert, field))
    rows = []
    for instance in instances:
        row = {}
        for name, attribute, convert, field in steps:
            if convert is not None:
                value = getattr(instance, attribute)
                row[name] = None if value is None else convert(value)
            else:
                value = _slow(field, instance)
                if value is not SkipField:
                    row[name] = value
        rows.append(row)
    return rows


def lean_data(serializer_class: type[serializers.Serializer], instances, *, context=None, **kwargs) -> list:
    """What `serializer_class(instances, many=True, context=context).data` gives, faster.
    Serializers that define their own `to_representation`, other keyword arguments, and rows that
    are dicts take DRF's way."""
    instances = list(instances)
    simple = (
        not kwargs
        and "to_representation" not in overridden(serializer_class)
        and not any(isinstance(row, Mapping) for row in instances[:1])
    )
    if not simple:
        return serializer_class(instances, many=True, context=context or {}, **kwargs).data
    plan = _prepared(serializer_class, context or {})
    if instances and isinstance(instances[0], LightRow):
        return light_rows(plan, instances)
    return lean_rows(plan, instances)


def overridden(cls) -> set[str]:
    """Names a serializer class (or a base of ours) defines over DRF's own."""
    names = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith("rest_framework"):
            break
        names.update(klass.__dict__)
    return names


# --------------------------------------------------------------------------- pages read as rows
#
# A model instance costs more to build than its row costs to read (about 10 µs for a resident's 30
# columns: `Model.__init__` sets each through its descriptor), and a list page only reads columns
# back out of it. `as_rows(serializer, queryset)` makes the queryset yield light rows instead: one
# named tuple per row, with the instance's plain attributes (each column under its attribute name,
# the annotations, `pk`), when everything the serializer reads is such an attribute. Each JSON row
# is then the values as the database gave them, in the serializer's field order, with only what is
# not JSON already converted (dates, times, method fields). A method field reads a row too if its
# method says which attributes it reads (`@reads("updated_at")`); any other method field, a nested
# serializer, a dotted source, a file column (its attribute is a FieldFile, not the text stored)
# keeps the instances.

_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def reads(*attributes: str):
    """Marks a serializer method field's `get_<name>` as reading only these attributes of its
    record, so that a page of light rows can be given to it (see `as_rows`)."""

    def mark(method):
        method.lean_reads = attributes
        return method

    return mark


class LightRow(tuple):
    """The base of the light rows' classes (`isinstance` tells a page of them from records)."""

    __slots__ = ()
    model_fields: dict = {}


_row_classes: dict[tuple, type] = {}


def _row_class(model, names: tuple[str, ...]) -> type:
    key = (model, names)
    cls = _row_classes.get(key)
    if cls is None:
        fields = {field.attname: field for field in model._meta.concrete_fields}
        base = namedtuple("Row", names)  # noqa: PYI024 - one class per model and column list
        cls = type(
            f"{model.__name__}Row",
            (base, LightRow),
            {"__slots__": (), "pk": property(attrgetter(model._meta.pk.attname)), "model_fields": fields},
        )
        _row_classes[key] = cls
    return cls


class RowIterable(BaseIterable):
    """ModelIterable's rows, each as a light row instead of a model instance: the same query, the
    same converters (SQLite's dates and booleans, JSON columns), the same annotations."""

    def __iter__(self):
        queryset = self.queryset
        compiler = queryset.query.get_compiler(using=queryset.db)
        results = compiler.execute_sql(chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size)
        select, klass_info = compiler.select, compiler.klass_info
        own = klass_info["select_fields"]
        start, end = own[0], own[-1] + 1
        names = tuple(column[0].target.attname for column in select[start:end])
        extra = tuple(compiler.annotation_col_map.items())
        cls = _row_class(queryset.model, names + tuple(name for name, _position in extra))
        make = tuple.__new__
        for row in compiler.results_iter(results):
            values = row[start:end]
            if extra:
                values = (*values, *(row[position] for _name, position in extra))
            yield make(cls, values)


def _plain_attributes(queryset: QuerySet) -> set[str] | None:
    """The attributes a light row of `queryset` has that read the same as on its instance, or None
    when its rows must stay records (values(), deferred columns, select_related, prefetching)."""
    query = queryset.query
    if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:
        return None
    if query.deferred_loading != (frozenset(), True) or query.select_related:
        return None
    model = queryset.model
    names = {
        field.attname
        for field in model._meta.concrete_fields
        if type(model.__dict__.get(field.attname)) in _PLAIN_DESCRIPTORS
    }
    extra = set(query.annotation_select) | set(query.extra_select)
    if any(not name.isidentifier() or name.startswith("_") or name == "pk" for name in extra):
        return None
    return names | extra


def _needs(serializer, plan) -> set[str] | None:
    """The attributes the plan reads from a record, or None when a field reads more than those."""
    needed = set()
    for _name, attribute, _convert, field in plan:
        if isinstance(field, f.SerializerMethodField):
            attributes = getattr(getattr(serializer, field.method_name, None), "lean_reads", None)
            if attributes is None:
                return None
            needed.update(attributes)
        elif attribute is None or field.source == "*":
            return None
        else:
            needed.add(attribute)
    return needed


def as_rows(serializer_class: type[serializers.Serializer], queryset):
    """`queryset` yielding light rows (see above) when `serializer_class` reads nothing else from
    its records; otherwise `queryset` as it is."""
    if not isinstance(queryset, QuerySet) or "to_representation" in overridden(serializer_class):
        return queryset
    available = _plain_attributes(queryset)
    if available is None:
        return queryset
    store = _local.__dict__.setdefault("row_needs", {})
    if serializer_class not in store:
        serializer = serializer_class(context={})
        store[serializer_class] = _needs(serializer, _plan(serializer))
    needed = store[serializer_class]
    if needed is None or not needed <= available:
        return queryset
    rows = queryset._chain()
    rows._iterable_class = RowIterable
    return rows


def _as_stored(field, model_field) -> bool:
    """Whether `field` gives a stored value of `model_field` out unchanged (text as text, a number
    as a number, a text choice as itself, a foreign key's id as it is)."""
    kind = type(field)
    if model_field is None:
        return False
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return model_field.is_relation  # read at the key's column (see _plan)
    if kind in (f.CharField, f.EmailField, f.SlugField, f.URLField):
        return isinstance(model_field, models.CharField | models.TextField)
    if kind.to_representation is f.ChoiceField.to_representation and isinstance(field, f.ChoiceField):
        return isinstance(model_field, models.CharField) and all(type(key) is str for key in field.choices)
    if kind is f.IntegerField or (
        kind is f.BigIntegerField
        and not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    ):
        return isinstance(model_field, models.IntegerField)
    if kind is f.BooleanField:
        return isinstance(model_field, models.BooleanField)
    return False


def _row_steps(plan, row_class) -> tuple:
    """For light rows of `row_class`: the template row (every field's name, in order), the
    attributes read straight into it, and what still needs converting: (name, convert) turns a
    value that is not None, (name, field) asks the field with the row."""
    names, attributes, converts, asks = [], [], [], []
    for name, attribute, convert, field in plan:
        names.append(name)
        if isinstance(field, f.SerializerMethodField):
            asks.append((name, field))
            continue
        model_field = row_class.model_fields.get(attribute)
        attributes.append((name, attribute))
        if _as_stored(field, model_field):
            continue
        if isinstance(field, f.DateTimeField):
            convert = convert or _datetime_converter(field)
        if convert is not None:
            converts.append((name, convert))
        else:
            asks.append((name, field))
    return dict.fromkeys(names), attributes, converts, asks


def light_rows(plan, rows: list) -> list[dict]:
    """Each light row through the plan: the same dicts as `lean_rows` gives for the instances."""
    if not rows:
        return []
    store = _local.__dict__.setdefault("row_steps", {})
    key = (id(plan), type(rows[0]))
    entry = store.get(key)
    if entry is None or entry[0] is not plan:
        entry = store[key] = (plan, _row_steps(plan, type(rows[0])))
    template, attributes, converts, asks = entry[1]
    fields = [name for name, _attribute in attributes]
    get = attrgetter(*(attribute for _name, attribute in attributes)) if attributes else None
    out = []
    for row in rows:
        data = template.copy()
        if get is not None:
            values = get(row)
            data.update(zip(fields, values, strict=True) if len(fields) > 1 else ((fields[0], values),))
        for name, convert in converts:
            value = data[name]
            if value is not None:
                data[name] = convert(value)
        for name, field in asks:
            value = _slow(field, row)
            if value is SkipField:
                del data[name]
            else:
                data[name] = value
        out.append(data)
    return out
