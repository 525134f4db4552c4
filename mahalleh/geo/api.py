"""Places API: the same selectors and services as the pages, so the same scope."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from mahalleh.api.filters import IdFilter
from mahalleh.geo import selectors, services
from mahalleh.geo.geojson import parse_boundary
from mahalleh.geo.models import County, Neighbourhood, Office, Province


class ProvinceOut(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["id", "code", "name_fa", "name_en"]


class CountyOut(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = ["id", "code", "name_fa", "name_en", "province"]


class OfficeOut(serializers.ModelSerializer):
    neighbourhoods = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Office
        fields = [
            "id",
            "code",
            "name_fa",
            "name_en",
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
            "id",
            "code",
            "name_fa",
            "name_en",
            "county",
            "kind",
            "office",
            "est_population",
            "est_households",
            "boundary",
        ]


class NeighbourhoodIn(serializers.Serializer):
    county = serializers.IntegerField()
    code = serializers.CharField(max_length=20)
    name_fa = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Neighbourhood.Kind.choices, default=Neighbourhood.Kind.TARGET)
    office = serializers.IntegerField(required=False, allow_null=True, default=None)
    est_population = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    est_households = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    boundary = serializers.JSONField(required=False, allow_null=True, default=None)

    def validate_boundary(self, value):
        # Checked here, not only in the service, so that the message is reported at "boundary".
        return parse_boundary(value) if value else None


# Relations are filtered by plain ids, never validated against the whole table: a
# ModelChoiceFilter would answer 400 for a missing id and 200 for an out-of-scope one,
# telling an outsider which ids exist.
class NeighbourhoodFilter(django_filters.FilterSet):
    county = IdFilter(field_name="county_id")
    office = IdFilter(field_name="office_id")

    class Meta:
        model = Neighbourhood
        fields = ["kind", "county", "office"]


class CountyFilter(django_filters.FilterSet):
    province = IdFilter(field_name="province_id")

    class Meta:
        model = County
        fields = ["province"]


class OfficeFilter(django_filters.FilterSet):
    province = IdFilter(field_name="county__province_id")
    county = IdFilter(field_name="county_id")

    class Meta:
        model = Office
        fields = ["county", "province"]


class ProvinceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProvinceOut

    def get_queryset(self):
        return selectors.province_list(user=self.request.user)


class CountyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CountyOut
    filterset_class = CountyFilter

    def get_queryset(self):
        return selectors.county_list(user=self.request.user)


class OfficeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OfficeOut
    filterset_class = OfficeFilter

    def get_queryset(self):
        return selectors.office_list(user=self.request.user).prefetch_related("neighbourhoods")


class NeighbourhoodViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = NeighbourhoodOut
    filterset_class = NeighbourhoodFilter

    def get_queryset(self):
        return selectors.neighbourhood_list(user=self.request.user)

    @extend_schema(request=NeighbourhoodIn, responses={201: NeighbourhoodOut})
    def create(self, request, *args, **kwargs):
        data = NeighbourhoodIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        county = selectors.county_get(user=request.user, pk=d.pop("county"))
        office_id = d.pop("office")
        office = selectors.office_get(user=request.user, pk=office_id) if office_id else None
        neighbourhood = services.neighbourhood_create(actor=request.user, county=county, office=office, **d)
        return Response(NeighbourhoodOut(neighbourhood).data, status=201)
