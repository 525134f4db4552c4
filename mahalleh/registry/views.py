"""Registry pages: households, residents, social harms, consent and needs assessments.

Thin views: every read through `selectors` (scoped by the user; out of scope is a 404),
every write through `services` (their errors land at the form's fields).
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from mahalleh.audit.services import audit_record
from mahalleh.core import plugins
from mahalleh.core.access import create_page, edit_page, form_page, page_for, page_of, run_service
from mahalleh.core.forms import apply_service_error, initial_from
from mahalleh.core.persian import localized_digits
from mahalleh.core.services import ServiceWarning, version_token
from mahalleh.registry import selectors, services
from mahalleh.registry.ages import age_group_label, age_on, person_row
from mahalleh.registry.forms import (
    AssessmentForm,
    ConsentForm,
    HarmCaseForm,
    HarmTransitionForm,
    HouseholdCreateForm,
    HouseholdFilterForm,
    HouseholdForm,
    MemberForm,
    PersonForm,
    PersonMoveForm,
    PersonStatusForm,
)
from mahalleh.registry.models import Consent, HarmCase, Person
from mahalleh.registry.services import DuplicateWarning

PAGE_SIZE = 50
SEARCH_LIMIT = 50


# --------------------------------------------------------------------------- access


# Signed-in staff whose role may read the registry; editors for the edit pages; else 404.
registry_view = page_for(selectors.can_read_registry)


registry_edit_view = page_for(selectors.can_edit_registry)


# --------------------------------------------------------------------------- helpers


def _duplicate_context(user, warning) -> dict | None:
    """What the page shows about a likely duplicate: the message, and a link if the user may open it."""
    if not isinstance(warning, DuplicateWarning):
        return None
    existing = warning.existing
    # National codes are unique across the country: the existing record may be in another
    # office, which this user must not see (not even its name).
    visible = selectors.person_list(user=user).filter(pk=existing.pk).exists()
    return {
        "message": warning.messages[0],
        "code": warning.code,
        "person": existing if visible else None,
        "confirmable": warning.code == "duplicate_name",
    }


def _household_url(household) -> str:
    return reverse("registry:household_detail", kwargs={"pk": household.pk})


def _person_url(person) -> str:
    return reverse("registry:person_detail", kwargs={"pk": person.pk})


def _in_force(consents) -> dict:
    """{person_id: {purpose: Consent}} — the latest record per person and purpose (newest first in)."""
    out: dict[int, dict[str, Consent]] = {}
    for consent in sorted(consents, key=lambda c: (c.on, c.pk), reverse=True):
        out.setdefault(consent.person_id, {}).setdefault(consent.purpose, consent)
    return out


#: Timeline entries a household's or a resident's page shows at first (newest first); the rest
#: behind "show the whole timeline", so a long-served household's page stays one screenful of work.
TIMELINE_SHOWN = 50


def _timeline(request, items: list[dict]) -> dict:
    """The page's timeline: the newest TIMELINE_SHOWN entries, or all of them when asked."""
    total = len(items)
    if request.GET.get("timeline") == "all" or total <= TIMELINE_SHOWN:
        return {"timeline": items, "timeline_total": total, "timeline_hidden": 0}
    return {
        "timeline": items[:TIMELINE_SHOWN],
        "timeline_total": total,
        "timeline_hidden": total - TIMELINE_SHOWN,
    }


# --------------------------------------------------------------------------- households


#: The columns the household list and its search results show (with the keys their rows join on):
#: a row of each is about 30 columns and two joined records, and the page draws up to 100 of them.
HOUSEHOLD_ROW = (
    "id", "phone", "vulnerability", "neighbourhood", "neighbourhood__name_fa", "neighbourhood__name_en",
    "head", "head__first_name", "head__last_name",
)  # fmt: skip
PERSON_ROW = (
    "id", "first_name", "last_name", "father_name", "national_code", "document_number", "birth_date",
    "mobile", "status", "status_changed_on", "household", "household__neighbourhood",
    "household__neighbourhood__name_fa", "household__neighbourhood__name_en",
)  # fmt: skip


