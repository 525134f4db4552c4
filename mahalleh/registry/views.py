"""Registry pages: households, residents, social harms, consent and needs assessments.

Thin views: every read through `selectors` (scoped by the user; out of scope is a 404),
every write through `services` (their errors land at the form's fields).
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from mahalleh.audit.services import audit_record
from mahalleh.core.access import page_for
from mahalleh.core.forms import apply_service_error
from mahalleh.core.persian import localized_digits
from mahalleh.core.services import version_token
from mahalleh.referrals import selectors as referral_selectors
from mahalleh.registry import selectors, services
from mahalleh.registry.forms import (
    AGE_GROUP_NAMES,
    AssessmentForm,
    ConsentForm,
    HarmCaseForm,
    HarmTransitionForm,
    HouseholdCreateForm,
    HouseholdFilterForm,
    HouseholdForm,
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


def _save(request, form, call, success_message):
    """Run a service; on failure put its errors on the form. Returns (object, duplicate warning)."""
    try:
        obj = call()
    except DuplicateWarning as exc:
        if exc.code == "duplicate_code" and "national_code" in form.fields:
            form.add_error("national_code", _("This national code is already registered."))
        return None, exc
    except ValidationError as exc:
        apply_service_error(form, exc)
    except PermissionDenied:
        form.add_error(None, _("Your role does not allow this action."))
    else:
        messages.success(request, success_message(obj) if callable(success_message) else success_message)
        return obj, None
    return None, None


def _duplicate_context(user, warning: DuplicateWarning | None) -> dict | None:
    """What the page shows about a likely duplicate: the message, and a link if the user may open it."""
    if warning is None:
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


def age_on(birth: datetime.date | None, on: datetime.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_group_label(birth: datetime.date | None, on: datetime.date) -> str:
    age = age_on(birth, on)
    if age is None:
        return ""
    for code, (low, high) in selectors.AGE_GROUPS.items():
        if low <= age <= high:
            return str(AGE_GROUP_NAMES[code])
    return ""


def _in_force(consents) -> dict:
    """{person_id: {purpose: Consent}} — the latest record per person and purpose (newest first in)."""
    out: dict[int, dict[str, Consent]] = {}
    for consent in consents.order_by("-on", "-pk"):
        out.setdefault(consent.person_id, {}).setdefault(consent.purpose, consent)
    return out


# --------------------------------------------------------------------------- households


@registry_view
def household_list(request):
    user = request.user
    form = HouseholdFilterForm(request.GET, actor=user)
    filters = form.selector_kwargs()
    households = selectors.household_list(user=user, **filters)
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [h.pk for h in page.object_list]
    counts = dict(
        selectors.person_list(user=user, status=Person.Status.ACTIVE)
        .filter(household_id__in=ids)
        .order_by()
        .values_list("household_id")
        .annotate(n=Count("pk"))
    )
    for household in page.object_list:
        household.members_count = counts.get(household.pk, 0)
    people = None
    if filters["query"]:
        people = selectors.person_search(user=user, query=filters["query"], limit=SEARCH_LIMIT)
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


@registry_edit_view
def household_create(request):
    user = request.user
    form = HouseholdCreateForm(request.POST or None, actor=user)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def call():
            # Household and head together: a refused head leaves no empty household behind.
            with transaction.atomic():
                household = services.household_create(
                    actor=user, neighbourhood=d["neighbourhood"], **form.household_fields()
                )
                services.person_create(
                    actor=user,
                    household=household,
                    confirm_duplicate=d["confirm_duplicate"],
                    relation=Person.Relation.HEAD,
                    **form.person_fields(),
                )
            return household

        household, warning = _save(request, form, call, _("The household and its head were registered."))
        if household:
            return redirect("registry:household_detail", pk=household.pk)
        duplicate = _duplicate_context(user, warning)
    return render(request, "registry/household_form.html", {"form": form, "duplicate": duplicate})


@registry_edit_view
def household_edit(request, pk):
    user = request.user
    household = selectors.household_get(user=user, pk=pk)
    initial = {
        "neighbourhood": household.neighbourhood,
        "address": household.address,
        "phone": household.phone,
        "tenure": household.tenure,
        "income_band": household.income_band,
        "external_id": household.external_id,
        "version": version_token(household),
    }
    form = HouseholdForm(request.POST or None, actor=user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved, _warning = _save(
            request,
            form,
            lambda: services.household_update(
                actor=user,
                household=household,
                version=form.cleaned_data.get("version") or None,
                **form.household_fields(),
            ),
            _("The household was saved."),
        )
        if saved:
            return redirect("registry:household_detail", pk=saved.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "household": household,
            "title": _("Edit household"),
            "testid": "household-edit-form",
        },
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
        {
            "person": m,
            "age": age_on(m.birth_date, today),
            "age_group": age_group_label(m.birth_date, today),
            "cases": cases_by_person.get(m.pk, []),
            "consents": [
                (value, label, in_force.get(m.pk, {}).get(value)) for value, label in Consent.Purpose.choices
            ],
        }
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
            "timeline": selectors.household_timeline(household=household),
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
    del form.fields["version"]
    duplicate = None
    if request.method == "POST" and form.is_valid():
        person, warning = _save(
            request,
            form,
            lambda: services.person_create(
                actor=user,
                household=household,
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
                **form.person_fields(),
            ),
            _("The resident was added."),
        )
        if person:
            return redirect("registry:household_detail", pk=household.pk)
        duplicate = _duplicate_context(user, warning)
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "household": household, "person": None, "duplicate": duplicate},
    )


@registry_view
def person_detail(request, pk):
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    audit_record(user=user, action="view", obj=person)
    today = timezone.localdate()
    in_force = _in_force(selectors.consent_list(user=user, person=person)).get(person.pk, {})
    # The person's own entries of the household timeline (referrals, activities, groups included).
    timeline = [
        item
        for item in selectors.household_timeline(household=person.household)
        if item["person"] is not None and item["person"].pk == person.pk
    ]
    return render(
        request,
        "registry/person_detail.html",
        {
            "timeline": timeline,
            "referrals": referral_selectors.referral_list(user=user, person=person, today=today),
            "can_refer": referral_selectors.can_refer(user) and person.status == Person.Status.ACTIVE,
            "person": person,
            "household": person.household,
            "age": age_on(person.birth_date, today),
            "age_group": age_group_label(person.birth_date, today),
            "cases": selectors.harm_case_list(user=user, person=person).prefetch_related("events__by"),
            "consents": selectors.consent_list(user=user, person=person).select_related("recorded_by"),
            "in_force": [(value, label, in_force.get(value)) for value, label in Consent.Purpose.choices],
            "can_edit": selectors.can_edit_registry(user),
        },
    )


@registry_edit_view
def person_edit(request, pk):
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    initial = {**PersonForm.initial_from(person), "version": version_token(person)}
    form = PersonForm(request.POST or None, initial=initial)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        saved, warning = _save(
            request,
            form,
            lambda: services.person_update(
                actor=user,
                person=person,
                version=form.cleaned_data.get("version") or None,
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
                **form.person_fields(),
            ),
            _("The resident was saved."),
        )
        if saved:
            return redirect("registry:person_detail", pk=saved.pk)
        duplicate = _duplicate_context(user, warning)
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "household": person.household, "person": person, "duplicate": duplicate},
    )


@registry_edit_view
def person_move(request, pk):
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    initial = {}
    if request.GET.get("to"):
        initial["to_household"] = request.GET["to"]
    form = PersonMoveForm(request.POST or None, actor=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        moved, _warning = _save(
            request,
            form,
            lambda: services.person_move(
                actor=user, person=person, to_household=d["to_household"], relation=d["relation"]
            ),
            _("The resident was moved to the other household. Their history moved with them."),
        )
        if moved:
            return redirect("registry:household_detail", pk=moved.household_id)
    query = (request.GET.get("q") or "").strip()
    candidates = []
    if query:
        candidates = (
            selectors.household_list(user=user, query=query)
            .exclude(pk=person.household_id)
            .select_related("head", "neighbourhood")[:20]
        )
    return render(
        request,
        "registry/person_move.html",
        {
            "form": form,
            "person": person,
            "household": person.household,
            "query": query,
            "candidates": candidates,
        },
    )


@registry_edit_view
def person_status(request, pk):
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    form = PersonStatusForm(request.POST or None, initial={"status": person.status})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        saved, _warning = _save(
            request,
            form,
            lambda: services.person_set_status(actor=user, person=person, status=d["status"], on=d["on"]),
            _("The resident's status was saved. Nothing of their history was deleted."),
        )
        if saved:
            return redirect("registry:person_detail", pk=saved.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
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
    """A form that records something about one resident (a harm, a consent) through a service."""
    person = selectors.person_get(user=request.user, pk=pk)
    form = form_class(request.POST or None, initial=initial)
    back = _next_url(request)
    if request.method == "POST" and form.is_valid():
        saved, _warning = _save(request, form, lambda: record(person, form.cleaned_data), message)
        if saved:
            return redirect(back) if back else redirect("registry:person_detail", pk=person.pk)
    context = {
        "form": form,
        "household": person.household,
        "person": person,
        "title": title,
        "testid": testid,
        "next": back,
    }
    return render(request, "registry/form.html", context)


@registry_edit_view
def harm_create(request, pk):
    return _person_record(
        request,
        pk,
        form_class=HarmCaseForm,
        record=lambda person, d: services.harm_case_open(
            actor=request.user,
            person=person,
            harm_type=d["harm_type"],
            identified_on=d["identified_on"],
            note=d["note"],
        ),
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
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        saved, _warning = _save(
            request,
            form,
            lambda: services.harm_case_transition(
                actor=user,
                case=case,
                to_status=d["to_status"],
                on=d["on"],
                note=d["note"],
                version=d.get("version") or None,
            ),
            _("The status of the social harm was changed."),
        )
        if saved:
            return redirect("registry:person_detail", pk=case.person_id)
    return render(
        request,
        "registry/harm_transition.html",
        {
            "form": form,
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
        record=lambda person, d: services.consent_record(
            actor=request.user,
            person=person,
            purpose=d["purpose"],
            given=d["given"],
            on=d["on"],
            given_by=d["given_by"],
            note=d["note"],
        ),
        message=_("The consent was recorded."),
        title=_("Record consent"),
        testid="consent-form",
    )


@registry_edit_view
def assessment_create(request, pk):
    user = request.user
    household = selectors.household_get(user=user, pk=pk)
    form = AssessmentForm(request.POST or None, items=selectors.assessment_items())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        assessment, _warning = _save(
            request,
            form,
            lambda: services.assessment_record(
                actor=user, household=household, on=d["on"], answers=form.answers(), note=d["note"]
            ),
            lambda saved: _("The needs assessment was saved. Vulnerability score: %(score)s out of 100.")
            % {"score": localized_digits(saved.score)},
        )
        if assessment:
            return redirect("registry:household_detail", pk=household.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "household": household,
            "title": _("Record a needs assessment"),
            "intro": _("Tick every statement that is true for this household. The score is 0 to 100."),
            "testid": "assessment-form",
        },
    )
