"""Activities API: the same selectors and services as the pages, so the same scope and the same rules.

- Reads go through `selectors`: an activity, session or enrolment outside the caller's office (or
  province) is a 404, and roles that may not see residents get empty lists.
- Writes go through `services`, only for office managers and facilitators of the activity's office
  (403 for the read-only roles). Service errors are 400s with the messages per field.
- ``POST /sessions/{id}/attendance/`` saves marks as an upsert: sending the same marks twice, or
  from two devices at once, never makes two rows for one person.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from mahalleh.activities import selectors, services
from mahalleh.activities.models import Activity, Enrolment, Session
from mahalleh.api import base as api
from mahalleh.api.serializers import StrictInput
from mahalleh.registry.selectors import AGE_GROUPS, person_get

# --------------------------------------------------------------------------- shared pieces


KindField = api.enum_field(Activity.Kind.choices, "ActivityKindEnum")


ActivitySexField = api.enum_field(Activity.Sex.choices, "ActivitySexEnum")


AgeGroupField = api.enum_field([(g, g) for g in AGE_GROUPS], "ActivityAgeGroupEnum")


def _require_edit(user) -> None:
    api.require_role(selectors.can_edit_activities(user))


def _rate(attended: int, expected: int) -> float | None:
    return selectors.Rate(attended, expected).value


# --------------------------------------------------------------------------- activities


class ActivityOut(api.VersionMixin, serializers.ModelSerializer):
    kind = KindField(read_only=True)
    sex = ActivitySexField(read_only=True)
    age_groups = serializers.ListField(child=AgeGroupField(), read_only=True, help_text="Empty: every age.")
    enrolled_count = serializers.IntegerField(read_only=True, help_text="Enrolled and not left.")
    sessions_count = serializers.IntegerField(read_only=True)
    attended = serializers.SerializerMethodField(help_text="Present marks of enrolled residents.")
    expected = serializers.SerializerMethodField(
        help_text="Places of enrolled residents on the sessions held (attendance taken, not in the future)."
    )
    attendance_rate = serializers.SerializerMethodField(help_text="attended / expected; null before any.")

    class Meta:
        model = Activity
        fields = [
            "id",
            "office",
            *services.ACTIVITY_FIELDS,
            "enrolled_count",
            "sessions_count",
            "attended",
            "expected",
            "attendance_rate",
            "created_at",
            "updated_at",
            "version",
        ]

    def _r(self, obj) -> selectors.Rate:
        rates = self.context.get("rates") or {}
        return rates.get(obj.pk) or selectors.activity_rate(obj)

    def get_attended(self, obj) -> int:
        return self._r(obj).attended

    def get_expected(self, obj) -> int:
        return self._r(obj).expected

    def get_attendance_rate(self, obj) -> float | None:
        return self._r(obj).value


class ActivityFieldsIn(StrictInput):
    kind = KindField(required=False)
    title = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    age_groups = serializers.ListField(child=AgeGroupField(), required=False)
    sex = ActivitySexField(required=False)
    partner = api.IdField(required=False, allow_null=True, help_text="A partner organisation's id, or null.")
    facilitator = api.IdField(
        required=False, help_text="A staff account of the office (manager or facilitator)."
    )
    place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False, allow_null=True)


class ActivityCreateIn(ActivityFieldsIn):
    kind = KindField()
    title = serializers.CharField(max_length=200)
    facilitator = api.IdField(help_text="A staff account of the office (manager or facilitator).")
    starts_on = serializers.DateField()


class ActivityUpdateIn(ActivityFieldsIn):
    version = api.version_in("activity")


class ActivityFilterIn(serializers.Serializer):
    kind = KindField(required=False)
    state = serializers.ChoiceField(
        choices=[("current", "current"), ("finished", "finished")],
        required=False,
        help_text="current: not ended yet (upcoming included); finished: ended before today.",
    )


def _resolve_people(office, d: dict) -> dict:
    """Turn the facilitator's and the partner's ids into records the office may use (400 otherwise)."""
    d = api.with_record(
        d,
        "facilitator",
        selectors.facilitator_choices(office=office),
        _("The responsible facilitator must be on the staff of this office."),
    )
    return api.with_record(
        d,
        "partner",
        selectors.partner_choices(office=office),
        _("This partner organisation does not work in this province."),
    )


@api.scoped_schema(create_in=ActivityCreateIn, update_in=ActivityUpdateIn)
class ActivityViewSet(api.ScopedViewSet):
    """Activities of the office (a province's or the whole country's for the coordinator and the admin)."""

    output = ActivityOut
    filter_in = ActivityFilterIn

    list_selector = staticmethod(selectors.activity_list)

    def page_context(self, page) -> dict:
        return {"rates": selectors.activity_rates([a.pk for a in page])}

    def retrieve(self, request, pk=None):
        return Response(ActivityOut(selectors.activity_get(user=request.user, pk=api.object_id(pk))).data)

    def create(self, request):
        _require_edit(request.user)
        data = api.valid_input(ActivityCreateIn, request)
        d = _resolve_people(request.user.office, data)
        activity = services.activity_create(actor=request.user, via="api", **d)
        return api.written(selectors.activity_get, request, activity, ActivityOut, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        activity = api.record_to_change(selectors.activity_get, request, pk, selectors.can_edit_activities)
        d = api.valid_input(ActivityUpdateIn, request)
        version = d.pop("version")
        d = _resolve_people(activity.office, d)
        services.activity_update(actor=request.user, activity=activity, version=version, via="api", **d)
        return api.written(selectors.activity_get, request, activity, ActivityOut)


# --------------------------------------------------------------------------- enrolments


class EnrolmentOut(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    attended = serializers.IntegerField(read_only=True)
    expected = serializers.IntegerField(read_only=True)
    attendance_rate = serializers.SerializerMethodField(help_text="attended / expected; null before any.")

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "activity",
            "person",
            "person_name",
            "enrolled_on",
            "left_on",
            "attended",
            "expected",
            "attendance_rate",
        ]

    def get_attendance_rate(self, obj) -> float | None:
        return _rate(obj.attended, obj.expected)


class EnrolmentIn(StrictInput):
    activity = api.IdField()
    person = api.IdField()
    enrolled_on = serializers.DateField(required=False, help_text="Today by default.")


class LeaveIn(StrictInput):
    on = serializers.DateField(required=False, help_text="The day they left; today by default.")


class LeaveOut(serializers.Serializer):
    removed = serializers.BooleanField(help_text="true: the enrolment had no attendance and was removed.")
    enrolment = EnrolmentOut(allow_null=True, help_text="The enrolment with its end date; null if removed.")


class EnrolmentFilterIn(serializers.Serializer):
    activity = api.IdField(required=False)
    person = api.IdField(required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


def _enrolment_out(user, pk) -> dict:
    return EnrolmentOut(selectors.with_attendance(selectors.enrolment_list(user=user)).get(pk=pk)).data


@api.scoped_schema(create_in=EnrolmentIn)
class EnrolmentViewSet(api.ScopedViewSet):
    """Residents enrolled in activities, with their attendance so far."""

    output = EnrolmentOut
    filter_in = EnrolmentFilterIn

    def get_queryset(self):
        return selectors.enrolment_list(user=self.request.user)

    def list_selector(self, user, **filters):
        return selectors.with_attendance(selectors.enrolment_list(user=user, **filters))

    def retrieve(self, request, pk=None):
        enrolment = selectors.enrolment_get(user=request.user, pk=api.object_id(pk))
        return Response(_enrolment_out(request.user, enrolment.pk))

    def create(self, request):
        _require_edit(request.user)
        d = api.valid_input(EnrolmentIn, request)
        activity = selectors.activity_get(user=request.user, pk=d["activity"])
        person = person_get(user=request.user, pk=d["person"])  # another office's resident: 404
        try:
            enrolment = services.enrol(
                actor=request.user, activity=activity, person=person, on=d.get("enrolled_on"), via="api"
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "on" in exc.error_dict:
                exc.error_dict["enrolled_on"] = exc.error_dict.pop("on")
            raise
        return Response(_enrolment_out(request.user, enrolment.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=LeaveIn, responses=LeaveOut)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        """Take the resident off the activity. With attendance recorded the enrolment is kept with the
        day they left; without any it was a mistake and is removed (`removed: true`)."""
        enrolment = api.record_to_change(selectors.enrolment_get, request, pk, selectors.can_edit_activities)
        data = api.valid_input(LeaveIn, request)
        kept = services.unenrol(actor=request.user, enrolment=enrolment, on=data.get("on"), via="api")
        if kept is None:
            return Response({"removed": True, "enrolment": None})
        return Response({"removed": False, "enrolment": _enrolment_out(request.user, kept.pk)})


# --------------------------------------------------------------------------- sessions and attendance


class WallTimeField(serializers.TimeField):
    """A time of day in Iran, with its UTC offset (`10:00:00+03:30`), so it is a valid RFC 3339
    `format: time`. Written back, the offset may be left out."""

    def to_representation(self, value):
        if value is None:
            return None
        aware = datetime.datetime.combine(timezone.localdate(), value, tzinfo=timezone.get_current_timezone())
        return aware.isoformat(timespec="seconds")[11:]  # "10:00:00+03:30"


class SessionOut(serializers.ModelSerializer):
    start_time = WallTimeField(allow_null=True, read_only=True)
    end_time = WallTimeField(allow_null=True, read_only=True)
    present_count = serializers.IntegerField(read_only=True)
    marked_count = serializers.IntegerField(read_only=True, help_text="Marks recorded (present or absent).")

    class Meta:
        model = Session
        fields = [
            "id",
            "activity",
            "date",
            "start_time",
            "end_time",
            "topic",
            "note",
            "present_count",
            "marked_count",
            "created_at",
        ]


class SessionIn(StrictInput):
    activity = api.IdField()
    date = serializers.DateField()
    start_time = serializers.TimeField(required=False, allow_null=True)
    end_time = serializers.TimeField(required=False, allow_null=True)
    topic = api.OptionalTextField(max_length=200)
    note = api.OptionalTextField()


class SessionFilterIn(serializers.Serializer):
    activity = api.IdField(required=False)


class MarkIn(StrictInput):
    person = api.IdField()
    present = serializers.BooleanField()


class AttendanceIn(StrictInput):
    marks = MarkIn(many=True, required=False, default=list)
    walk_ins = serializers.ListField(
        child=api.IdField(),
        required=False,
        default=list,
        help_text="Residents who came without being enrolled.",
    )


class AttendanceLineOut(serializers.Serializer):
    person = serializers.IntegerField()
    person_name = serializers.CharField()
    enrolled = serializers.BooleanField()
    present = serializers.BooleanField(allow_null=True, help_text="null: not marked yet.")


class AttendanceOut(serializers.Serializer):
    session = serializers.IntegerField()
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    not_marked = serializers.IntegerField()
    lines = AttendanceLineOut(many=True)


def _attendance_out(session) -> dict:
    lines = selectors.attendance_sheet(session)
    return AttendanceOut(
        {
            "session": session.pk,
            "present": sum(1 for m in lines if m.saved is not None and m.saved.present),
            "absent": sum(1 for m in lines if m.saved is not None and not m.saved.present),
            "not_marked": sum(1 for m in lines if m.saved is None),
            "lines": [
                {
                    "person": m.person.pk,
                    "person_name": m.person.full_name,
                    "enrolled": m.enrolled,
                    "present": m.saved.present if m.saved is not None else None,
                }
                for m in lines
            ],
        }
    ).data


@api.scoped_schema(create_in=SessionIn)
class SessionViewSet(api.ScopedViewSet):
    """Sessions of activities, and their attendance."""

    output = SessionOut
    filter_in = SessionFilterIn

    def list_selector(self, user, activity=None):
        if activity is not None:
            activity = selectors.activity_get(user=user, pk=activity)
        return selectors.session_list(user=user, activity=activity)

    def retrieve(self, request, pk=None):
        return Response(SessionOut(selectors.session_get(user=request.user, pk=api.object_id(pk))).data)

    def create(self, request):
        _require_edit(request.user)
        d = api.valid_input(SessionIn, request)
        activity = selectors.activity_get(user=request.user, pk=d.pop("activity"))
        session = services.session_create(actor=request.user, activity=activity, via="api", **d)
        return api.written(selectors.session_get, request, session, SessionOut, status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=AttendanceOut)
    @extend_schema(methods=["post"], request=AttendanceIn, responses=AttendanceOut)
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request, pk=None):
        """GET: the attendance sheet (enrolled residents and walk-ins, with their marks).
        POST: save marks ({person, present}) and walk-ins (present, not enrolled). Idempotent; all or
        nothing: one resident outside your office refuses the whole save (400)."""
        session = selectors.session_get(user=request.user, pk=api.object_id(pk))
        if request.method == "POST":
            _require_edit(request.user)
            d = api.valid_input(AttendanceIn, request)
            services.attendance_save(
                actor=request.user,
                session=session,
                marks={m["person"]: m["present"] for m in d["marks"]},
                walk_ins=d["walk_ins"],
                via="api",
            )
        return Response(_attendance_out(session))
