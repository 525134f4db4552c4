"""Community groups API: the same selectors and services as the pages, so the same scope and rules.

- Reads go through `selectors` (scoped by the user): a group outside the caller's scope is a 404,
  and roles that may not read residents (analyst, PR officer, partner) get empty lists.
- Writes go through `services`, only for office staff (403 otherwise). The services'
  `ValidationError`s become 400s with the messages per field (`mahalleh.api.errors`): a member
  added twice, a meeting dated in the future, an attendee out of scope … nothing is saved.
- A group update carries the `version` the client read; if the group changed since, the answer
  is 409 and nothing is written.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from mahalleh.api import base as api
from mahalleh.api.serializers import StrictInput
from mahalleh.community import selectors, services
from mahalleh.community.models import CommunityGroup, Meeting, Membership
from mahalleh.core.selectors import narrowed
from mahalleh.geo.selectors import neighbourhood_list
from mahalleh.registry.selectors import person_list


def _require_edit(user) -> None:
    api.require_role(selectors.can_edit_groups(user))


KindField = api.enum_field(CommunityGroup.Kind.choices, "GroupKindEnum")


RoleField = api.enum_field(Membership.Role.choices, "GroupRoleEnum")


# --------------------------------------------------------------------------- groups


class LeaderOut(serializers.Serializer):
    membership = serializers.IntegerField(source="pk")
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.full_name")


class GroupOut(api.VersionMixin, serializers.ModelSerializer):
    kind = KindField(read_only=True)
    members_count = serializers.IntegerField(read_only=True, help_text="Current members.")
    meetings_count = serializers.IntegerField(read_only=True)
    last_meeting = serializers.DateField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True, help_text="Met in the last 60 days.")
    leaders = LeaderOut(many=True, read_only=True)
    version = serializers.SerializerMethodField(
        help_text="Send it back with an update: if the group changed since, the update is refused (409)."
    )

    class Meta:
        model = CommunityGroup
        fields = [
            "id",
            "name",
            "kind",
            "office",
            "neighbourhood",
            "founded_on",
            "description",
            "members_count",
            "meetings_count",
            "last_meeting",
            "is_active",
            "leaders",
            "created_at",
            "updated_at",
            "version",
        ]


class GroupFieldsIn(StrictInput):
    name = serializers.CharField(required=False, max_length=200)
    kind = KindField(required=False)
    neighbourhood = api.IdField(
        required=False,
        allow_null=True,
        help_text="One of your office's neighbourhoods; null for all of them.",
    )
    founded_on = serializers.DateField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class GroupCreateIn(GroupFieldsIn):
    name = serializers.CharField(max_length=200)
    kind = KindField()
    founded_on = serializers.DateField()


class GroupUpdateIn(GroupFieldsIn):
    version = api.version_in("group")


class GroupFilterIn(serializers.Serializer):
    kind = KindField(required=False)
    status = serializers.ChoiceField(
        choices=[("active", "active"), ("inactive", "inactive")],
        required=False,
        help_text="active: met in the last 60 days.",
    )
    neighbourhood = api.IdField(required=False)
    office = api.IdField(required=False)


def _neighbourhood(user, data: dict) -> dict:
    """The neighbourhood id in a request body as the object (out of scope reads as unknown)."""
    return api.with_record(
        data, "neighbourhood", neighbourhood_list(user=user), _("Choose one of your office's neighbourhoods.")
    )


@api.scoped_schema(create_in=GroupCreateIn, update_in=GroupUpdateIn)
class GroupViewSet(api.ScopedViewSet):
    """Community groups (councils, women's groups, micro-savings funds, teams …) of the offices
    in your scope, with their current member count, leaders and last meeting."""

    output = GroupOut
    filter_in = GroupFilterIn

    def list_selector(self, user, status=None, kind=None, neighbourhood=None, office=None):
        active = {"active": True, "inactive": False}.get(status)
        return selectors.group_list(
            user=user, kind=kind, active=active, neighbourhood=neighbourhood, office=office
        )

    def retrieve(self, request, pk=None):
        return Response(GroupOut(selectors.group_get(user=request.user, pk=api.object_id(pk))).data)

    def create(self, request):
        _require_edit(request.user)
        d = _neighbourhood(request.user, api.valid_input(GroupCreateIn, request))
        group = services.group_create(actor=request.user, via="api", **d)
        return api.written(selectors.group_get, request, group, GroupOut, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        group = api.record_to_change(selectors.group_get, request, pk, selectors.can_edit_groups)
        d = _neighbourhood(request.user, api.valid_input(GroupUpdateIn, request))
        version = d.pop("version")
        services.group_update(actor=request.user, group=group, version=version, via="api", **d)
        return api.written(selectors.group_get, request, group, GroupOut)


# --------------------------------------------------------------------------- memberships


class MembershipOut(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    role = RoleField(read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "group", "person", "person_name", "role", "joined_on", "left_on", "is_current"]

    def get_is_current(self, obj) -> bool:
        return obj.left_on is None


class MembershipCreateIn(StrictInput):
    group = api.IdField()
    person = api.IdField(help_text="A resident of your office (see /api/v1/persons/).")
    role = RoleField(required=False, default=Membership.Role.MEMBER)
    joined_on = serializers.DateField(required=False, help_text="Default: today.")


class MembershipLeaveIn(StrictInput):
    left_on = serializers.DateField(required=False, help_text="Default: today.")


class MembershipRoleIn(StrictInput):
    role = RoleField()


class MembershipFilterIn(serializers.Serializer):
    group = api.IdField(required=False)
    person = api.IdField(required=False)
    current = serializers.ChoiceField(
        choices=[("true", "true"), ("false", "false")],
        required=False,
        help_text="true: current members only; false: past memberships only.",
    )


def _person(user, pk: int, field: str = "person"):
    return api.chosen(person_list(user=user), field, services.MESSAGES["not_in_scope"], pk=pk)


@api.scoped_schema(create_in=MembershipCreateIn)
class MembershipViewSet(api.ScopedViewSet):
    """Who is (and was) a member of which group, with their role. Leaving keeps the row (with
    `left_on`); joining again makes a new one. A resident is a current member of a group once."""

    output = MembershipOut
    filter_in = MembershipFilterIn

    def list_selector(self, user, current=None, group=None, person=None):
        qs = selectors.membership_list(user=user, current={"true": True, "false": False}.get(current))
        return narrowed(qs, group_id=group, person_id=person)

    def retrieve(self, request, pk=None):
        return Response(MembershipOut(selectors.membership_get(user=request.user, pk=api.object_id(pk))).data)

    def create(self, request):
        _require_edit(request.user)
        d = api.valid_input(MembershipCreateIn, request)
        group = selectors.group_get(user=request.user, pk=d["group"])
        person = _person(request.user, d["person"])
        membership = services.member_add(
            actor=request.user,
            group=group,
            person=person,
            role=d["role"],
            joined_on=d.get("joined_on"),
            via="api",
        )
        return Response(MembershipOut(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipLeaveIn, responses={200: MembershipOut})
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        """End the membership (the row stays in the group's history)."""
        return self._change(
            request,
            pk,
            MembershipLeaveIn,
            lambda m, d: services.member_leave(
                actor=request.user, membership=m, left_on=d.get("left_on"), via="api"
            ),
        )

    @extend_schema(request=MembershipRoleIn, responses={200: MembershipOut})
    @action(detail=True, methods=["post"])
    def role(self, request, pk=None):
        """Make a current member a leader, or a leader an ordinary member."""
        return self._change(
            request,
            pk,
            MembershipRoleIn,
            lambda m, d: services.member_set_role(
                actor=request.user, membership=m, role=d["role"], via="api"
            ),
        )

    def _change(self, request, pk, input_class, change):
        """`change(membership, input)` on the membership `pk` in scope, by an editor (403 otherwise)."""
        membership = api.record_to_change(selectors.membership_get, request, pk, selectors.can_edit_groups)
        return Response(MembershipOut(change(membership, api.valid_input(input_class, request))).data)


# --------------------------------------------------------------------------- meetings


class MeetingOut(serializers.ModelSerializer):
    attendees_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "group", "date", "place", "decisions", "attendees_count", "recorded_by", "created_at"]


class MeetingDetailOut(MeetingOut):
    attendees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(MeetingOut.Meta):
        fields = [*MeetingOut.Meta.fields, "attendees"]


class MeetingIn(StrictInput):
    group = api.IdField()
    date = serializers.DateField(help_text="Not in the future.")
    place = api.OptionalTextField(max_length=200)
    decisions = api.OptionalTextField()
    attendees = serializers.ListField(
        child=api.IdField(),
        required=False,
        default=list,
        max_length=1000,
        help_text="Residents who attended: current members of the group, or residents of your office.",
    )


class MeetingFilterIn(serializers.Serializer):
    group = api.IdField(required=False)


@api.scoped_schema(detail=MeetingDetailOut, create_in=MeetingIn)
class MeetingViewSet(api.ScopedViewSet):
    """Meetings of the groups in your scope: date, place, decisions and who attended."""

    output = MeetingOut
    filter_in = MeetingFilterIn

    def list_selector(self, user, group=None):
        return narrowed(selectors.meeting_list(user=user), group_id=group)

    def retrieve(self, request, pk=None):
        return Response(MeetingDetailOut(selectors.meeting_get(user=request.user, pk=api.object_id(pk))).data)

    def create(self, request):
        _require_edit(request.user)
        d = api.valid_input(MeetingIn, request)
        group = selectors.group_get(user=request.user, pk=d["group"])
        ids = set(d["attendees"])
        people = list(person_list(user=request.user).filter(pk__in=ids))
        unknown = sorted(ids - {p.pk for p in people})
        if unknown:
            raise ValidationError(
                {
                    "attendees": ValidationError(
                        _("These residents are not in your office's registry: %(ids)s."),
                        params={"ids": ", ".join(str(i) for i in unknown)},
                    )
                }
            )
        meeting = services.meeting_record(
            actor=request.user,
            group=group,
            date=d["date"],
            place=d["place"],
            decisions=d["decisions"],
            attendees=people,
            via="api",
        )
        return api.written(selectors.meeting_get, request, meeting, MeetingDetailOut, status.HTTP_201_CREATED)
