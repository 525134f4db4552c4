"""The shapes every app's API is made of: ids, versions, errors, pages and the scoped viewset.

An app's `api.py` declares its input and output serializers and which selector lists its records;
`ScopedViewSet` does the rest the same way everywhere:

    filter input (a serializer of query parameters) -> selector(user=…, **filters) -> keyset page
    -> output serializer

Retrieves go through the app's `*_get` selector (404 outside the caller's scope) and writes through
its services; `require_role` refuses a role that may not write (403).

An app's `api.py` imports this module as one name, `from mahalleh.api import base as api`, and
says `api.IdField`, `api.valid_input` … as it says `selectors.…` and `services.…`.
"""

from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.response import Response

from mahalleh.api.lean import as_rows, lean_data, overridden, reads
from mahalleh.api.serializers import QUERY_PARAMETERS
from mahalleh.core.services import version_token

# The largest id a bigint column holds: a bigger number is simply no record (not a database error).
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """The id of a record, in a request body or a query parameter."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class OptionalTextField(serializers.CharField):
    """Free text an input may leave out or send blank: it is then "" (a note, a place, a caption)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_blank=True, default="", **kwargs)


def object_id(value) -> int:
    """The id in a URL as an int; anything else is no record (404), never a server error."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    raise exceptions.NotFound()


def chosen(queryset, field: str, message, **lookup):
    """The record of `queryset` (what the caller may choose) matching `lookup`, for a body or a
    filter naming it at `field`; none is bad input: a 400 with `message` at `field`, so an id out
    of scope reads as unknown."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise exceptions.ValidationError({field: [message]})
    return found


def with_record(data: dict, field: str, queryset, message) -> dict:
    """`data` (a validated body) with the id at `field` replaced by its record, `chosen` among
    `queryset` (a 400 at `field` otherwise); an absent or null id is left as it is."""
    if data.get(field) is None:
        return data
    return {**data, field: chosen(queryset, field, message, pk=data[field])}


class VersionMixin(serializers.Serializer):
    version = serializers.SerializerMethodField(
        help_text="Send it back with an update: if the record changed since, the update is refused (409)."
    )

    @extend_schema_field(OpenApiTypes.STR)
    @reads("updated_at")
    def get_version(self, obj) -> str:
        return version_token(obj)


def version_in(thing: str, *, required: bool = True) -> serializers.CharField:
    """The `version` an input sends back (see `VersionMixin`): required for an edit, optional for a
    step such as a transition; a record changed since it was read is refused (409) either way."""
    if required:
        return serializers.CharField(help_text=f"Required: the `version` of the {thing} as you read it.")
    return serializers.CharField(
        required=False,
        help_text=f"The `version` of the {thing} as you read it; refused (409) if it changed since.",
    )


def enum_field(choices, component_name: str) -> type[serializers.ChoiceField]:
    """A choice field whose values are one named enum in the schema (`component_name`), not an
    enum drf-spectacular names by a hash when two fields share a name with different values."""
    choices = list(choices)

    @extend_schema_field(
        {"type": "string", "enum": [value for value, _label in choices]}, component_name=component_name
    )
    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    return EnumField


def blank_as_null_enum(values, component_name: str) -> type[serializers.CharField]:
    """An output field for a text column whose empty value means "none (yet)": one named enum of
    `values` in the schema (`component_name`), answered as null when the column is empty."""

    @extend_schema_field(
        {"type": "string", "enum": list(values), "nullable": True}, component_name=component_name
    )
    class BlankAsNullField(serializers.CharField):
        def to_representation(self, value):
            return value or None

    return BlankAsNullField


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


STALE_RESPONSE = {409: ErrorOut}


def scoped_schema(*, detail=None, retrieve=True, create_in=None, update_in=None, output=None):
    """A class decorator: the OpenAPI description of a scoped viewset's standard actions, in one
    shape. The list takes the viewset's `filter_in` query parameters and answers `output` rows;
    retrieve answers `detail` (default `output`); create takes `create_in` and answers 201 with
    `detail`; partial_update takes `update_in` and answers 200 with `detail`, or 409 when the
    record changed since it was read. `output` is only for a viewset that does not declare it."""

    def decorate(viewset):
        rows = output or viewset.output
        filter_in = getattr(viewset, "filter_in", None)
        shown = detail or rows
        actions = {
            "list": extend_schema(
                **({"parameters": [filter_in]} if filter_in else {}), responses=rows(many=True)
            )
        }
        if retrieve:
            actions["retrieve"] = extend_schema(responses=shown)
        if create_in:
            actions["create"] = extend_schema(request=create_in, responses={201: shown})
        if update_in:
            actions["partial_update"] = extend_schema(
                request=update_in, responses={200: shown, **STALE_RESPONSE}
            )
        return extend_schema_view(**actions)(viewset)

    return decorate


def require_role(allowed: bool) -> None:
    """Refuse (403) a write the caller's role does not allow."""
    if not allowed:
        raise exceptions.PermissionDenied(_("Your role does not allow this action."))


