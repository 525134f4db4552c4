import sys

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _

from mahalleh.core import plugins
from mahalleh.core.roles import Role


@login_required
def home(request):
    """The role's dashboard when an app provides one (`plugins.provider("home_page")`); otherwise
    the greeting, then what each app shows this user (`core.plugins.panel("home")`)."""
    user = request.user
    if user.role == Role.PARTNER_USER:
        return render(request, "core/home_partner.html", {"partner": user.partner})
    # An app may own the whole home page (the indicators app's role dashboard).
    for home_page in plugins.providers("home_page"):
        return home_page(request)
    return render(request, "core/home.html", {"panels": plugins.render_panels("home", request)})


API_PREFIX = "/api/"

ERROR_MESSAGES = {
    400: ("bad_request", "The request is not valid."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    500: ("server_error", "Something went wrong on the server; it has been logged."),
}


def _error(request, status: int, **context):
    """The error page; under /api/ the same JSON every API error has, never an HTML page."""
    if request.path.startswith(API_PREFIX):
        code, message = ERROR_MESSAGES[status]
        return JsonResponse({"detail": _(message), "code": code}, status=status)
    return render(request, "core/error.html", {"status": status, **context}, status=status)


def error_400(request, exception=None):
    return _error(request, 400)


def error_403(request, exception=None):
    return _error(request, 403)


def error_404(request, exception=None):
    return _error(request, 404)


def csrf_failure(request, reason=""):
    """A form sent with a missing or stale security token (CSRF_FAILURE_VIEW): most often a tab left
    open across a sign-in or sign-out. Our 403 page in the user's language, saying what to do,
    instead of Django's English one."""
    return _error(request, 403, stale_form=True)


def error_500(request):
    # Called inside Django's exception handling: a lost database connection is a 503, not a 500.
    from django.db import InterfaceError, OperationalError

    from mahalleh.core.dbrouting import database_unavailable_response

    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return database_unavailable_response(request, exception)
    return _error(request, 500)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to."""
    return redirect(static("mahalleh/favicon.svg"))
