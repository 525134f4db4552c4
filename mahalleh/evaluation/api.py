"""Evaluation API: survey rounds, their sample, answers, and the estimates — the same selectors
and services as the pages, so the same scope and the same refusals (400 with the reason per
field; nothing half-saved)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action, api_view
from rest_framework.response import Response

from mahalleh.api import base as api
from mahalleh.api.serializers import StrictInput
from mahalleh.evaluation import selectors, services
from mahalleh.evaluation.models import SampleHousehold, SurveyResponse, SurveyRound
from mahalleh.evaluation.results import EvaluationError, evaluation_run
from mahalleh.geo.selectors import neighbourhood_list, province_list
from mahalleh.registry.selectors import person_list

KindField = api.enum_field(SurveyRound.Kind.choices, "SurveyRoundKindEnum")


class RoundOut(serializers.ModelSerializer):
    kind = KindField(read_only=True)
    province = serializers.CharField(source="province.code", read_only=True)
    neighbourhoods = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SurveyRound
        fields = [
            "id",
            "name",
            "province",
            "kind",
            "held_on",
            "neighbourhoods",
            "households_per_neighbourhood",
            "seed",
            "sampled_at",
        ]


class RoundIn(StrictInput):
    province = serializers.CharField(help_text="Province code.")
    name = serializers.CharField(max_length=200)
    kind = KindField()
    held_on = serializers.DateField()
    neighbourhoods = serializers.ListField(child=api.IdField(), allow_empty=True)
    households_per_neighbourhood = serializers.IntegerField(min_value=1, max_value=1000, default=30)
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, allow_null=True)


class SampleOut(serializers.ModelSerializer):
    class Meta:
        model = SampleHousehold
        fields = ["id", "household", "neighbourhood", "order"]


class ResponseOut(serializers.ModelSerializer):
    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "round",
            "person",
            "neighbourhood",
            "age",
            "sex",
            *SurveyResponse.ANSWER_FIELDS,
            "via",
            "updated_at",
        ]


class ResponseIn(StrictInput):
    round = api.IdField()
    person = api.IdField()
    age = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    in_school = serializers.BooleanField(required=False, allow_null=True, default=None)
    works = serializers.BooleanField(required=False, allow_null=True, default=None)
    employment = serializers.ChoiceField(
        choices=SurveyResponse.Employment.choices, required=False, allow_blank=True, default=""
    )
    job_training = serializers.BooleanField(required=False, allow_null=True, default=None)
    insured = serializers.BooleanField(required=False, allow_null=True, default=None)
    harms = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class RoundViewSet(api.ScopedViewSet):
    """Survey rounds of the provinces (or, for office staff, the neighbourhoods) in your scope."""

    output = RoundOut

    list_selector = staticmethod(selectors.round_list)

    def retrieve(self, request, pk=None):
        return Response(RoundOut(selectors.round_get(user=request.user, pk=api.object_id(pk))).data)

    @extend_schema(request=RoundIn, responses={201: RoundOut})
    def create(self, request):
        api.require_role(selectors.can_manage_rounds(request.user))
        d = api.valid_input(RoundIn, request)
        province = api.chosen(
            province_list(user=request.user),
            "province",
            _("There is no such province in your scope."),
            code=d.pop("province"),
        )
        ids = d.pop("neighbourhoods")
        found = list(neighbourhood_list(user=request.user).filter(pk__in=ids).select_related("county"))
        if len(found) != len(set(ids)):
            raise exceptions.ValidationError(
                {"neighbourhoods": [_("Some of these neighbourhoods are not in your scope.")]}
            )
        round_ = services.survey_round_create(
            actor=request.user, province=province, neighbourhoods=found, **d
        )
        return Response(RoundOut(round_).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RoundOut})
    @action(detail=True, methods=["post"])
    def draw(self, request, pk=None):
        """Draw the round's stratified random sample (once; reproducible from the seed)."""
        round_ = selectors.round_get(user=request.user, pk=api.object_id(pk))
        services.survey_sample_draw(actor=request.user, round=round_)
        round_.refresh_from_db()
        return Response(RoundOut(round_).data)

    @extend_schema(responses={200: SampleOut(many=True)})
    @action(detail=True, methods=["get"])
    def sample(self, request, pk=None):
        """The sampled households you may survey."""
        round_ = selectors.round_get(user=request.user, pk=api.object_id(pk))
        qs = selectors.sample_list(user=request.user, round=round_)
        return api.paginated(self, qs, SampleOut)