def record_to_change(get, request, pk, may_change) -> object:
    """The record `pk` a request changes, through the app's `*_get` selector: a 404 outside the
    caller's scope first (out of scope reads as absent to every role), then a 403 when
    `may_change(user)` is false."""
    record = get(user=request.user, pk=object_id(pk))
    require_role(may_change(request.user))
    return record


def written(get, request, record, serializer_class, code: int = 200) -> Response:
    """The answer to a write: `record` read again through the app's `*_get` selector (its counts
    and version as stored), through `serializer_class`."""
    return Response(serializer_class(get(user=request.user, pk=record.pk)).data, status=code)


def valid_input(serializer_class, request, *, query: bool = False) -> dict:
    """The request's body (or, with `query`, its query parameters) validated by `serializer_class`:
    a copy of the validated data, or a 400 with the messages per field."""
    if query:
        if not _names_a_filter(serializer_class, request.query_params):
            return {}
        data = serializer_class(data=request.query_params, context={QUERY_PARAMETERS: True})
    else:
        data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


# Per filter serializer: the beginnings of the parameter names it reads, when a query naming none of
# them validates to {}; None when it must always be asked.
_FILTER_NAMES: dict[type, tuple[str, ...] | None] = {}
_WHOLE_INPUT_CHECKS = {"validate", "to_internal_value", "run_validation", "is_valid", "get_validators"}


def _names_a_filter(serializer_class, params) -> bool:
    """Whether validating the query parameters with `serializer_class` can give more than {}.

    A list read with only `page_size` or `cursor` (most of them) would otherwise build and run the
    filter serializer each time to learn it has nothing (0.2 ms of a 5 ms request). A field reads
    its own parameter (a list or dict field also `name[0]`, `name.key`); a serializer with a default
    value, a field that is never absent (a yes/no read from a query string is false when absent),
    or a check of the input as a whole is always asked."""
    if serializer_class not in _FILTER_NAMES:
        names = None
        if not _WHOLE_INPUT_CHECKS & overridden(serializer_class):
            empty = serializer_class(data=QueryDict(), context={QUERY_PARAMETERS: True})
            if empty.is_valid() and dict(empty.validated_data) == {}:
                names = tuple(empty.fields)
        _FILTER_NAMES[serializer_class] = names
    names = _FILTER_NAMES[serializer_class]
    return names is None or any(key.startswith(names) for key in params)


def paginated(view, queryset, serializer_class, **serializer_kwargs):
    """One keyset page of `queryset`, serialized with `serializer_class`."""
    page = view.paginate_queryset(queryset)
    return view.get_paginated_response(lean_data(serializer_class, page, **serializer_kwargs))


class ScopedViewSet(viewsets.GenericViewSet):
    """A list endpoint in one shape: `filter_in` validates the query parameters, `list_selector`
    returns what the caller may see, and a keyset page of it goes out through `output`.

    Subclasses set `output` (the output serializer), optionally `filter_in`, and
    `list_selector(user=…, **filters)`: the app's selector itself
    (`list_selector = staticmethod(selectors.x_list)`), or a method that narrows it further.
    """

    output: type[serializers.Serializer]
    filter_in: type[serializers.Serializer] | None = None

    def get_serializer_class(self):
        return self.output

    def get_queryset(self):
        return self.list_selector(user=self.request.user)

    def list_selector(self, user, **filters):
        raise NotImplementedError

    def list_filters(self, request) -> dict:
        if self.filter_in is None:
            return {}
        return valid_input(self.filter_in, request, query=True)

    def output_context(self) -> dict:
        return {}

    def page_context(self, page) -> dict:
        """More serializer context for one list page (figures computed for its rows only)."""
        return {}

    def page_rows(self, page) -> list:
        """What `output` serializes for one list page: its records, or rows made from them."""
        return page

    def list(self, request):
        queryset = self.list_selector(user=request.user, **self.list_filters(request))
        if self._pages_rows_as_read():
            queryset = as_rows(self.output, queryset)  # light rows when `output` reads columns only
        page = self.paginate_queryset(queryset)
        context = {**self.output_context(), **self.page_context(page)}
        return self.get_paginated_response(lean_data(self.output, self.page_rows(page), context=context))

    def _pages_rows_as_read(self) -> bool:
        """The page goes to `output` as it is read (no `page_rows`, no `page_context` per record)."""
        kind = type(self)
        return kind.page_rows is ScopedViewSet.page_rows and kind.page_context is ScopedViewSet.page_context

    def get_object(self):
        """The record `pk` among those the caller may see: any other id (or no number) is a 404."""
        return get_object_or_404(self.get_queryset(), pk=object_id(self.kwargs["pk"]))


class ScopedReadViewSet(ScopedViewSet):
    """`ScopedViewSet` with a retrieve: the same selector, one record."""

    def retrieve(self, request, pk=None):
        return Response(self.output(self.get_object(), context=self.output_context()).data)
