"""Referral pages: the office's list and overdue list, the partner's inbox, a referral with its
events and answers, the new-referral form, partner organisations and their services, per-partner
statistics, and the notifications page.

Thin views: reads through `selectors` (scoped; out of scope is a 404), writes through `services`
(their refusals land on the form). A partner user only ever gets `selectors.partner_row`, the
minimum personal data, never the resident's record.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mahalleh.accounts.models import Role
from mahalleh.audit.services import audit_record
from mahalleh.core.access import create_page, edit_page, page_for, page_of, run_service
from mahalleh.core.forms import initial_from, sent_version
from mahalleh.core.services import version_token
from mahalleh.geo.selectors import province_list
from mahalleh.referrals import selectors, services
from mahalleh.referrals.forms import ActionForm, PartnerForm, ReferralFilterForm, ReferralForm, ServiceForm
from mahalleh.referrals.models import Partner, Referral
from mahalleh.registry import selectors as registry
from mahalleh.registry.models import Consent

PAGE_SIZE = 50
VERB_FOR = {status: verb for verb, status in services.ACTIONS.items()}
ACTION_LABELS = {
    "accept": gettext_lazy("Accept"),
    "decline": gettext_lazy("Decline"),
    "start": gettext_lazy("Mark in progress"),
    "complete": gettext_lazy("Record the outcome"),
    "cancel": gettext_lazy("Cancel the referral"),
}


# --------------------------------------------------------------------------- access


# Office-side referral pages: roles that read the registry (a partner user is sent to the inbox
# from the list, and gets a 404 anywhere else).
staff_view = page_for(selectors.can_read_referrals)


# The partner directory: staff only (a partner user has the "My organisation" page).
directory_view = page_for(selectors.can_see_partners)


def _partner_url(obj) -> str:
    return reverse("referrals:partner_detail", kwargs={"pk": obj.pk})


# --------------------------------------------------------------------------- lists


@login_required
def referral_list(request):
    user = request.user
    if selectors.is_partner_user(user):
        return redirect("referrals:inbox")
    if not selectors.can_read_referrals(user):
        raise Http404
    today = timezone.localdate()
    form = ReferralFilterForm(request.GET, partners=selectors.partner_list(user=user))
    filters = form.selector_kwargs()
    referrals = selectors.referral_list(user=user, today=today, **filters)
    return _list_page(
        request,
        "referrals/referral_list.html",
        form=form,
        filters=filters,
        page=page_of(request, referrals, PAGE_SIZE),
        today=today,
        can_manage_partners=selectors.can_manage_partners(user),
    )


def _list_page(request, template, *, form, filters, page, today, **context):
    """A list of referrals (the staff's list, the partner's inbox): the filters, one page, the
    count on each tab, and the query string the tabs keep."""
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "overdue": filters.get("overdue", False),
            "counts": selectors.referral_counts(user=request.user, today=today),
            "query": _query_without(request, "page", "overdue"),
            **context,
        },
    )


def _query_without(request, *names) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
def inbox(request):
    """The partner organisation's referrals, with the minimum personal data."""
    user = request.user
    if not selectors.is_partner_user(user):
        if selectors.can_read_referrals(user):
            return redirect("referrals:list")
        raise Http404
    today = timezone.localdate()
    form = ReferralFilterForm(request.GET)
    filters = form.selector_kwargs()
    referrals = selectors.referral_list(user=user, today=today, **filters).select_related("person")
    page = page_of(request, referrals, PAGE_SIZE)
    page.object_list = [selectors.partner_row(r, today=today) for r in page.object_list]
    return _list_page(
        request,
        "referrals/inbox.html",
        form=form,
        filters=filters,
        page=page,
        today=today,
        partner=user.partner,
    )


# --------------------------------------------------------------------------- one referral


def _action_forms(user, referral, bound: ActionForm | None = None) -> list[ActionForm]:
    forms = []
    for to_status in services.allowed_transitions(actor=user, referral=referral):
        verb = VERB_FOR[to_status]
        if bound is not None and bound.action == verb:
            forms.append(bound)
        else:
            forms.append(ActionForm(action=verb, initial={"version": version_token(referral)}))
    if bound is not None and bound not in forms:
        # A refused move (not allowed, or not this user's side): show why, where it was asked.
        forms.insert(0, bound)
    return forms


