"""Activity pages: the catalogue, an activity with its enrolled residents and sessions, and the
attendance sheet of a session.

Thin views: every read through `selectors` (scoped by the user; out of scope is a 404), every
write through `services` (their errors land at the form's fields or in a message). The sheet
works with htmx (each toggle saves at once) and without JavaScript ("Save attendance as marked").
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mahalleh.activities import selectors, services
from mahalleh.activities.forms import ActivityFilterForm, ActivityForm, SessionForm, UnenrolForm
from mahalleh.activities.models import Activity
from mahalleh.core.access import create_page, edit_page, form_page, page_for, page_of
from mahalleh.core.forms import initial_from
from mahalleh.core.persian import localized_digits
from mahalleh.registry.ages import age_group_label, person_row
from mahalleh.registry.selectors import person_list, person_search

PAGE_SIZE = 50
SEARCH_LIMIT = 20


# --------------------------------------------------------------------------- access


# Signed-in staff whose role may see residents; everyone else gets a 404.
activities_view = page_for(selectors.can_read_activities)


def _require_edit(user, activity: Activity | None = None) -> None:
    """Read-only roles (and staff of another office, who cannot even see it) get a 404."""
    allowed = (
        selectors.can_edit_activity(user, activity)
        if activity is not None
        else selectors.can_edit_activities(user)
    )
    if not allowed:
        raise Http404


def _activity_to_edit(request, pk) -> Activity:
    """The activity `pk` in the user's scope, when they may edit it (else 404)."""
    activity = selectors.activity_get(user=request.user, pk=pk)
    _require_edit(request.user, activity)
    return activity


def _session_to_edit(request, pk):
    """The session `pk` in the user's scope, when they may edit its activity (else 404)."""
    session = selectors.session_get(user=request.user, pk=pk)
    _require_edit(request.user, session.activity)
    return session


def _query(request) -> str:
    """The search box's text."""
    return (request.GET.get("q") or "").strip()


def _refusal(call) -> str | None:
    """Run a service: None when it succeeded, else its refusal as one text."""
    try:
        call()
    except ValidationError as exc:
        return _error_text(exc)
    return None


def _answer(request, error, success, page: str, obj):
    """The answer to a plain (not htmx) post: the error, or the success message when there is one,
    and back to the page `page` of `obj`."""
    if error:
        messages.error(request, error)
    elif success:
        messages.success(request, success)
    return redirect(page, pk=obj.pk)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --------------------------------------------------------------------------- activities


@activities_view
def activity_list(request):
    user = request.user
    form = ActivityFilterForm(request.GET)
    activities = selectors.activity_list(user=user, **form.selector_kwargs())
    page = page_of(request, activities, PAGE_SIZE)
    rates = selectors.activity_rates([a.pk for a in page.object_list])
    for activity in page.object_list:
        activity.rate = rates[activity.pk]
    return render(
        request,
        "activities/activity_list.html",
        {
            "form": form,
            "page": page,
            "can_edit": selectors.can_edit_activities(user),
            "show_office": not user.office_id,
        },
    )


@activities_view
def activity_create(request):
    user = request.user
    _require_edit(user)
    form = ActivityForm(request.POST or None, office=user.office, initial={"facilitator": user.pk})
    return create_page(
        request,
        form=form,
        save=lambda data: services.activity_create(actor=user, **form.service_fields()),
        message=_("The activity was created. Now enrol residents and add its sessions."),
        done=_detail_url,
        template="activities/activity_form.html",
        context={"activity": None},
    )


def _detail_url(activity) -> str:
    return reverse("activities:detail", kwargs={"pk": activity.pk})


@activities_view
def activity_edit(request, pk):
    user = request.user
    activity = _activity_to_edit(request, pk)
    initial = initial_from(activity, **ActivityForm.initial_from(activity))
    form = ActivityForm(request.POST or None, office=activity.office, initial=initial)
    return edit_page(
        request,
        form=form,
        save=lambda data, version: services.activity_update(
            actor=user, activity=activity, version=version, **form.service_fields()
        ),
        message=_("The activity was saved."),
        done=_detail_url,
        template="activities/activity_form.html",
        context={"activity": activity},
    )


def _enrolled_rows(user, activity, today):
    enrolments = selectors.with_attendance(
        selectors.enrolment_list(user=user, activity=activity).order_by(
            "left_on", "person__last_name", "person__first_name", "pk"
        ),
        today,
    )
    return [
        person_row(
            e.person,
            today,
            enrolment=e,
            rate=selectors.Rate(e.attended, e.expected),
            in_target=selectors.in_target_group(activity, e.person, today),
        )
        for e in enrolments
    ]


def _enrolled_context(user, activity) -> dict:
    today = timezone.localdate()
    rows = _enrolled_rows(user, activity, today)
    return {
        "activity": activity,
        "rows": rows,
        "active_count": sum(1 for r in rows if r["enrolment"].left_on is None),
        "can_edit": selectors.can_edit_activity(user, activity),
    }