def _url_of(name: str):
    """pk -> the URL of the page `name` for that pk, from one reverse() instead of one per row (a
    search page links 150 rows)."""
    marker = "2305843009213693951"  # no real pk
    head, tail = reverse(name, args=[marker]).split(marker)
    return lambda pk: f"{head}{pk}{tail}"


@registry_view
def household_list(request):
    user = request.user
    form = HouseholdFilterForm(request.GET, actor=user)
    filters = form.selector_kwargs()
    # One search serves both tables: the residents it finds, and their households.
    matches = selectors.person_matches(user=user, query=filters["query"]) if filters["query"] else None
    households = selectors.household_list(user=user, matches=matches, **filters).only(*HOUSEHOLD_ROW)
    page = page_of(request, households, PAGE_SIZE)
    page.object_list = list(page.object_list)
    ids = [h.pk for h in page.object_list]
    counts = dict(
        selectors.person_list(user=user, status=Person.Status.ACTIVE)
        .filter(household_id__any=ids)
        .order_by()
        .values_list("household_id")
        .annotate(n=Count("pk"))
    )
    household_url, person_url = _url_of("registry:household_detail"), _url_of("registry:person_detail")
    for household in page.object_list:
        household.members_count = counts.get(household.pk, 0)
        household.url = household_url(household.pk)
    people = None
    if matches is not None:
        pks = [pk for pk, _household in matches[:SEARCH_LIMIT]]
        people = selectors.people_by_pk(user=user, pks=pks, columns=PERSON_ROW)
        for person in people:
            person.url, person.household_url = person_url(person.pk), household_url(person.household_id)
    return render(
        request,
        "registry/household_list.html",
        {
            "form": form,
            "page": page,
            "people": people,
            "query": filters["query"] or "",
            "can_edit": selectors.can_edit_registry(user),
        },
    )


MEMBER_PREFIX = "member"
MEMBER_ROW = re.compile(rf"^{MEMBER_PREFIX}-(\d+)-")
MAX_MEMBERS = 30


def _member_indices(data) -> list[int]:
    """The row numbers of the members posted (rows removed on the page are simply absent, so the
    others keep their numbers and their errors stay at their rows)."""
    found = {int(m.group(1)) for key in data for m in [MEMBER_ROW.match(key)] if m}
    return sorted(i for i in found if i < MAX_MEMBERS * 4)[:MAX_MEMBERS]


#: A member row where none of these was typed or chosen was added and then left empty (the other
#: fields of a resident start with a value of their own).
PRESET_FIELDS = set("id_type nationality education school_enrolled employment disability insurance".split())
TYPED_FIELDS = tuple(f for f in services.PERSON_FIELDS if f not in PRESET_FIELDS)


def _blank_row(data, index: int) -> bool:
    return not any((data.get(f"{MEMBER_PREFIX}-{index}-{name}") or "").strip() for name in TYPED_FIELDS)


def _member_row(form, index: int) -> dict:
    """What the row partial needs: its form, its number as people count it (the head is 1)."""
    number = index + 2
    return {"form": form, "index": index, "number": localized_digits(number), "removable": True}