def _detail(request, referral, bound: ActionForm | None = None):
    user = request.user
    context = {
        "events": selectors.referral_events(referral=referral),
        "action_forms": _action_forms(user, referral, bound),
        "action_labels": ACTION_LABELS,
    }
    if selectors.is_partner_user(user):
        context["row"] = selectors.partner_row(referral)
        return render(request, "referrals/referral_partner_detail.html", context)
    context.update(
        {
            "referral": referral,
            "person": referral.person,
            "household": referral.person.household,
        }
    )
    return render(request, "referrals/referral_detail.html", context)


@login_required
def referral_detail(request, pk):
    referral = selectors.referral_get(user=request.user, pk=pk)
    audit_record(user=request.user, action="view", obj=referral)
    return _detail(request, referral)


@login_required
@require_POST
def referral_act(request, pk, action):
    user = request.user
    referral = selectors.referral_get(user=user, pk=pk)
    if action not in services.ACTIONS:
        raise Http404
    form = ActionForm(request.POST, action=action)
    if form.is_valid():
        d = form.cleaned_data
        saved = run_service(
            request,
            form,
            lambda: services.referral_transition(
                actor=user,
                referral=referral,
                to_status=services.ACTIONS[action],
                note=d["note"],
                outcome=d.get("outcome") or "",
                version=sent_version(d),
            ),
            _("The referral is now “%(status)s”.")
            % {"status": Referral.Status(services.ACTIONS[action]).label},
        )
        if saved:
            return redirect("referrals:detail", pk=referral.pk)
        referral = selectors.referral_get(user=user, pk=pk)
    return _detail(request, referral, bound=form)


_DRAFT_FIELDS = ("service", "reason", "urgency", "due_on", "whole_household")


@login_required
def referral_create(request, person_pk):
    user = request.user
    if not selectors.can_refer(user):
        raise Http404
    person = registry.person_get(user=user, pk=person_pk)
    available = list(selectors.services_for_person(person=person))
    has_consent = registry.consent_in_force(person=person, purpose=Consent.Purpose.REFERRAL)
    draft_key = f"referral_draft_{person.pk}"
    if request.method == "POST" and request.POST.get("detour") == "consent":
        # «Record consent» from this form: keep what was typed, record the consent, come back.
        request.session[draft_key] = {k: request.POST.get(k, "") for k in _DRAFT_FIELDS}
        here = reverse("referrals:create", args=[person.pk])
        consent = reverse("registry:consent_create", args=[person.pk])
        return redirect(f"{consent}?{urlencode({'purpose': 'referral', 'next': here})}")
    draft = request.session.pop(draft_key, None) if request.method == "GET" else None
    initial = {"service": request.GET.get("service") or ""}
    if draft:
        initial.update({k: v for k, v in draft.items() if k != "whole_household" and v})
        initial["whole_household"] = bool(draft.get("whole_household"))
    form = ReferralForm(request.POST or None, services=available, initial=initial)
    # Without consent the page's warning says so, once (the service would refuse with the same news).
    if request.method == "POST" and has_consent and form.is_valid():
        d = form.cleaned_data
        referral = run_service(
            request,
            form,
            lambda: services.referral_create(
                actor=user,
                person=person,
                service=d["service"],
                reason=d["reason"],
                urgency=d["urgency"],
                due_on=d["due_on"],
                household=person.household if d["whole_household"] else None,
            ),
            _("The referral was sent to the partner organisation."),
        )
        if referral:
            return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "referrals/referral_form.html",
        {
            "form": form,
            "person": person,
            "household": person.household,
            "has_consent": has_consent,
            "no_services": not available,
        },
    )


# --------------------------------------------------------------------------- statistics


@staff_view
def partner_stats(request):
    rows = selectors.partner_stats(user=request.user)
    return render(request, "referrals/stats.html", {"rows": rows})


# --------------------------------------------------------------------------- partners and services


@directory_view
def partner_list(request):
    user = request.user
    kind = request.GET.get("kind") or None
    partners = selectors.partner_list(user=user, kind=kind).prefetch_related("services")
    return render(
        request,
        "referrals/partner_list.html",
        {
            "partners": partners,
            "kinds": Partner.Kind.choices,
            "kind": kind,
            "can_create": selectors.can_edit_partner(user, None),
            "can_see_stats": selectors.can_read_referrals(user),
        },
    )


