import sys

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, resolve, reverse

from mahalleh.core import plugins
from mahalleh.core.roles import Role


@login_required
def home(request):
    """The greeting, then what each app shows this user (`core.plugins.panel("home")`)."""
    user = request.user
    if user.role == Role.PARTNER_USER:
        return render(request, "core/home_partner.html", {"partner": user.partner})
    # The home page is the role's dashboard when the indicators app is installed. Core must not
    # import it (DESIGN §8 layers), so it is found by its URL name; without it, the panels.
    try:
        match = resolve(reverse("indicators:dashboard"))
    except NoReverseMatch:
        match = None
    if match is not None:
        return match.func(request, *match.args, **match.kwargs)
    return render(request, "core/home.html", {"panels": plugins.render_panels("home", request)})


def error_400(request, exception=None):
    return render(request, "core/error.html", {"status": 400}, status=400)


def error_403(request, exception=None):
    return render(request, "core/error.html", {"status": 403}, status=403)


def error_404(request, exception=None):
    return render(request, "core/error.html", {"status": 404}, status=404)


def error_500(request):
    # Called inside Django's exception handling: a lost database connection is a 503, not a 500.
    from django.db import InterfaceError, OperationalError

    from mahalleh.core.dbrouting import database_unavailable_response

    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return database_unavailable_response(request, exception)
    return render(request, "core/error.html", {"status": 500}, status=500)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to."""
    return redirect(static("mahalleh/favicon.svg"))
