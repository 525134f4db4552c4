from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from mahalleh.accounts.models import Role
from mahalleh.geo import selectors as geo


@login_required
def home(request):
    user = request.user
    if user.role == Role.PARTNER_USER:
        return render(request, "core/home_partner.html", {"partner": user.partner})
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


API_PREFIX = "/api/"

ERROR_MESSAGES = {
    400: ("bad_request", "The request is not valid."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    500: ("server_error", "Something went wrong on the server; it has been logged."),
}


def _error(request, status: int):
    """The error page; under /api/ the same JSON every API error has, never an HTML page."""
    if request.path.startswith(API_PREFIX):
        code, message = ERROR_MESSAGES[status]
        return JsonResponse({"detail": _(message), "code": code}, status=status)
    return render(request, "core/error.html", {"status": status}, status=status)


def error_400(request, exception=None):
    return _error(request, 400)


def error_403(request, exception=None):
    return _error(request, 403)


def error_404(request, exception=None):
    return _error(request, 404)


def error_500(request):
    return _error(request, 500)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to."""
    return redirect(static("mahalleh/favicon.svg"))
