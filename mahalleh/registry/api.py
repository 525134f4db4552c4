"""Registry API: the same selectors and services as the pages, so the same scope and the same rules.

- Reads go through `selectors` (scoped by the user): a record outside the caller's scope is a 404,
  and roles that may not read the registry (analyst, PR officer, partner) get empty lists.
- Writes go through `services`, only for roles that may edit the registry (403 otherwise). The
  services' `ValidationError`s become 400s with the messages per field (`mahalleh.api.errors`).
- An update carries the `version` the client read; if someone changed the record since, the
  answer is 409 and nothing is written.
- Every retrieve of a household, a resident or a harm case is written to the audit trail.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from mahalleh.api import base as api
from mahalleh.api.serializers import StrictInput
from mahalleh.audit.services import audit_record
from mahalleh.geo.selectors import neighbourhood_get
from mahalleh.registry import selectors, services
from mahalleh.registry.exports import user_place
from mahalleh.registry.models import Assessment, Consent, HarmCase, HarmCaseEvent, HarmType, Household, Person
from mahalleh.registry.services import DuplicateWarning

SEARCH_LIMIT = 500

# --------------------------------------------------------------------------- shared pieces


def _require_edit(user) -> None:
    api.require_role(selectors.can_edit_registry(user))


def _duplicate_response(user, warning: DuplicateWarning) -> Response:
    """400 with the message, and the existing record's id only if the caller may see it.

    National codes are unique across the country, so the existing record may be in another
    office: then the caller learns only that the code is taken, not which record has it.
    """
    existing = warning.existing
    visible = selectors.person_list(user=user).filter(pk=existing.pk).exists()
    field = "national_code" if warning.code == "duplicate_code" else "non_field_errors"
    return Response(
        {
            field: [warning.messages[0]],
            "duplicate": {
                "code": warning.code,
                "existing_id": existing.pk if visible else None,
                # A same-name-and-birth-date warning can be overridden with confirm_duplicate=true.
                "confirmable": warning.code == "duplicate_name",
            },
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def _choice(choices, **kwargs):
    return serializers.ChoiceField(choices=choices, **kwargs)


def _search(help_text: str) -> serializers.CharField:
    """The registry's search box (as long as the list page's): what it matches is `help_text`."""
    return serializers.CharField(required=False, max_length=100, help_text=help_text)


# Residents and harm cases both have a `status`, with different values: each its own named enum.
PersonStatusField = api.enum_field(Person.Status.choices, "PersonStatusEnum")
HarmStatusField = api.enum_field(HarmCase.Status.choices, "HarmCaseStatusEnum")


# --------------------------------------------------------------------------- harm types


class HarmTypeOut(serializers.ModelSerializer):
    class Meta:
        model = HarmType
        fields = ["id", "code", "name_fa", "name_en"]


class HarmTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The social-harm taxonomy (ids for `harm_type` in harm cases and the household filter)."""

    serializer_class = HarmTypeOut

    def get_queryset(self):
        return selectors.harm_types()

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=api.object_id(self.kwargs["pk"]))


# --------------------------------------------------------------------------- persons


class PersonOut(api.VersionMixin, serializers.ModelSerializer):
    status = PersonStatusField(read_only=True)

    class Meta:
        model = Person
        # The resident's own fields are the ones the services write (one list, services.PERSON_FIELDS).
        fields = [
            "id",
            "household",
            *services.PERSON_FIELDS,
            "status",
            "status_changed_on",
            "created_at",
            "updated_at",
            "version",
        ]


class MemberOut(serializers.ModelSerializer):
    status = PersonStatusField(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "first_name", "last_name", "relation", "sex", "birth_date", "status"]


class PersonFieldsIn(StrictInput):
    """The resident's own fields; on an update, only the ones sent are changed."""

    id_type = _choice(Person.IdType.choices, required=False)
    national_code = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=20,
        help_text="10 digits, with check digit.",
    )
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    first_name = serializers.CharField(required=False, max_length=100)
    last_name = serializers.CharField(required=False, max_length=100)
    father_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    sex = _choice(Person.Sex.choices, required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    relation = _choice(Person.Relation.choices, required=False)
    nationality = _choice(Person.Nationality.choices, required=False)
    education = _choice(Person.Education.choices, required=False, allow_blank=True)
    school_enrolled = serializers.BooleanField(required=False, allow_null=True)
    employment = _choice(Person.Employment.choices, required=False, allow_blank=True)
    disability = _choice(Person.Disability.choices, required=False)
    insurance = _choice(Person.Insurance.choices, required=False, allow_blank=True)
    mobile = serializers.CharField(required=False, allow_blank=True, max_length=20)
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Register anyway after a same-name-and-birth-date warning (never for a national code).",
    )


