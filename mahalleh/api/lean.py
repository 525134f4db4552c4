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
from collections.abc import Callable, Mapping

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
        and "to_representation" not in _overrides(serializer_class)
        and not any(isinstance(row, Mapping) for row in instances[:1])
    )
    if not simple:
        return serializer_class(instances, many=True, context=context or {}, **kwargs).data
    return lean_rows(_prepared(serializer_class, context or {}), instances)


def _overrides(cls) -> set[str]:
    """Names a serializer class (or a base of ours) defines over DRF's own."""
    names = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith("rest_framework"):
            break
        names.update(klass.__dict__)
    return names
