"""Input serializers that refuse what they do not know."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import serializers

# Set in the serializer context by `api.base.valid_input` when the data are the query parameters.
QUERY_PARAMETERS = "query_parameters"


class StrictInput(serializers.Serializer):
    """A request body -- a JSON object, or the fields of a multipart upload (a QueryDict) -- that
    names a field the endpoint does not take is refused with a 400 naming that field: a typo
    (``birthdate`` for ``birth_date``) is never silently ignored. Query parameters are not checked
    (``valid_input(..., query=True)`` says so in the context): ``cursor`` and ``page_size`` sit
    beside the filters."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and not self.context.get(QUERY_PARAMETERS):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown field: this endpoint does not take it.")] for name in unknown}
                )
        return super().to_internal_value(data)