class PersonCreateIn(PersonFieldsIn):
    household = api.IdField()
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    sex = _choice(Person.Sex.choices)
    relation = _choice(Person.Relation.choices)


class PersonUpdateIn(PersonFieldsIn):
    version = api.version_in("record")


class PersonFilterIn(serializers.Serializer):
    q = _search("Any part of a name (however spelled), a national code or a mobile.")
    household = api.IdField(required=False)
    status = PersonStatusField(required=False)


def _record_of(request, input_class, owner: str, get, record, output_class) -> Response:
    """A record kept of a resident or a household (a consent, an assessment): the body through
    `input_class`, whose id at `owner` is the person or household (`get`: 404 outside the caller's
    scope), written by the service `record`; 201 with it through `output_class`."""
    _require_edit(request.user)
    d = api.valid_input(input_class, request)
    d[owner] = get(user=request.user, pk=d[owner])
    return Response(
        output_class(record(actor=request.user, via="api", **d)).data, status=status.HTTP_201_CREATED
    )


def _viewed(request, get, pk):
    """The record `pk` through its `*_get` selector (404 outside the caller's scope), its reading
    written to the audit trail."""
    obj = get(user=request.user, pk=api.object_id(pk))
    audit_record(user=request.user, action="view", obj=obj, via="api")
    return obj


class PersonalDataViewSet(api.ScopedViewSet):
    """Residents' records: never kept by a browser or proxy cache (`Cache-Control: no-store`),
    and every list page read is one audit entry with the ids it returned."""

    audit_type = ""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def list(self, request):
        response = super().list(request)
        ids = [row["id"] for row in response.data["results"]]
        office_id, province_id = user_place(request.user)
        audit_record(
            user=request.user,
            action="list",
            object_type=self.audit_type,
            changes={"ids": ids, "filters": {k: str(v) for k, v in request.query_params.items()}},
            via="api",
            office_id=office_id,
            province_id=province_id,
        )
        return response


@api.scoped_schema(create_in=PersonCreateIn, update_in=PersonUpdateIn)
class PersonViewSet(PersonalDataViewSet):
    """Residents. `q` searches names through the Persian search key, national codes and mobiles."""

    output = PersonOut
    filter_in = PersonFilterIn
    audit_type = "person"

    def list_selector(self, user, q=None, **filters):
        # The list shows the household's id only: no join to the household and its neighbourhood
        # (two model instances less per row), so the page is the (office_id, id) range scan alone.
        qs = selectors.person_list(user=user, **filters).select_related(None)
        if q:
            ids = list(
                selectors.person_search(user=user, query=q, limit=SEARCH_LIMIT).values_list("pk", flat=True)
            )
            qs = qs.filter(pk__any=ids)
        return qs

    def retrieve(self, request, pk=None):
        return Response(PersonOut(_viewed(request, selectors.person_get, pk)).data)

    def create(self, request):
        _require_edit(request.user)
        d = api.valid_input(PersonCreateIn, request)
        household = selectors.household_get(user=request.user, pk=d.pop("household"))
        confirm = d.pop("confirm_duplicate", False)
        try:
            person = services.person_create(
                actor=request.user, household=household, confirm_duplicate=confirm, via="api", **d
            )
        except DuplicateWarning as warning:
            return _duplicate_response(request.user, warning)
        return Response(PersonOut(person).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        person = api.record_to_change(selectors.person_get, request, pk, selectors.can_edit_registry)
        d = api.valid_input(PersonUpdateIn, request)
        version = d.pop("version")
        confirm = d.pop("confirm_duplicate", False)
        try:
            person = services.person_update(
                actor=request.user, person=person, version=version, confirm_duplicate=confirm, via="api", **d
            )
        except DuplicateWarning as warning:
            return _duplicate_response(request.user, warning)
        return Response(PersonOut(person).data)


# --------------------------------------------------------------------------- households


class HouseholdOut(api.VersionMixin, serializers.ModelSerializer):
    head_name = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = [
            "id",
            "neighbourhood",
            "address",
            "phone",
            "tenure",
            "income_band",
            "head",
            "head_name",
            "external_id",
            "vulnerability",
            "created_at",
            "updated_at",
            "version",
        ]

    def get_head_name(self, obj) -> str:
        return obj.head.full_name if obj.head_id else ""


class HouseholdDetailOut(HouseholdOut):
    members = MemberOut(many=True, read_only=True)

    class Meta(HouseholdOut.Meta):
        fields = [*HouseholdOut.Meta.fields, "members"]


class HouseholdFieldsIn(StrictInput):
    address = serializers.CharField(required=False, allow_blank=True, max_length=400)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    tenure = _choice(Household.Tenure.choices, required=False, allow_blank=True)
    income_band = _choice(Household.Income.choices, required=False, allow_blank=True)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=64)


