"""Users API: staff accounts visible to the user, and the signed-in user's own record."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from mahalleh.accounts.models import User
from mahalleh.accounts.selectors import user_list
from mahalleh.api.filters import IdFilter


class UserOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "role",
            "province",
            "office",
            "partner",
            "is_active",
        ]


class UserFilter(django_filters.FilterSet):
    # A plain id, not validated against all offices (that would reveal which ids exist).
    office = IdFilter(field_name="office_id")

    class Meta:
        model = User
        fields = ["role", "office", "is_active"]


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserOut
    filterset_class = UserFilter

    def get_queryset(self):
        return user_list(user=self.request.user)


@extend_schema(responses={200: UserOut})
@api_view(["GET"])
def me(request):
    """The signed-in user: role and scope."""
    return Response(UserOut(request.user).data)
