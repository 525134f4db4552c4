"""Forms of the activity pages. They only parse what was typed; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mahalleh.activities import selectors
from mahalleh.activities.models import Activity
from mahalleh.core.forms import JalaliDateField, StyledFormMixin, VersionField
from mahalleh.core.persian import to_latin_digits
from mahalleh.registry.ages import AGE_GROUP_CHOICES

STATE_CHOICES = [("", _("All")), ("current", _("Current")), ("finished", _("Finished"))]


class ActivityFilterForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Activity.Kind.choices]
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)

    def selector_kwargs(self) -> dict:
        if not self.is_valid():
            return {}
        return {"kind": self.cleaned_data["kind"] or None, "state": self.cleaned_data["state"] or None}

    @property
    def has_filters(self) -> bool:
        return bool(self.is_valid() and any(self.cleaned_data.values()))


class ActivityForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *Activity.Kind.choices])
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    age_groups = forms.MultipleChoiceField(
        label=_("Target age groups"),
        required=False,
        choices=AGE_GROUP_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every age."),
    )
    sex = forms.ChoiceField(label=_("For"), choices=Activity.Sex.choices, initial=Activity.Sex.ANY)
    partner = forms.ModelChoiceField(
        label=_("Partner organisation"), queryset=None, required=False, empty_label=_("None")
    )
    facilitator = forms.ModelChoiceField(label=_("Responsible facilitator"), queryset=None)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    starts_on = JalaliDateField(label=_("Starts on"))
    ends_on = JalaliDateField(label=_("Ends on"), required=False)
    version = VersionField()

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = selectors.partner_choices(office=office)
        self.fields["facilitator"].queryset = selectors.facilitator_choices(office=office)
        self.fields["facilitator"].label_from_instance = lambda u: u.display_name
        # Checkboxes, not a text box: StyledFormMixin gave the group "form-control".
        self.fields["age_groups"].widget.attrs["class"] = "form-check-input"

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {name: d[name] for name in d if name != "version"}

    @staticmethod
    def initial_from(activity: Activity) -> dict:
        return {
            "kind": activity.kind,
            "title": activity.title,
            "description": activity.description,
            "age_groups": activity.age_groups,
            "sex": activity.sex,
            "partner": activity.partner,
            "facilitator": activity.facilitator,
            "place": activity.place,
            "starts_on": activity.starts_on,
            "ends_on": activity.ends_on,
        }


class TimeField(forms.TimeField):
    """A time typed with Persian or Latin digits (16:30, ۱۶:۳۰)."""

    widget = forms.TimeInput(attrs={"type": "time", "dir": "ltr"}, format="%H:%M")

    def to_python(self, value):
        if isinstance(value, str):
            value = to_latin_digits(value).strip()
        return super().to_python(value)


class SessionForm(StyledFormMixin, forms.Form):
    date = JalaliDateField(label=_("Date"))
    start_time = TimeField(label=_("Starts at"), required=False)
    end_time = TimeField(label=_("Ends at"), required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class UnenrolForm(StyledFormMixin, forms.Form):
    on = JalaliDateField(label=_("Left on"), required=False)
