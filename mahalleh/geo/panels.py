"""The places panel of the home page: counts, the map of neighbourhoods and the offices in scope."""

from django.template.loader import render_to_string
from django.urls import reverse

from mahalleh.core import plugins
from mahalleh.geo import selectors as geo


@plugins.panel("home", order=50)
def places(request) -> str:
    user = request.user
    neighbourhoods = geo.neighbourhood_list(user=user)
    features = geo.neighbourhood_feature_collection(
        neighbourhoods, url_for=lambda n: reverse("geo:neighbourhood_detail", args=[n.pk])
    )
    counts = {
        "provinces": geo.province_list(user=user).count(),
        "counties": geo.county_list(user=user).count(),
        "offices": geo.office_list(user=user).count(),
        "target": neighbourhoods.filter(kind="target").count(),
        "comparison": neighbourhoods.filter(kind="comparison").count(),
    }
    context = {"counts": counts, "features": features, "offices": geo.office_list(user=user)[:20]}
    return render_to_string("geo/_home_panel.html", context, request=request)
