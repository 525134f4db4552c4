"""Users API: staff accounts visible to the user, and the signed-in user's own record."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from mahalleh.accounts.models import Role, User
from mahalleh.accounts.selectors import user_list
from mahalleh.api import base as api
from mahalleh.core.selectors import narrowed


class UserOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", *User.SUMMARY_FIELDS]


class UserFilterIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    # A plain id, not validated against all offices (that would reveal which ids exist).
    office = api.IdField(required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


@api.scoped_schema()
class UserViewSet(api.ScopedReadViewSet):
    output = UserOut
    filter_in = UserFilterIn

    def list_selector(self, user, role=None, office=None, is_active=None):
        return narrowed(user_list(user=user), role=role, office_id=office, is_active=is_active)


@extend_schema(responses={200: UserOut})
@api_view(["GET"])
def me(request):
    """The signed-in user: role and scope."""
    return Response(UserOut(request.user).data)
