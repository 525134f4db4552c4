"""Every read of places goes through here, scoped by the user."""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from mahalleh.core.scoping import county_q, neighbourhood_q, office_q, province_q
from mahalleh.core.selectors import narrowed
from mahalleh.geo.models import County, Neighbourhood, Office, Province


def province_list(*, user) -> QuerySet[Province]:
    return Province.objects.filter(province_q(user)).distinct()


def province_get(*, user, pk) -> Province:
    return get_object_or_404(province_list(user=user), pk=pk)


def county_list(*, user, province=None) -> QuerySet[County]:
    qs = County.objects.filter(county_q(user)).select_related("province").distinct()
    return narrowed(qs, province=province)


def county_get(*, user, pk) -> County:
    return get_object_or_404(county_list(user=user), pk=pk)


def office_list(*, user, county=None, province=None) -> QuerySet[Office]:
    qs = (
        Office.objects.filter(office_q(user))
        .select_related("county__province")
        .annotate(neighbourhood_count=Count("neighbourhoods", distinct=True))
    )
    return narrowed(qs, county=county, county__province=province)


def office_get(*, user, pk) -> Office:
    return get_object_or_404(office_list(user=user), pk=pk)


def neighbourhood_list(
    *, user, county=None, province=None, office=None, kind=None
) -> QuerySet[Neighbourhood]:
    qs = Neighbourhood.objects.filter(neighbourhood_q(user)).select_related("county__province", "office")
    return narrowed(qs, county=county, county__province=province, office=office, kind=kind or None)


def neighbourhood_get(*, user, pk) -> Neighbourhood:
    return get_object_or_404(neighbourhood_list(user=user), pk=pk)


def neighbourhood_feature_collection(neighbourhoods, *, url_for=None) -> dict:
    """A GeoJSON FeatureCollection of the given (already scoped) neighbourhoods, for the map."""
    features = []
    for n in neighbourhoods:
        if not n.boundary:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": n.boundary,
                "properties": {
                    "id": n.pk,
                    "code": n.code,
                    "name": n.name,
                    "kind": n.kind,
                    "url": url_for(n) if url_for else "",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