class ResponseViewSet(api.ScopedViewSet):
    """Survey answers, one per person and round. Posting again for the same person and round
    replaces the earlier answer. A person outside the round's sample is refused (400)."""

    output = ResponseOut

    list_selector = staticmethod(selectors.response_list)

    @extend_schema(request=ResponseIn, responses={201: ResponseOut})
    def create(self, request):
        api.require_role(selectors.can_survey(request.user))
        d = api.valid_input(ResponseIn, request)
        round_ = api.chosen(
            selectors.round_list(user=request.user),
            "round",
            _("There is no such survey round in your scope."),
            pk=d.pop("round"),
        )
        person = api.chosen(
            person_list(user=request.user),
            "person",
            _("There is no such resident in your scope."),
            pk=d.pop("person"),
        )
        response = services.survey_response_save(
            actor=request.user, round=round_, person=person, via="api", **d
        )
        return Response(ResponseOut(response).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- results


class CellOut(serializers.Serializer):
    n = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)


class EventOut(serializers.Serializer):
    event_time = serializers.IntegerField()
    label = serializers.CharField()
    estimate = serializers.FloatField()
    ci_low = serializers.FloatField()
    ci_high = serializers.FloatField()
    reference = serializers.BooleanField()


class EvaluationRowOut(serializers.Serializer):
    item = serializers.CharField()
    indicator_code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["ok", "no_data", "suppressed"])
    reason = serializers.CharField(allow_blank=True, help_text="Why there is no estimate.")
    estimate = serializers.FloatField(allow_null=True, help_text="Share difference (0–1 scale).")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    se_clustered = serializers.FloatField(allow_null=True)
    clusters = serializers.IntegerField(allow_null=True)
    few_clusters = serializers.BooleanField(allow_null=True)
    respondents = serializers.IntegerField(allow_null=True)
    method = serializers.CharField(allow_blank=True)
    draws = serializers.IntegerField(allow_null=True)
    sentence = serializers.CharField(allow_blank=True)
    table = serializers.DictField(child=CellOut(), allow_null=True)
    did_means = serializers.FloatField(allow_null=True)
    event_study = EventOut(many=True)


class EvaluationOut(serializers.Serializer):
    province = serializers.CharField(allow_null=True)
    clusters = serializers.IntegerField()
    respondents = serializers.IntegerField()
    few_clusters = serializers.BooleanField()
    indicators = EvaluationRowOut(many=True)


def _indicator(row) -> dict:
    f = row.fit
    return {
        "item": row.item.code,
        "indicator_code": row.item.indicator_code,
        "name": row.item.name,
        "status": row.status,
        "reason": row.message,
        "estimate": f.estimate if f else None,
        "ci_low": f.ci_low if f else None,
        "ci_high": f.ci_high if f else None,
        "p_value": f.p_value if f else None,
        "se_clustered": f.se_clustered if f else None,
        "clusters": f.clusters if f else None,
        "few_clusters": f.few_clusters if f else None,
        "respondents": f.n if f else None,
        "method": f.method if f else "",
        "draws": f.draws if f else None,
        "sentence": row.sentence,
        "table": {k: {"n": c.n, "mean": c.mean} for k, c in f.table.items()} if f else None,
        "did_means": f.did_means if f else None,
        "event_study": [vars(p) for p in f.event] if f else [],
    }


def _evaluation_response(user, province):
    try:
        evaluation = evaluation_run(user=user, province=province)
    except EvaluationError as exc:
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_400_BAD_REQUEST)
    return Response(
        EvaluationOut(
            {
                "province": getattr(province, "code", None),
                "clusters": evaluation.clusters,
                "respondents": evaluation.respondents,
                "few_clusters": evaluation.few_clusters,
                "indicators": [_indicator(r) for r in evaluation.rows],
            }
        ).data
    )


def _require_results(user) -> None:
    if not selectors.can_read_results(user):
        raise exceptions.NotFound()


@extend_schema(
    responses={200: EvaluationOut, 400: api.ErrorOut, 404: api.ErrorOut}, operation_id="evaluation_nation"
)
@api_view(["GET"])
def evaluation_nation(request):
    """The difference-in-differences estimates for the whole country (national roles)."""
    _require_results(request.user)
    if request.user.province_id is not None:
        raise exceptions.NotFound()
    return _evaluation_response(request.user, None)


@extend_schema(
    responses={200: EvaluationOut, 400: api.ErrorOut, 404: api.ErrorOut}, operation_id="evaluation_province"
)
@api_view(["GET"])
def evaluation_province(request, code):
    """The difference-in-differences estimates of one province in your scope."""
    _require_results(request.user)
    province = selectors.result_provinces(user=request.user).filter(code=code).first()
    if province is None:
        raise exceptions.NotFound()
    return _evaluation_response(request.user, province)