def _save_household(user, form, rows):
    """The one service call; a refused member's error (or likely duplicate) goes to its row, and the
    top of the page says which row to look at."""
    members = [row["form"].person_fields() for row in rows]
    try:
        return services.household_create_with_head(
            actor=user,
            neighbourhood=form.cleaned_data["neighbourhood"],
            household_fields=form.household_fields(),
            head_fields={**form.person_fields(), "confirm_duplicate": form.cleaned_data["confirm_duplicate"]},
            members=members,
        )
    except ValidationError as exc:
        index = getattr(exc, "member_index", None)
        if index is None:
            raise
        row = rows[index]
        row_form = row["form"]
        if isinstance(exc, ServiceWarning):
            row_form.service_warning = exc
            row["duplicate"] = _duplicate_context(user, exc)
            if exc.field and exc.field in row_form.fields:
                row_form.add_error(exc.field, exc.field_message or exc.messages[0])
        else:
            apply_service_error(row_form, exc)
        row_form.mark_service_errors()
        raise ValidationError(
            _("Member %(number)s could not be saved: see the message at that row. Nothing was saved.")
            % {"number": row["number"]}
        ) from exc


@registry_edit_view
def household_create(request):
    """The household, its head (row 1) and any number of other members on one page, saved by one
    service call in one transaction: all of them or none."""
    user = request.user
    data = request.POST if request.method == "POST" else None
    form = HouseholdCreateForm(data, actor=user)
    indices = _member_indices(data) if data is not None else []
    # A row added but left empty (nothing typed or chosen) is not a member: it is left out.
    indices = [i for i in indices if not _blank_row(data, i)]
    rows = [_member_row(MemberForm(data, prefix=f"{MEMBER_PREFIX}-{i}"), i) for i in indices]
    form.service_warning = None
    if data is not None:
        valid = [form.is_valid()] + [row["form"].is_valid() for row in rows]
        if all(valid):
            count = len(rows) + 1
            message = _("The household and its head were registered.")
            if count > 1:
                message = _("The household and its %(count)s members were registered.") % {
                    "count": localized_digits(count)
                }
            household = run_service(request, form, lambda: _save_household(user, form, rows), message)
            if household is not None:
                return redirect(_household_url(household))
            form.mark_service_errors()
        else:
            form.add_error(None, _("Some fields need attention: see the messages at the rows below."))
    return render(
        request,
        "registry/household_form.html",
        {
            "form": form,
            "rows": rows,
            "next_index": (max(indices) + 1) if indices else 0,
            "duplicate": _duplicate_context(user, form.service_warning),
            "head_number": localized_digits(1),
        },
    )


@registry_edit_view
def household_member_row(request):
    """An empty member row for the household page ("add member", fetched by htmx)."""
    try:
        index = max(0, min(int(request.GET.get("next", "0")), MAX_MEMBERS * 4 - 1))
    except ValueError:
        index = 0
    row = _member_row(MemberForm(prefix=f"{MEMBER_PREFIX}-{index}"), index)
    return render(request, "registry/_member_row.html", {"row": row, "next_index": index + 1, "oob": True})


@registry_edit_view
def household_edit(request, pk):
    user = request.user
    household = selectors.household_get(user=user, pk=pk)
    initial = initial_from(
        household, "neighbourhood", "address", "phone", "tenure", "income_band", "external_id"
    )
    form = HouseholdForm(request.POST or None, actor=user, editing=True, initial=initial)
    return edit_page(
        request,
        form=form,
        save=lambda d, version: services.household_update(
            actor=user, household=household, version=version, **form.household_fields()
        ),
        message=_("The household was saved."),
        done=_household_url,
        template="registry/form.html",
        context={"household": household, "title": _("Edit household"), "testid": "household-edit-form"},
    )


@registry_view
def household_detail(request, pk):
    user = request.user
    household = selectors.household_get(user=user, pk=pk)
    audit_record(user=user, action="view", obj=household)
    today = timezone.localdate()
    members = list(household.members.all())
    cases = selectors.harm_case_list(user=user, household=household).exclude(status=HarmCase.Status.RESOLVED)
    cases_by_person: dict[int, list[HarmCase]] = {}
    for case in cases:
        cases_by_person.setdefault(case.person_id, []).append(case)
    in_force = _in_force(selectors.consent_list(user=user, household=household))
    rows = [
        person_row(
            m,
            today,
            cases=cases_by_person.get(m.pk, []),
            consents=[
                (value, label, in_force.get(m.pk, {}).get(value)) for value, label in Consent.Purpose.choices
            ],
        )
        for m in members
    ]
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "rows": rows,
            "active_members": [m for m in members if m.status == Person.Status.ACTIVE],
            "open_cases": list(cases),
            "purposes": Consent.Purpose.choices,
            "assessment": selectors.assessment_list(user=user, household=household).first(),
            **_timeline(request, selectors.household_timeline(household=household)),
            "can_edit": selectors.can_edit_registry(user),
        },
    )


