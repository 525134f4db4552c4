"""Community group pages: the list, a group with its members and meetings, and their forms.

Thin views: every read through `selectors` (scoped by the user; out of scope is a 404), every
write through `services` (their errors land at the form's fields). Office staff edit; province
coordinators and the national admin read; every other role gets a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mahalleh.community import selectors, services
from mahalleh.community.forms import (
    GroupFilterForm,
    GroupForm,
    MeetingForm,
    MemberAddForm,
    MemberLeaveForm,
    MemberRoleForm,
)
from mahalleh.community.models import Membership
from mahalleh.core.access import create_page, edit_page, form_page, page_for, page_of, run_service
from mahalleh.core.forms import initial_from
from mahalleh.registry.selectors import person_list

PAGE_SIZE = 50
SEARCH_LIMIT = 20


# Readers of the groups; editors (office staff) for the edit pages.
groups_view = page_for(selectors.can_read_groups)


groups_edit_view = page_for(selectors.can_edit_groups)


def _group_url(group) -> str:
    return reverse("community:detail", args=[group.pk])


# --------------------------------------------------------------------------- groups


@groups_view
def group_list(request):
    user = request.user
    form = GroupFilterForm(request.GET, actor=user)
    groups = selectors.group_list(user=user, **form.selector_kwargs()).order_by("name", "pk")
    page = page_of(request, groups, PAGE_SIZE)
    return render(
        request,
        "community/group_list.html",
        {
            "form": form,
            "page": page,
            "can_edit": selectors.can_edit_groups(user),
            "active_within": selectors.ACTIVE_WITHIN_DAYS,
        },
    )


@groups_edit_view
def group_create(request):
    user = request.user
    form = GroupForm(request.POST or None, actor=user, initial={"founded_on": timezone.localdate()})
    return create_page(
        request,
        form=form,
        save=lambda d: services.group_create(actor=user, **form.group_fields()),
        message=_("The group was created. Now add its members."),
        done=_group_url,
        template="community/form.html",
        context={"title": _("New group"), "testid": "group-form"},
    )


@groups_edit_view
def group_edit(request, pk):
    user = request.user
    group = selectors.group_get(user=user, pk=pk)
    initial = initial_from(group, "name", "kind", "neighbourhood", "founded_on", "description")
    form = GroupForm(request.POST or None, actor=user, initial=initial)
    return edit_page(
        request,
        form=form,
        save=lambda d, version: services.group_update(
            actor=user, group=group, version=version, **form.group_fields()
        ),
        message=_("The group was saved."),
        done=_group_url,
        template="community/form.html",
        context={"group": group, "title": _("Edit group"), "testid": "group-form"},
    )


def _detail_context(request, group, *, add_form=None, query=None) -> dict:
    user = request.user
    query = (request.GET.get("q") or "").strip() if query is None else query
    members = selectors.group_members(user=user, group=group)
    return {
        "group": group,
        "members": members,
        "current_count": sum(1 for m in members if m.left_on is None),
        "meetings": selectors.meeting_list(user=user, group=group).order_by("-date", "-pk"),
        "can_edit": selectors.can_edit_groups(user) and group.office_id == user.office_id,
        "query": query,
        "candidates": selectors.member_candidates(user=user, group=group, query=query, limit=SEARCH_LIMIT),
        "add_form": add_form or MemberAddForm(),
        "roles": Membership.Role,
        "active_within": selectors.ACTIVE_WITHIN_DAYS,
    }


@groups_view
def group_detail(request, pk):
    group = selectors.group_get(user=request.user, pk=pk)
    return render(request, "community/group_detail.html", _detail_context(request, group))


@groups_edit_view
def member_search(request, pk):
    """The htmx partial of the "add a member" search: residents matching what was typed."""
    group = selectors.group_get(user=request.user, pk=pk)
    context = _detail_context(request, group)
    return render(request, "community/_candidates.html", context)


@groups_edit_view
@require_POST
def member_add(request, pk):
    user = request.user
    group = selectors.group_get(user=user, pk=pk)
    form = MemberAddForm(request.POST)
    query = (request.POST.get("q") or "").strip()
    if form.is_valid():
        person = person_list(user=user).filter(pk=form.cleaned_data["person"]).first()
        if person is None:
            form.add_error(None, _("This resident is not in your office's registry."))
        else:
            d = form.cleaned_data
            membership = run_service(
                request,
                form,
                lambda: services.member_add(
                    actor=user, group=group, person=person, role=d["role"], joined_on=d["joined_on"]
                ),
                _("%(name)s joined the group.") % {"name": person.full_name},
            )
            if membership:
                return redirect("community:detail", pk=group.pk)
    # Refused: the group page again, with the error at the form and the search kept.
    context = _detail_context(request, group, add_form=form, query=query)
    context["add_person"] = (
        person_list(user=user).filter(pk=form.cleaned_data.get("person")).first()
        if getattr(form, "cleaned_data", {}).get("person")
        else None
    )
    return render(request, "community/group_detail.html", context, status=400)


@groups_edit_view
def member_leave(request, pk):
    user = request.user
    membership = selectors.membership_get(user=user, pk=pk)
    group = selectors.group_get(user=user, pk=membership.group_id)
    form = MemberLeaveForm(request.POST or None)
    return form_page(
        request,
        form=form,
        save=lambda d: services.member_leave(actor=user, membership=membership, left_on=d["left_on"]),
        message=_("%(name)s left the group. Their membership stays in the group's history.")
        % {"name": membership.person.full_name},
        done=lambda saved: _group_url(group),
        template="community/form.html",
        context={
            "group": group,
            "title": _("Record leaving the group"),
            "intro": _("%(name)s leaves the group. The membership is kept in the group's history.")
            % {"name": membership.person.full_name},
            "testid": "member-leave-form",
        },
    )


@groups_edit_view
@require_POST
def member_role(request, pk):
    user = request.user
    membership = selectors.membership_get(user=user, pk=pk)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose leader or member."))
    else:
        role = form.cleaned_data["role"]
        try:
            services.member_set_role(actor=user, membership=membership, role=role)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied:
            messages.error(request, _("Your role does not allow this action."))
        else:
            if role == Membership.Role.LEADER:
                text = _("%(name)s is now a leader of the group.")
            else:
                text = _("%(name)s is now an ordinary member of the group.")
            messages.success(request, text % {"name": membership.person.full_name})
    return redirect("community:detail", pk=membership.group_id)


# --------------------------------------------------------------------------- meetings


@groups_edit_view
def meeting_create(request, pk):
    user = request.user
    group = selectors.group_get(user=user, pk=pk)
    current = selectors.membership_list(user=user, group=group, current=True).values("person_id")
    members = person_list(user=user).filter(pk__in=current).order_by("last_name", "first_name", "pk")
    form = MeetingForm(request.POST or None, members=members)
    return form_page(
        request,
        form=form,
        save=lambda d: services.meeting_record(
            actor=user,
            group=group,
            date=d["date"],
            place=d["place"],
            decisions=d["decisions"],
            attendees=list(d["attendees"]),
        ),
        message=_("The meeting was recorded."),
        done=lambda meeting: _group_url(group),
        template="community/meeting_form.html",
        context={"group": group, "title": _("Record a meeting"), "testid": "meeting-form"},
    )