class HouseholdCreateIn(HouseholdFieldsIn):
    neighbourhood = api.IdField()


class HouseholdUpdateIn(HouseholdFieldsIn):
    version = api.version_in("household")


class HouseholdFilterIn(serializers.Serializer):
    """The filters of the household list page."""

    q = _search("Households with a member matching a name, national code or mobile.")
    neighbourhood = api.IdField(required=False)
    harm_type = api.IdField(required=False, help_text="Households with an open case of this harm.")
    age_group = _choice(
        [(k, k) for k in selectors.AGE_GROUPS], required=False, help_text="Has a member aged …"
    )
    consent = _choice(
        [("given", "given"), ("missing", "missing")],
        required=False,
        help_text="Registry consent given by a member.",
    )
    vulnerability_min = serializers.IntegerField(required=False, min_value=0, max_value=100)


@api.scoped_schema(detail=HouseholdDetailOut, create_in=HouseholdCreateIn, update_in=HouseholdUpdateIn)
class HouseholdViewSet(PersonalDataViewSet):
    """Households, with the list page's filters. A household's members come with the household."""

    output = HouseholdOut
    filter_in = HouseholdFilterIn
    audit_type = "household"

    def list_selector(self, user, q=None, **filters):
        return selectors.household_list(user=user, query=q, **filters)

    def retrieve(self, request, pk=None):
        return Response(HouseholdDetailOut(_viewed(request, selectors.household_get, pk)).data)

    def create(self, request):
        _require_edit(request.user)
        d = api.valid_input(HouseholdCreateIn, request)
        neighbourhood = neighbourhood_get(user=request.user, pk=d.pop("neighbourhood"))
        household = services.household_create(actor=request.user, neighbourhood=neighbourhood, via="api", **d)
        return api.written(
            selectors.household_get, request, household, HouseholdDetailOut, status.HTTP_201_CREATED
        )

    def partial_update(self, request, pk=None):
        household = api.record_to_change(selectors.household_get, request, pk, selectors.can_edit_registry)
        d = api.valid_input(HouseholdUpdateIn, request)
        version = d.pop("version")
        services.household_update(actor=request.user, household=household, version=version, via="api", **d)
        return api.written(selectors.household_get, request, household, HouseholdDetailOut)


# --------------------------------------------------------------------------- harm cases


class HarmCaseEventOut(serializers.ModelSerializer):
    from_status = serializers.SerializerMethodField(help_text="Empty for the first step.")
    to_status = HarmStatusField(read_only=True)

    class Meta:
        model = HarmCaseEvent
        fields = ["id", "from_status", "to_status", "on", "note", "by", "at"]

    def get_from_status(self, obj) -> str:
        return obj.from_status


class HarmCaseOut(api.VersionMixin, serializers.ModelSerializer):
    household = serializers.IntegerField(source="person.household_id", read_only=True)
    harm_type_code = serializers.CharField(source="harm_type.code", read_only=True)
    status = HarmStatusField(read_only=True)

    class Meta:
        model = HarmCase
        fields = [
            "id",
            "person",
            "household",
            "harm_type",
            "harm_type_code",
            "status",
            "identified_on",
            "note",
            "created_at",
            "updated_at",
            "version",
        ]


class HarmCaseDetailOut(HarmCaseOut):
    events = HarmCaseEventOut(many=True, read_only=True)

    class Meta(HarmCaseOut.Meta):
        fields = [*HarmCaseOut.Meta.fields, "events"]


class HarmCaseCreateIn(StrictInput):
    person = api.IdField()
    harm_type = api.IdField(help_text="An id from /api/v1/harm-types/.")
    identified_on = serializers.DateField()
    note = api.OptionalTextField()


