"""Page access in one shape for every app: signed in, and a role the predicate accepts.

Anyone else gets a 404, not a 403, so a URL does not reveal what exists.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from mahalleh.core.forms import apply_service_error


def page_for(allowed: Callable[[object], bool]):
    """A view decorator: login required, then `allowed(user)` or 404."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not allowed(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def run_service(request, form, call, success_message):
    """Run a service; on refusal put its messages on the form (at the field when it names one).

    Returns the service's result, or None when it refused (the form then carries the reasons).
    """
    try:
        obj = call()
    except ValidationError as exc:
        apply_service_error(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("Your role does not allow this action."))
    else:
        messages.success(request, success_message)
        return obj
    return None
