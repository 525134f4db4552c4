from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static

from mahalleh.core import plugins
from mahalleh.core.roles import Role


@login_required
def home(request):
    """The greeting, then what each app shows this user (`core.plugins.panel("home")`)."""
    user = request.user
    if user.role == Role.PARTNER_USER:
        return render(request, "core/home_partner.html", {"partner": user.partner})
    return render(request, "core/home.html", {"panels": plugins.render_panels("home", request)})


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