@directory_view
def partner_detail(request, pk):
    user = request.user
    partner = selectors.partner_get(user=user, pk=pk)
    stats = None
    if selectors.can_read_referrals(user):
        stats = next((r for r in selectors.partner_stats(user=user) if r["partner"].pk == partner.pk), None)
    return render(
        request,
        "referrals/partner_detail.html",
        {
            "partner": partner,
            "services": selectors.service_list(user=user, partner=partner),
            "can_edit": selectors.can_edit_partner(user, partner),
            "stats": stats,
            "users": partner.users.filter(is_active=True)
            if selectors.can_edit_partner(user, partner)
            else [],
        },
    )


def _editable(user, partner):
    """`partner` (None for a new one) when the user may edit it, else 404."""
    if not selectors.can_edit_partner(user, partner):
        raise Http404
    return partner


def _directory_form(request, form_page, *, partner, **page):
    """A form page of the directory (a partner organisation or one of its services, through
    `create_page` or `edit_page`): the directory's form template, then the partner's page."""
    return form_page(
        request, done=lambda saved: _partner_url(partner or saved), template="referrals/form.html", **page
    )


@directory_view
def partner_create(request):
    user = request.user
    _editable(user, None)
    initial = {"province": user.province_id} if user.role == Role.PROVINCE_COORDINATOR else {}
    form = PartnerForm(
        request.POST or None, provinces=province_list(user=user), initial={"answer_days": 7, **initial}
    )
    return _directory_form(
        request,
        create_page,
        partner=None,
        form=form,
        save=lambda data: services.partner_create(actor=user, **form.partner_fields()),
        message=_("The partner organisation was added."),
        context={"title": _("New partner organisation"), "testid": "partner-form"},
    )


@directory_view
def partner_edit(request, pk):
    user = request.user
    partner = _editable(user, selectors.partner_get(user=user, pk=pk))
    initial = initial_from(partner, *services.PARTNER_FIELDS, province=partner.province_id)
    form = PartnerForm(request.POST or None, provinces=province_list(user=user), initial=initial)
    return _directory_form(
        request,
        edit_page,
        partner=partner,
        form=form,
        save=lambda data, version: services.partner_update(
            actor=user, partner=partner, version=version, **form.partner_fields()
        ),
        message=_("The partner organisation was saved."),
        context={"title": _("Edit partner organisation"), "partner": partner, "testid": "partner-form"},
    )


@directory_view
def service_create(request, pk):
    user = request.user
    partner = _editable(user, selectors.partner_get(user=user, pk=pk))
    form = ServiceForm(request.POST or None, initial={"answer_days": partner.answer_days, "active": True})
    return _directory_form(
        request,
        create_page,
        partner=partner,
        form=form,
        save=lambda data: services.service_create(actor=user, partner=partner, **form.service_fields()),
        message=_("The service was added."),
        context={"title": _("New service"), "partner": partner, "testid": "service-form"},
    )


@directory_view
def service_edit(request, pk):
    user = request.user
    service = selectors.service_get(user=user, pk=pk)
    partner = _editable(user, service.partner)
    form = ServiceForm(request.POST or None, initial=initial_from(service, *services.SERVICE_FIELDS))
    return _directory_form(
        request,
        edit_page,
        partner=partner,
        form=form,
        save=lambda data, version: services.service_update(
            actor=user, service=service, version=version, **form.service_fields()
        ),
        message=_("The service was saved."),
        context={"title": _("Edit service"), "partner": partner, "testid": "service-form"},
    )


# --------------------------------------------------------------------------- notifications


@login_required
def notification_list(request):
    user = request.user
    if request.method == "POST":
        services.notifications_mark_all_read(user=user)
        messages.success(request, _("All notifications were marked as read."))
        return redirect("referrals:notifications")
    page = page_of(request, selectors.notification_list(user=user), PAGE_SIZE)
    return render(
        request,
        "referrals/notifications.html",
        {"page": page, "unread": selectors.unread_count(user=user)},
    )


@login_required
def notification_open(request, pk):
    """Mark the notification read and go to its referral (or back to the list)."""
    user = request.user
    notification = selectors.notification_get(user=user, pk=pk)
    services.notification_mark_read(user=user, notification=notification)
    if (
        notification.referral_id
        and selectors.referral_list(user=user).filter(pk=notification.referral_id).exists()
    ):
        return redirect("referrals:detail", pk=notification.referral_id)
    target = request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("referrals:notifications")