class HarmTransitionIn(StrictInput):
    to_status = HarmStatusField()
    on = serializers.DateField()
    note = api.OptionalTextField()
    version = api.version_in("case", required=False)


class HarmCaseFilterIn(serializers.Serializer):
    person = api.IdField(required=False)
    household = api.IdField(required=False)
    status = HarmStatusField(required=False)


@api.scoped_schema(detail=HarmCaseDetailOut, create_in=HarmCaseCreateIn)
class HarmCaseViewSet(api.ScopedViewSet):
    """Social-harm cases and their history (identified → in care → resolved, or relapsed)."""

    output = HarmCaseOut
    filter_in = HarmCaseFilterIn

    list_selector = staticmethod(selectors.harm_case_list)

    def retrieve(self, request, pk=None):
        return Response(HarmCaseDetailOut(_viewed(request, selectors.harm_case_get, pk)).data)

    def create(self, request):
        _require_edit(request.user)
        d = api.valid_input(HarmCaseCreateIn, request)
        person = selectors.person_get(user=request.user, pk=d["person"])
        harm_type = api.chosen(
            selectors.harm_types(), "harm_type", _("Unknown social harm."), pk=d["harm_type"]
        )
        case = services.harm_case_open(
            actor=request.user,
            person=person,
            harm_type=harm_type,
            identified_on=d["identified_on"],
            note=d["note"],
            via="api",
        )
        return api.written(selectors.harm_case_get, request, case, HarmCaseDetailOut, status.HTTP_201_CREATED)

    @extend_schema(request=HarmTransitionIn, responses={200: HarmCaseDetailOut, **api.STALE_RESPONSE})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the case to another status (who, when and why are kept in its history)."""
        case = api.record_to_change(selectors.harm_case_get, request, pk, selectors.can_edit_registry)
        d = api.valid_input(HarmTransitionIn, request)
        services.harm_case_transition(
            actor=request.user,
            case=case,
            to_status=d["to_status"],
            on=d["on"],
            note=d["note"],
            version=d.get("version"),
            via="api",
        )
        return api.written(selectors.harm_case_get, request, case, HarmCaseDetailOut)


# --------------------------------------------------------------------------- consents


class ConsentOut(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = ["id", "person", "purpose", "given", "on", "given_by", "note", "recorded_by", "recorded_at"]


class ConsentIn(StrictInput):
    person = api.IdField()
    purpose = _choice(Consent.Purpose.choices)
    given = serializers.BooleanField(help_text="false records a withdrawal.")
    on = serializers.DateField()
    given_by = api.OptionalTextField(max_length=120, help_text="The resident, or a child's guardian.")
    note = api.OptionalTextField(max_length=300)


class ConsentFilterIn(serializers.Serializer):
    person = api.IdField(required=False)


@api.scoped_schema(retrieve=False, create_in=ConsentIn)
class ConsentViewSet(api.ScopedViewSet):
    """Informed consent records; the latest per resident and purpose is in force."""

    output = ConsentOut
    filter_in = ConsentFilterIn

    list_selector = staticmethod(selectors.consent_list)

    def create(self, request):
        return _record_of(
            request, ConsentIn, "person", selectors.person_get, services.consent_record, ConsentOut
        )


# --------------------------------------------------------------------------- assessments


class AssessmentOut(serializers.ModelSerializer):
    answers = serializers.DictField(
        child=serializers.BooleanField(), help_text="Checklist item code → yes/no."
    )

    class Meta:
        model = Assessment
        fields = ["id", "household", "on", "assessor", "answers", "score", "note", "created_at"]


class AssessmentIn(StrictInput):
    household = api.IdField()
    on = serializers.DateField()
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="Checklist item code → true when it applies to the household.",
    )
    note = api.OptionalTextField()


class AssessmentFilterIn(serializers.Serializer):
    household = api.IdField(required=False)


@api.scoped_schema(retrieve=False, create_in=AssessmentIn)
class AssessmentViewSet(api.ScopedViewSet):
    """Needs assessments; the score (0–100) is computed from the checklist, and the latest sets the
    household's vulnerability."""

    output = AssessmentOut
    filter_in = AssessmentFilterIn

    list_selector = staticmethod(selectors.assessment_list)

    def create(self, request):
        return _record_of(
            request,
            AssessmentIn,
            "household",
            selectors.household_get,
            services.assessment_record,
            AssessmentOut,
        )
