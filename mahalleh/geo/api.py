"""Places API: the same selectors and services as the pages, so the same scope."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from mahalleh.api import base as api
from mahalleh.api.serializers import StrictInput
from mahalleh.core.selectors import narrowed
from mahalleh.geo import selectors, services
from mahalleh.geo.geojson import parse_boundary
from mahalleh.geo.models import County, Neighbourhood, Office, Province

# Every place is named the same way: its id, its code and its Persian and English names.
NAMED = ["id", "code", "name_fa", "name_en"]


class ProvinceOut(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = NAMED


class CountyOut(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = [*NAMED, "province"]


class OfficeOut(serializers.ModelSerializer):
    neighbourhoods = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Office
        fields = [
            *NAMED,
            "county",
            "address",
            "phone",
            "opened_on",
            "neighbourhoods",
        ]


class NeighbourhoodOut(serializers.ModelSerializer):
    boundary = serializers.JSONField(
        allow_null=True, help_text="GeoJSON Polygon or MultiPolygon, [lon, lat]."
    )

    class Meta:
        model = Neighbourhood
        fields = [
            *NAMED,
            "county",
            "kind",
            "office",
            "est_population",
            "est_households",
            "boundary",
        ]


class NeighbourhoodIn(StrictInput):
    county = serializers.IntegerField()
    code = serializers.CharField(max_length=20)
    name_fa = serializers.CharField(max_length=200)
    name_en = api.OptionalTextField(max_length=200)
    kind = serializers.ChoiceField(choices=Neighbourhood.Kind.choices, default=Neighbourhood.Kind.TARGET)
    office = serializers.IntegerField(required=False, allow_null=True, default=None)
    est_population = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    est_households = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    boundary = serializers.JSONField(required=False, allow_null=True, default=None)

    def validate_boundary(self, value):
        # Checked here, not only in the service, so that the message is reported at "boundary".
        return parse_boundary(value) if value else None


# Relations are filtered by plain ids (an IdField: a number out of range is a 400), never validated
# against the whole table: that would answer 400 for a missing id and 200 for an out-of-scope one,
# telling an outsider which ids exist.
class CountyFilterIn(serializers.Serializer):
    province = api.IdField(required=False)


class OfficeFilterIn(serializers.Serializer):
    province = api.IdField(required=False)
    county = api.IdField(required=False)


class NeighbourhoodFilterIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Neighbourhood.Kind.choices, required=False)
    county = api.IdField(required=False)
    office = api.IdField(required=False)


class ProvinceViewSet(api.ScopedReadViewSet):
    output = ProvinceOut

    list_selector = staticmethod(selectors.province_list)


@api.scoped_schema()
class CountyViewSet(api.ScopedReadViewSet):
    output = CountyOut
    filter_in = CountyFilterIn

    def list_selector(self, user, province=None):
        return narrowed(selectors.county_list(user=user), province_id=province)


@api.scoped_schema()
class OfficeViewSet(api.ScopedReadViewSet):
    output = OfficeOut
    filter_in = OfficeFilterIn

    def list_selector(self, user, province=None, county=None):
        qs = selectors.office_list(user=user).prefetch_related("neighbourhoods")
        return narrowed(qs, county__province_id=province, county_id=county)


@api.scoped_schema()
class NeighbourhoodViewSet(api.ScopedReadViewSet):
    output = NeighbourhoodOut
    filter_in = NeighbourhoodFilterIn

    def list_selector(self, user, kind=None, county=None, office=None):
        return narrowed(
            selectors.neighbourhood_list(user=user), kind=kind, county_id=county, office_id=office
        )

    @extend_schema(request=NeighbourhoodIn, responses={201: NeighbourhoodOut})
    def create(self, request):
        d = api.valid_input(NeighbourhoodIn, request)
        county = selectors.county_get(user=request.user, pk=d.pop("county"))
        office_id = d.pop("office")
        office = selectors.office_get(user=request.user, pk=office_id) if office_id else None
        neighbourhood = services.neighbourhood_create(actor=request.user, county=county, office=office, **d)
        return Response(NeighbourhoodOut(neighbourhood).data, status=201)
