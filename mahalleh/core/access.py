"""Page access in one shape for every app: signed in, and a role the predicate accepts.

Anyone else gets a 404, not a 403, so a URL does not reveal what exists.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mahalleh.core.forms import apply_service_error, sent_version
from mahalleh.core.services import ServiceWarning


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


def page_of(request, items, size: int) -> Page:
    """The page of `items` (`size` a page) that the `page` query parameter asks for: the first
    for none or a bad one, the last for a number past the end (`core/_pager.html` draws the links)."""
    return Paginator(items, size).get_page(request.GET.get("page"))


def run_service(request, form, call, success_message):
    """Run a service; on refusal put its messages on the form (at the field when it names one).

    Returns the service's result, or None when it refused (the form then carries the reasons).
    A `ServiceWarning` (e.g. a likely duplicate) is kept on `form.service_warning` for the page
    to show with its own context. `success_message` may be a callable taking the result.
    """
    form.service_warning = None
    try:
        obj = call()
    except ServiceWarning as warning:
        form.service_warning = warning
        if warning.field and warning.field in form.fields:
            form.add_error(warning.field, warning.field_message or warning.messages[0])
    except ValidationError as exc:
        apply_service_error(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("Your role does not allow this action."))
    else:
        messages.success(request, success_message(obj) if callable(success_message) else success_message)
        return obj
    return None


def form_page(request, *, form, save, message, done, template, context=None):
    """The one shape of a form page: show the form; on a valid POST run the service; on success
    redirect, else show the form again with the service's errors at its fields.

    - `save(cleaned_data)` calls the service and returns the saved object;
    - `message` is the success message (or a callable taking the object);
    - `done(obj)` is where to go next: a URL, or anything `redirect()` takes;
    - `context` is a dict, or a callable taking the form (evaluated when the page is drawn, after
      the service ran, so it can show `form.service_warning`).
    """
    form.service_warning = None
    if request.method == "POST" and form.is_valid():
        obj = run_service(request, form, lambda: save(form.cleaned_data), message)
        if obj is not None:
            return redirect(done(obj))
    extra = context(form) if callable(context) else (context or {})
    return render(request, template, {"form": form, **extra})


def create_page(request, *, form, **page):
    """`form_page` for a new record: there is nothing to be stale against, so the form's
    `version` field goes."""
    del form.fields["version"]
    return form_page(request, form=form, **page)


def edit_page(request, *, form, save, **page):
    """`form_page` for an edit: `save(cleaned_data, version)` gets the version the form was opened
    on (None when it sent none), for the service to refuse an edit made on stale data."""
    return form_page(request, form=form, save=lambda d: save(d, sent_version(d)), **page)
