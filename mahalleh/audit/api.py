"""Audit API: read-only, with the same scope as the audit page (no create, update or delete)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound

from mahalleh.api import base as api
from mahalleh.audit import selectors
from mahalleh.audit.models import AuditEntry

MAX_ID = 2**63 - 1


class AuditEntryOut(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", default=None, allow_null=True, read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "user",
            "username",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "via",
            "office",
            "province",
        ]


class AuditFilterIn(serializers.Serializer):
    user = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only entries by this user."
    )
    action = serializers.ChoiceField(choices=AuditEntry.Action.choices, required=False)
    object_type = serializers.CharField(required=False, max_length=40, help_text="e.g. household, person.")
    object_id = serializers.CharField(required=False, max_length=40)
    since = serializers.DateField(required=False, help_text="From this day (inclusive, Tehran time).")
    until = serializers.DateField(required=False, help_text="Up to this day (inclusive, Tehran time).")


@extend_schema_view(list=extend_schema(parameters=[AuditFilterIn]))
class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Who read or changed what. Office managers see their office, coordinators their province,
    the national admin everything; other roles get an empty list."""

    serializer_class = AuditEntryOut

    def get_object(self):
        pk = self.kwargs["pk"]
        # Anything but a plausible id is no entry (404), never a database error.
        if not (pk.isascii() and pk.isdigit() and 0 < int(pk) <= MAX_ID):
            raise NotFound()
        return selectors.audit_get(user=self.request.user, pk=int(pk))

    def get_queryset(self):
        user = self.request.user
        if self.action != "list":
            return selectors.audit_list(user=user)
        d = api.valid_input(AuditFilterIn, self.request, query=True)
        # Filtering by a user id inside the caller's scope reveals nothing the unfiltered list doesn't.
        return selectors.audit_list(user=user, actor=d.pop("user", None), **d)