def _found(user, query: str) -> list:
    """The residents matching the search box (none for an empty box)."""
    return list(person_search(user=user, query=query, limit=SEARCH_LIMIT)) if query else []


def _search_rows(user, activity, query: str) -> list[dict]:
    today = timezone.localdate()
    people = _found(user, query)
    enrolled = dict(
        selectors.enrolment_list(user=user, activity=activity)
        .filter(person_id__in=[p.pk for p in people])
        .values_list("person_id", "left_on")
    )
    return [
        person_row(
            p,
            today,
            enrolled=p.pk in enrolled and enrolled[p.pk] is None,
            in_target=selectors.in_target_group(activity, p, today),
        )
        for p in people
    ]


@activities_view
def activity_detail(request, pk):
    user = request.user
    activity = selectors.activity_get(user=user, pk=pk)
    query = _query(request)
    sessions = selectors.session_list(user=user, activity=activity)
    return render(
        request,
        "activities/activity_detail.html",
        {
            **_enrolled_context(user, activity),
            "rate": selectors.activity_rate(activity),
            "sessions": sessions,
            "today": timezone.localdate(),
            "query": query,
            "results": _search_rows(user, activity, query) if query else None,
        },
    )


def _search_results(request, template: str, name: str, obj, rows):
    """The htmx fragment of a search box on the page of `obj` (an activity or a session): the
    residents matching the box, as `rows(user, obj, query)` gives them."""
    query = _query(request)
    return render(request, template, {name: obj, "query": query, "results": rows(request.user, obj, query)})


@activities_view
def enrol_search(request, pk):
    """The residents matching the search box, each with an "enrol" button (an htmx fragment)."""
    activity = _activity_to_edit(request, pk)
    return _search_results(request, "activities/_enrol_results.html", "activity", activity, _search_rows)


@require_POST
@activities_view
def enrol(request, pk):
    user = request.user
    activity = _activity_to_edit(request, pk)
    person = person_list(user=user).filter(pk=_int(request.POST.get("person"))).first()
    error = None
    if person is None:
        error = str(services.OUT_OF_SCOPE)
    else:
        error = _refusal(lambda: services.enrol(actor=user, activity=activity, person=person))
    if not _is_htmx(request):
        success = None if error else _("%(name)s was enrolled.") % {"name": person.full_name}
        return _answer(request, error, success, "activities:detail", activity)
    today = timezone.localdate()
    row = None
    if person is not None:
        row = person_row(
            person,
            today,
            enrolled=error is None,
            in_target=selectors.in_target_group(activity, person, today),
        )
    context = {"activity": activity, "row": row, "error": error, "oob": error is None}
    if error is None:
        context.update(_enrolled_context(user, activity))
    return render(request, "activities/_enrol_response.html", context, status=200 if row else 404)


@require_POST
@activities_view
def unenrol(request, pk):
    user = request.user
    enrolment = selectors.enrolment_get(user=user, pk=pk)
    _require_edit(user, enrolment.activity)
    form = UnenrolForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            kept = services.unenrol(actor=user, enrolment=enrolment, on=form.cleaned_data.get("on"))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            name = enrolment.person.full_name
            if kept is None:
                messages.success(request, _("%(name)s was taken off the list.") % {"name": name})
            else:
                messages.success(request, _("%(name)s left the activity.") % {"name": name})
    return redirect("activities:detail", pk=enrolment.activity_id)


# --------------------------------------------------------------------------- sessions


@activities_view
def session_create(request, pk):
    user = request.user
    activity = _activity_to_edit(request, pk)
    today = timezone.localdate()
    running = activity.starts_on <= today and (activity.ends_on is None or today <= activity.ends_on)
    form = SessionForm(request.POST or None, initial={"date": today if running else activity.starts_on})

    def done(session):
        if request.POST.get("then") == "attendance" and session.date <= today:
            return reverse("activities:attendance", kwargs={"pk": session.pk})
        return _detail_url(activity)

    return form_page(
        request,
        form=form,
        save=lambda data: services.session_create(actor=user, activity=activity, **data),
        message=_("The session was added."),
        done=done,
        template="activities/session_form.html",
        context={"activity": activity, "session": None},
    )


@activities_view
def session_edit(request, pk):
    user = request.user
    session = _session_to_edit(request, pk)
    activity = session.activity
    initial = {
        "date": session.date,
        "start_time": session.start_time,
        "end_time": session.end_time,
        "topic": session.topic,
        "note": session.note,
    }
    form = SessionForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form=form,
        save=lambda data: services.session_update(actor=user, session=session, **data),
        message=_("The session was saved."),
        done=lambda saved: _detail_url(activity),
        template="activities/session_form.html",
        context={"activity": activity, "session": session},
    )


@require_POST
@activities_view
def session_delete(request, pk):
    user = request.user
    session = _session_to_edit(request, pk)
    error = _refusal(lambda: services.session_delete(actor=user, session=session))
    return _answer(request, error, _("The session was removed."), "activities:detail", session.activity)


