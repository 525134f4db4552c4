"""Input serializers that refuse what they do not know."""

from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictInput(serializers.Serializer):
    """A request body (JSON object) that names a field the endpoint does not take is refused
    with a 400 naming that field — a typo (``birthdate`` for ``birth_date``) is never silently
    ignored. Query parameters (a QueryDict) are not checked: ``cursor`` and ``page_size`` sit
    beside the filters."""

    def to_internal_value(self, data):
        if type(data) is dict:  # a parsed JSON object, not a QueryDict
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown field: this endpoint does not take it.")] for name in unknown}
                )
        return super().to_internal_value(data)