# --------------------------------------------------------------------------- people


@registry_edit_view
def person_create(request, pk):
    user = request.user
    household = selectors.household_get(user=user, pk=pk)
    initial = {} if household.head_id else {"relation": Person.Relation.HEAD}
    form = PersonForm(request.POST or None, initial=initial)
    return create_page(
        request,
        form=form,
        save=lambda d: services.person_create(
            actor=user, household=household, confirm_duplicate=d["confirm_duplicate"], **form.person_fields()
        ),
        message=_("The resident was added."),
        done=lambda person: _household_url(household),
        template="registry/person_form.html",
        context=lambda form: {
            "household": household,
            "person": None,
            "duplicate": _duplicate_context(user, form.service_warning),
        },
    )


@registry_view
def person_detail(request, pk):
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    audit_record(user=user, action="view", obj=person)
    today = timezone.localdate()
    consents = list(selectors.consent_list(user=user, person=person).select_related("recorded_by"))
    in_force = _in_force(consents).get(person.pk, {})
    # The person's own entries of the household timeline (referrals, activities, groups included).
    timeline = selectors.household_timeline(household=person.household, person=person)
    return render(
        request,
        "registry/person_detail.html",
        {
            **_timeline(request, timeline),
            "action_panels": plugins.render_panels("person_actions", request, person=person),
            "panels": plugins.render_panels("person", request, person=person),
            "person": person,
            "household": person.household,
            "age": age_on(person.birth_date, today),
            "age_group": age_group_label(person.birth_date, today),
            "cases": selectors.harm_case_list(user=user, person=person).prefetch_related("events__by"),
            "consents": consents,
            "in_force": [(value, label, in_force.get(value)) for value, label in Consent.Purpose.choices],
            "can_edit": selectors.can_edit_registry(user),
        },
    )


@registry_edit_view
def person_edit(request, pk):
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    initial = initial_from(person, **PersonForm.initial_from(person))
    form = PersonForm(request.POST or None, initial=initial)
    return edit_page(
        request,
        form=form,
        save=lambda d, version: services.person_update(
            actor=user,
            person=person,
            version=version,
            confirm_duplicate=d["confirm_duplicate"],
            **form.person_fields(),
        ),
        message=_("The resident was saved."),
        done=_person_url,
        template="registry/person_form.html",
        context=lambda form: {
            "household": person.household,
            "person": person,
            "duplicate": _duplicate_context(user, form.service_warning),
        },
    )


@registry_edit_view
def person_move(request, pk):
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    initial = {}
    if request.GET.get("to"):
        initial["to_household"] = request.GET["to"]
    form = PersonMoveForm(request.POST or None, actor=user, initial=initial)
    query = (request.GET.get("q") or "").strip()
    candidates = []
    if query:
        candidates = (
            selectors.household_list(user=user, query=query)
            .exclude(pk=person.household_id)
            .select_related("head", "neighbourhood")[:20]
        )
    return form_page(
        request,
        form=form,
        save=lambda d: services.person_move(
            actor=user, person=person, to_household=d["to_household"], relation=d["relation"]
        ),
        message=_("The resident was moved to the other household. Their history moved with them."),
        done=lambda moved: reverse("registry:household_detail", kwargs={"pk": moved.household_id}),
        template="registry/person_move.html",
        context={"person": person, "household": person.household, "query": query, "candidates": candidates},
    )