# --------------------------------------------------------------------------- attendance


def _int(value) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _sheet_context(user, session, today) -> dict:
    lines = selectors.attendance_sheet(session)
    rows = [
        {
            "mark": line,
            "person": line.person,
            "age_group": age_group_label(line.person.birth_date, today),
        }
        for line in lines
    ]
    return {
        "session": session,
        "activity": session.activity,
        "rows": rows,
        "summary": _summary(lines),
        "can_mark": selectors.can_edit_activity(user, session.activity) and session.date <= today,
        "future": session.date > today,
    }


def _summary(lines) -> dict:
    return {
        "present": sum(1 for line in lines if line.saved is not None and line.saved.present),
        "absent": sum(1 for line in lines if line.saved is not None and not line.saved.present),
        "unsaved": sum(1 for line in lines if line.saved is None),
        "total": len(lines),
    }


@activities_view
def attendance(request, pk):
    """The attendance sheet: GET shows it, POST ("Save attendance as marked") saves every switch as it
    stands: on = present, off = absent."""
    user = request.user
    session = selectors.session_get(user=user, pk=pk)
    today = timezone.localdate()
    if request.method == "POST":
        _require_edit(user, session.activity)
        roster = [i for i in (_int(v) for v in request.POST.getlist("roster")) if i]
        if request.POST.get("action") == "all_present":
            # A page from before issue 8.1 had a "mark all present" button: it fills in only the
            # people nobody has marked yet, so an absence already saved is never overwritten.
            saved = {line.person.pk for line in selectors.attendance_sheet(session) if line.saved}
            marks = {pid: True for pid in roster if pid not in saved}
        else:
            present = {_int(v) for v in request.POST.getlist("present")}
            marks = {pid: pid in present for pid in roster}
        try:
            summary = services.attendance_save(actor=user, session=session, marks=marks)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                _("Attendance saved: %(present)s present, %(absent)s absent.")
                % {
                    "present": localized_digits(summary["present"]),
                    "absent": localized_digits(summary["absent"]),
                },
            )
        return redirect("activities:attendance", pk=session.pk)
    query = _query(request)
    context = _sheet_context(user, session, today)
    context.update(
        {
            "query": query,
            "results": _walkin_rows(user, session, query) if query else None,
            **_neighbours(user, session),
        }
    )
    return render(request, "activities/attendance.html", context)


def _neighbours(user, session) -> dict:
    """The sessions before and after this one, for the "previous / next session" links."""
    sessions = list(
        selectors.session_list(user=user, activity=session.activity).order_by("date", "start_time", "pk")
    )
    at = next(i for i, s in enumerate(sessions) if s.pk == session.pk)
    return {
        "previous": sessions[at - 1] if at > 0 else None,
        "next": sessions[at + 1] if at + 1 < len(sessions) else None,
    }


@require_POST
@activities_view
def attendance_mark(request, pk):
    """One toggle of the sheet (htmx): saves one person's mark and answers with their line."""
    user = request.user
    session = _session_to_edit(request, pk)
    person_id = _int(request.POST.get("person"))
    present = str(person_id) in request.POST.getlist("present")
    error = _refusal(
        lambda: services.attendance_save(actor=user, session=session, marks={person_id: present})
    )
    today = timezone.localdate()
    context = _sheet_context(user, session, today)
    row = next((r for r in context["rows"] if r["person"].pk == person_id), None)
    if row is None:
        # Not on the sheet and not saved: a person outside the office (or no such person).
        return render(
            request, "activities/_error.html", {"error": error or str(services.OUT_OF_SCOPE)}, status=404
        )
    if not _is_htmx(request):
        return _answer(request, error, None, "activities:attendance", session)
    return render(
        request,
        "activities/_mark_response.html",
        {**context, "row": row, "error": error},
        status=400 if error else 200,
    )


def _walkin_rows(user, session, query: str) -> list[dict]:
    today = timezone.localdate()
    people = _found(user, query)
    on_sheet = {line.person.pk for line in selectors.attendance_sheet(session)}
    return [person_row(p, today, on_sheet=p.pk in on_sheet) for p in people]


@activities_view
def walkin_search(request, pk):
    session = _session_to_edit(request, pk)
    return _search_results(request, "activities/_walkin_results.html", "session", session, _walkin_rows)


@require_POST
@activities_view
def walkin_add(request, pk):
    user = request.user
    session = _session_to_edit(request, pk)
    person_id = _int(request.POST.get("person"))
    error = _refusal(lambda: services.attendance_save(actor=user, session=session, walk_ins=[person_id]))
    if not _is_htmx(request):
        return _answer(
            request, error, _("The walk-in was added as present."), "activities:attendance", session
        )
    context = _sheet_context(user, session, timezone.localdate())
    return render(
        request, "activities/_sheet.html", {**context, "error": error}, status=400 if error else 200
    )
