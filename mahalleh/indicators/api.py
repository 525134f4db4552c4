"""Indicators API: the catalogue, figures (scoped and suppressed exactly like the pages), the
neighbourhood facts for staff with personal-data access, targets and manual values with approval.

Reads go through ``indicators.selectors``; writes through ``indicators.services`` (their
ValidationErrors become 400s with the message at the field, ``mahalleh.api.errors``).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from mahalleh.api import base as api
from mahalleh.api.serializers import StrictInput
from mahalleh.core.jalali import Period
from mahalleh.geo.models import Neighbourhood
from mahalleh.indicators import selectors, services
from mahalleh.indicators.models import Fact, Indicator, Level, ManualValue, Target


def _indicator(user, code) -> Indicator:
    try:
        return selectors.indicator_get(user=user, code=code)
    except Indicator.DoesNotExist:
        raise ValidationError({"indicator": _("There is no indicator with this code.")}) from None


# --------------------------------------------------------------------------- catalogue


class IndicatorOut(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            "code", "kind", "name_fa", "name_en", "definition_fa", "definition_en", "unit", "direction",
            "source", "disaggregations", "active",
        ]  # fmt: skip


@extend_schema_view(
    list=extend_schema(responses=IndicatorOut(many=True)), retrieve=extend_schema(responses=IndicatorOut)
)
class IndicatorViewSet(viewsets.GenericViewSet):
    """The indicator catalogue: bilingual names and definitions, unit, direction and breakdowns."""

    serializer_class = IndicatorOut
    lookup_field = "code"
    lookup_value_regex = "[-a-z0-9_]+"

    def get_queryset(self):
        return selectors.indicator_list(user=self.request.user).order_by("pk")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(IndicatorOut(page, many=True).data)

    def retrieve(self, request, code=None):
        found = self.get_queryset().filter(code=code).first()
        if found is None:
            raise exceptions.NotFound()
        return Response(IndicatorOut(found).data)


# --------------------------------------------------------------------------- figures


class FiguresIn(serializers.Serializer):
    indicator = serializers.SlugField(help_text="The indicator's code.")
    period = serializers.CharField(help_text="1403 (year), 1403-S2 (season) or 1403-05 (month).")
    level = serializers.ChoiceField(
        choices=Level.choices, required=False, help_text="Rows per place of this level."
    )
    disaggregation = api.OptionalTextField(help_text='"" (total), sex=female, age=child, nat=foreign …')
    place = api.IdField(required=False, help_text="Only this place of the level.")

    def validate_period(self, value):
        try:
            return Period.from_code(value).code
        except ValueError:
            raise serializers.ValidationError(
                _("Write the period as 1403-05 (a month), 1403-S2 (a season) or 1403 (a year).")
            ) from None


class FigureOut(serializers.Serializer):
    place = serializers.IntegerField(source="place_id", allow_null=True)
    place_name = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField(help_text="True: fewer than 5; the figures are withheld.")


class FiguresOut(serializers.Serializer):
    indicator = serializers.CharField()
    period = serializers.CharField()
    level = serializers.CharField()
    disaggregation = serializers.CharField()
    rows = FigureOut(many=True)
    total = FigureOut()


class FactOut(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")

    class Meta:
        model = Fact
        fields = [
            "id",
            "indicator",
            "neighbourhood",
            "period",
            "period_kind",
            "disaggregation",
            "numerator",
            "denominator",
        ]


class FactFilterIn(serializers.Serializer):
    indicator = serializers.SlugField(required=False)
    period = serializers.CharField(required=False)
    disaggregation = serializers.CharField(required=False, allow_blank=True)
    neighbourhood = api.IdField(required=False)


@extend_schema_view(list=extend_schema(parameters=[FactFilterIn], responses=FactOut(many=True)))
class FactViewSet(viewsets.GenericViewSet):
    """The fact table, one row per neighbourhood × period × breakdown — for staff with access to
    personal data only (the others get aggregated, suppressed ``figures``)."""

    serializer_class = FactOut

    def get_queryset(self):
        return selectors.fact_list(user=self.request.user)

    def list(self, request):
        d = api.valid_input(FactFilterIn, request, query=True)
        indicator = _indicator(request.user, d["indicator"]) if d.get("indicator") else None
        qs = selectors.fact_list(
            user=request.user,
            indicator=indicator,
            period=d.get("period"),
            disaggregation=d.get("disaggregation"),
            neighbourhood=d.get("neighbourhood"),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(FactOut(page, many=True).data)

    @extend_schema(parameters=[FiguresIn], responses=FiguresOut)
    @action(detail=False, methods=["get"], pagination_class=None)
    def figures(self, request):
        """One indicator in one period per place of a level, with the total of your scope:
        exactly what the dashboard shows you (suppressed for aggregate-only roles)."""
        api.require_role(selectors.can_see_indicators(request.user))
        d = api.valid_input(FiguresIn, request, query=True)
        indicator = _indicator(request.user, d["indicator"])
        level = d.get("level") or selectors.default_level(request.user)
        rows, total = selectors.indicator_values(
            user=request.user,
            indicator=indicator,
            level=level,
            period=d["period"],
            disaggregation=d.get("disaggregation", ""),
            place_ids=[d["place"]] if d.get("place") else None,
        )
        body = {
            "indicator": indicator.code,
            "period": d["period"],
            "level": level,
            "disaggregation": d.get("disaggregation", ""),
            "rows": rows,
            "total": total,
        }
        return Response(FiguresOut(body).data)


# --------------------------------------------------------------------------- targets


class TargetOut(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    is_baseline = serializers.BooleanField()

    class Meta:
        model = Target
        fields = [
            "id",
            "plan",
            "indicator",
            "level",
            "province",
            "office",
            "neighbourhood",
            "year",
            "value",
            "is_baseline",
        ]


class TargetIn(StrictInput):
    indicator = serializers.SlugField()
    level = serializers.ChoiceField(choices=Level.choices)
    place = api.IdField(
        required=False, allow_null=True, help_text="The province, office or neighbourhood id."
    )
    year = serializers.IntegerField(
        help_text="A Jalali year of the plan; the baseline year sets the baseline."
    )
    value = serializers.FloatField()


@api.scoped_schema(output=TargetOut, retrieve=False, create_in=TargetIn)
class TargetViewSet(viewsets.GenericViewSet):
    """Baselines and yearly targets of the current plan, for the places in your scope. National
    admins set any level, province coordinators their province's places, office managers their
    office and its neighbourhoods."""

    serializer_class = TargetOut

    def get_queryset(self):
        return selectors.target_list(user=self.request.user, plan=selectors.plan_current()).order_by("pk")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(TargetOut(page, many=True).data)

    def create(self, request):
        api.require_role(selectors.can_edit_targets(request.user))
        d = api.valid_input(TargetIn, request)
        plan = selectors.plan_current()
        if plan is None:
            raise ValidationError(_("There is no plan yet."))
        level = d["level"]
        place = None
        if level != Level.NATION and d.get("place"):
            place = api.chosen(
                selectors.places(user=request.user, level=level),
                "place",
                _("This place is outside your scope."),
                pk=d["place"],
            )
        target = services.target_set(
            actor=request.user, plan=plan, indicator=_indicator(request.user, d["indicator"]), level=level,
            place=place, year=d["year"], value=d["value"], via="api",
        )  # fmt: skip
        return Response(TargetOut(target).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- manual values


class ManualValueOut(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")

    class Meta:
        model = ManualValue
        fields = ["id", "indicator", "neighbourhood", "period", "numerator", "denominator", "source_note",
                  "status", "created_at", "decided_at"]  # fmt: skip


class ManualValueIn(StrictInput):
    indicator = serializers.SlugField()
    neighbourhood = api.IdField()
    period = serializers.CharField(help_text="1403-05, 1403-S2 or 1403.")
    value = serializers.CharField(help_text="The figure, in the indicator's unit.")
    denominator = serializers.CharField(required=False, allow_blank=True)
    source_note = serializers.CharField(max_length=300, help_text="Where the figure comes from.")


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("status", str, enum=ManualValue.Status.values)],
        responses=ManualValueOut(many=True),
    ),
    create=extend_schema(request=ManualValueIn, responses={201: ManualValueOut}),
)
class ManualValueViewSet(viewsets.GenericViewSet):
    """Figures offices bring from other agencies; they count once the office manager approves."""

    serializer_class = ManualValueOut

    def get_queryset(self):
        return selectors.manual_value_list(user=self.request.user).order_by("pk")

    def list(self, request):
        qs = self.get_queryset()
        wanted = request.query_params.get("status")
        if wanted:
            qs = qs.filter(status=wanted)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ManualValueOut(page, many=True).data)

    def create(self, request):
        api.require_role(selectors.can_enter_manual(request.user))
        d = api.valid_input(ManualValueIn, request)
        hood = Neighbourhood.objects.filter(
            selectors.place_q(request.user, Level.NEIGHBOURHOOD), pk=d.pop("neighbourhood")
        ).first()
        if hood is None:
            raise ValidationError({"neighbourhood": _("This neighbourhood is outside your scope.")})
        value = services.manual_value_enter(
            actor=request.user, indicator=_indicator(request.user, d.pop("indicator")), neighbourhood=hood,
            via="api", **d,
        )  # fmt: skip
        return Response(ManualValueOut(value).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, pk, approve):
        api.require_role(selectors.can_approve_manual(request.user))
        value = self.get_queryset().filter(pk=api.object_id(pk)).first()
        if value is None:
            raise exceptions.NotFound()
        return Response(
            ManualValueOut(
                services.manual_value_decide(actor=request.user, value=value, approve=approve, via="api")
            ).data
        )

    @extend_schema(request=None, responses=ManualValueOut)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, pk, True)

    @extend_schema(request=None, responses=ManualValueOut)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, pk, False)