@registry_edit_view
def person_status(request, pk):
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    form = PersonStatusForm(request.POST or None, initial={"status": person.status})
    return form_page(
        request,
        form=form,
        save=lambda d: services.person_set_status(actor=user, person=person, status=d["status"], on=d["on"]),
        message=_("The resident's status was saved. Nothing of their history was deleted."),
        done=_person_url,
        template="registry/form.html",
        context={
            "household": person.household,
            "person": person,
            "title": _("Change status"),
            "intro": _(
                "Mark a resident who moved away or died, or who came back. "
                "The record and its history are kept; the resident is shown as no longer living here."
            ),
            "testid": "person-status-form",
        },
    )


# --------------------------------------------------------------------------- harms, consent, assessment


def _next_url(request) -> str:
    """Where to go back to after the form (the referral form that sent the user here), if it is a
    page of this site; otherwise ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return target if target.startswith("/") and safe else ""


def _person_record(request, pk, *, form_class, initial=None, record, message, title, testid):
    """A form that records something about one resident (a harm, a consent) through the service
    `record`, whose arguments are the form's fields."""
    person = selectors.person_get(user=request.user, pk=pk)
    back = _next_url(request)
    return form_page(
        request,
        form=form_class(request.POST or None, initial=initial),
        save=lambda d: record(actor=request.user, person=person, **d),
        message=message,
        # Back to the page that sent the user here (the referral form), else the person's page.
        done=lambda saved: back or _person_url(person),
        template="registry/form.html",
        context={
            "household": person.household,
            "person": person,
            "title": title,
            "testid": testid,
            "next": back,
        },
    )


@registry_edit_view
def harm_create(request, pk):
    return _person_record(
        request,
        pk,
        form_class=HarmCaseForm,
        record=services.harm_case_open,
        message=_("The social harm was recorded."),
        title=_("Record a social harm"),
        testid="harm-form",
    )


@registry_edit_view
def harm_transition(request, pk):
    user = request.user
    case = selectors.harm_case_get(user=user, pk=pk)
    allowed = sorted(services.HARM_TRANSITIONS.get(case.status, set()))
    form = HarmTransitionForm(request.POST or None, allowed=allowed, initial={"version": version_token(case)})
    return edit_page(
        request,
        form=form,
        save=lambda d, version: services.harm_case_transition(
            actor=user,
            case=case,
            to_status=d["to_status"],
            on=d["on"],
            note=d["note"],
            version=version,
        ),
        message=_("The status of the social harm was changed."),
        done=lambda saved: _person_url(case.person),
        template="registry/harm_transition.html",
        context={
            "case": case,
            "person": case.person,
            "household": case.person.household,
            "title": _("Change the status of a social harm"),
            "testid": "harm-transition-form",
        },
    )


@registry_edit_view
def consent_create(request, pk):
    return _person_record(
        request,
        pk,
        form_class=ConsentForm,
        initial={"purpose": request.GET.get("purpose") or None},
        record=services.consent_record,
        message=_("The consent was recorded."),
        title=_("Record consent"),
        testid="consent-form",
    )


@registry_edit_view
def assessment_create(request, pk):
    user = request.user
    household = selectors.household_get(user=user, pk=pk)
    form = AssessmentForm(request.POST or None, items=selectors.assessment_items())
    return form_page(
        request,
        form=form,
        save=lambda d: services.assessment_record(
            actor=user, household=household, on=d["on"], answers=form.answers(), note=d["note"]
        ),
        message=lambda saved: _("The needs assessment was saved. Vulnerability score: %(score)s out of 100.")
        % {"score": localized_digits(saved.score)},
        done=lambda saved: _household_url(household),
        template="registry/form.html",
        context={
            "household": household,
            "title": _("Record a needs assessment"),
            "intro": _("Tick every statement that is true for this household. The score is 0 to 100."),
            "testid": "assessment-form",
        },
    )
