from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, resolve, reverse

from mahalleh.accounts.models import Role
from mahalleh.geo import selectors as geo


@login_required
def home(request):
    user = request.user
    if user.role == Role.PARTNER_USER:
        return render(request, "core/home_partner.html", {"partner": user.partner})
    # The home page is the role's dashboard, owned by the indicators app. Core must not import it
    # (DESIGN §8 layers), so it is found by its URL name; without it, the place counts below.
    try:
        match = resolve(reverse("indicators:dashboard"))
    except NoReverseMatch:
        match = None
    if match is not None:
        return match.func(request, *match.args, **match.kwargs)
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
    return render(
        request,
        "core/home.html",
        {"counts": counts, "features": features, "offices": geo.office_list(user=user)[:20]},
    )


def error_400(request, exception=None):
    return render(request, "core/error.html", {"status": 400}, status=400)


def error_403(request, exception=None):
    return render(request, "core/error.html", {"status": 403}, status=403)


def error_404(request, exception=None):
    return render(request, "core/error.html", {"status": 404}, status=404)


def error_500(request):
    return render(request, "core/error.html", {"status": 500}, status=500)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to."""
    return redirect(static("mahalleh/favicon.svg"))
