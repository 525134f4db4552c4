"""Forms of the group pages. They only parse what was typed; the services check the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalleh.community.models import CommunityGroup, Membership
from mahalleh.core.forms import FilterFormMixin, JalaliDateField, StyledFormMixin, VersionField, choice_field
from mahalleh.geo.selectors import neighbourhood_list


class GroupFilterForm(FilterFormMixin, StyledFormMixin, forms.Form):
    """The filters of the group list (a GET form; every field optional)."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *CommunityGroup.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active and inactive")), ("active", _("active")), ("inactive", _("inactive"))],
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"), queryset=None, required=False, empty_label=_("All neighbourhoods")
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].queryset = neighbourhood_list(user=actor).filter(office__isnull=False)

    def selector_kwargs(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        status = data.get("status")
        return {
            "kind": data.get("kind") or None,
            "active": {"active": True, "inactive": False}.get(status),
            "neighbourhood": data.get("neighbourhood"),
        }


class GroupForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = choice_field(_("Kind"), CommunityGroup.Kind.choices)
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=None,
        required=False,
        empty_label=_("The whole office"),
        help_text=_("Leave empty for a group that serves all of the office's neighbourhoods."),
    )
    founded_on = JalaliDateField(label=_("Founded on"))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = VersionField()

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].queryset = neighbourhood_list(user=actor).filter(
            office_id=actor.office_id
        )

    def group_fields(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("name", "kind", "neighbourhood", "founded_on", "description")}


class MemberAddForm(StyledFormMixin, forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)
    joined_on = JalaliDateField(label=_("Joined on"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("joined_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class MemberLeaveForm(StyledFormMixin, forms.Form):
    left_on = JalaliDateField(label=_("Left on"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("left_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class MeetingForm(StyledFormMixin, forms.Form):
    date = JalaliDateField(label=_("Date"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the group decided, one decision a line."),
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attendees"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members, **kwargs):
        """``members``: a queryset of the group's current members (Person), the checkboxes."""
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members
        self.fields["attendees"].label_from_instance = lambda p: p.full_name
        # Each box a Bootstrap checkbox (the mixin would style the group as one form-control).
        self.fields["attendees"].widget.attrs["class"] = "form-check-input"
