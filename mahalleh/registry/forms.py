"""Forms of the registry pages. They only parse what was typed; the services check the rules."""

import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalleh.core.forms import (
    FilterFormMixin,
    JalaliDateField,
    LtrTextInput,
    ReadOnceModelChoiceField,
    StyledFormMixin,
    VersionField,
    choice_field,
)
from mahalleh.core.jalali import to_jalali
from mahalleh.core.persian import to_latin_digits
from mahalleh.geo.selectors import neighbourhood_list
from mahalleh.registry import selectors
from mahalleh.registry.models import Consent, HarmCase, Household, Person
from mahalleh.registry.services import PERSON_FIELDS

AGE_GROUP_LABELS = {
    "child": _("child (0–11)"),
    "adolescent": _("adolescent (12–17)"),
    "youth": _("youth (18–29)"),
    "adult": _("adult (30–59)"),
    "elderly": _("elderly (60+)"),
}

#: Short names for tables ("child" the age group, not "child" the relation to the head).

HOUSEHOLD_FORM_FIELDS = ("neighbourhood", "address", "phone", "tenure", "income_band", "external_id")


def _ltr(**attrs) -> forms.TextInput:
    return LtrTextInput(attrs=attrs)


class HouseholdFilterForm(FilterFormMixin, StyledFormMixin, forms.Form):
    """The search box and filters of the household list (a GET form; every field optional)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, national code or mobile"), "autocomplete": "off"}
        ),
    )
    neighbourhood = ReadOnceModelChoiceField(
        label=_("Neighbourhood"), queryset=None, required=False, empty_label=_("All neighbourhoods")
    )
    harm_type = ReadOnceModelChoiceField(
        label=_("Social harm"), queryset=None, required=False, empty_label=_("Any harm or none")
    )
    age_group = forms.ChoiceField(
        label=_("Has a member aged"), required=False, choices=[("", _("Any age")), *AGE_GROUP_LABELS.items()]
    )
    consent = forms.ChoiceField(
        label=_("Registry consent"),
        required=False,
        choices=[("", _("Any")), ("given", _("given")), ("missing", _("missing"))],
    )
    vulnerability_min = forms.IntegerField(
        label=_("Vulnerability at least"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    submit_label = _("Search")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the names the options show (not the boundary's GeoJSON and three joined places).
        self.fields["neighbourhood"].queryset = (
            neighbourhood_list(user=actor).select_related(None).only("id", "name_fa", "name_en")
        )
        self.fields["harm_type"].queryset = selectors.harm_types()
        # A wide search box and a narrow score: their columns in core/_filter_form.html.
        self.fields["q"].column = "col-12 col-lg-4"
        self.fields["vulnerability_min"].column = "col-12 col-sm-6 col-lg-2"

    def selector_kwargs(self) -> dict:
        """Keyword arguments of `selectors.household_list` for the filters that were valid."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": (data.get("q") or "").strip() or None,
            "neighbourhood": data.get("neighbourhood"),
            "harm_type": data.get("harm_type"),
            "age_group": data.get("age_group") or None,
            "consent": data.get("consent") or None,
            "vulnerability_min": data.get("vulnerability_min"),
        }


class HouseholdForm(StyledFormMixin, forms.Form):
    neighbourhood = forms.ModelChoiceField(label=_("Neighbourhood"), queryset=None)
    address = forms.CharField(
        label=_("Address"), max_length=400, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False, widget=_ltr(inputmode="tel"))
    tenure = choice_field(_("Housing tenure"), Household.Tenure.choices, required=False)
    income_band = choice_field(_("Income band"), Household.Income.choices, required=False)
    external_id = forms.CharField(
        label=_("External id"),
        max_length=64,
        required=False,
        widget=_ltr(),
        help_text=_("The household's number in the office's own records or spreadsheet, if any."),
    )
    version = VersionField()

    def __init__(self, *args, actor, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = neighbourhood_list(user=actor)
        self.fields["neighbourhood"].queryset = choices
        if editing:
            # A household changes neighbourhood only by moving its members to a new household.
            self.fields["neighbourhood"].disabled = True
        elif not self.is_bound and "neighbourhood" not in self.initial and len(choices) == 1:
            self.initial["neighbourhood"] = choices[0]

    def household_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("address", "phone", "tenure", "income_band", "external_id")}


class PersonForm(StyledFormMixin, forms.Form):
    id_type = forms.ChoiceField(
        label=_("ID type"), choices=Person.IdType.choices, initial=Person.IdType.NATIONAL_CODE
    )
    national_code = forms.CharField(
        label=_("National code"),
        max_length=20,
        required=False,
        widget=_ltr(inputmode="numeric"),
        help_text=_("10 digits; Persian or Latin digits."),
    )
    document_number = forms.CharField(
        label=_("Card or passport number"), max_length=32, required=False, widget=_ltr()
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    father_name = forms.CharField(label=_("Father's name"), max_length=100, required=False)
    sex = choice_field(_("Sex"), Person.Sex.choices)
    birth_date = JalaliDateField(label=_("Birth date"), required=False)
    relation = choice_field(_("Relation to the head"), Person.Relation.choices)
    nationality = forms.ChoiceField(
        label=_("Nationality"), choices=Person.Nationality.choices, initial=Person.Nationality.IRANIAN
    )
    education = choice_field(_("Education"), Person.Education.choices, required=False)
    school_enrolled = forms.NullBooleanField(
        label=_("Enrolled in school"),
        required=False,
        widget=forms.NullBooleanSelect,
        help_text=_("Only for ages 6 to 18; ignored for other ages."),
    )
    employment = choice_field(_("Employment"), Person.Employment.choices, required=False)
    disability = forms.ChoiceField(
        label=_("Disability"), choices=Person.Disability.choices, initial=Person.Disability.NONE
    )
    insurance = choice_field(_("Health insurance"), Person.Insurance.choices, required=False)
    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=20,
        required=False,
        widget=_ltr(inputmode="tel", placeholder="09121234567"),
    )
    confirm_duplicate = forms.BooleanField(label=_("This is a different person: save anyway"), required=False)
    version = VersionField()

    #: Fields shown only for some ID types (the page hides the others; the service ignores them).
    ID_TYPE_FIELDS = {
        "national_code": [Person.IdType.NATIONAL_CODE],
        "document_number": [Person.IdType.FOREIGN_ID, Person.IdType.PASSPORT],
    }

    def person_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in PERSON_FIELDS if k in self.cleaned_data}

    @staticmethod
    def initial_from(person: Person) -> dict:
        return {k: getattr(person, k) for k in PERSON_FIELDS}

    def person_bound_fields(self):
        return [self[name] for name in self.fields if name not in ("confirm_duplicate", "version")]


#: How many years before this one a person of each relation to the head was plausibly born: the
#: birth-date picker opens there (an adult head around 1365, a child around 1395), not today.
TYPICAL_AGE = {
    "head": 40,
    "spouse": 38,
    "child": 10,
    "parent": 65,
    "sibling": 38,
    "grandchild": 5,
    "relative": 35,
    "other": 35,
}


def birth_years() -> dict:
    """{relation: Jalali year} where the birth-date picker of that relation opens."""
    this_year = to_jalali(timezone.localdate()).year
    return {relation: this_year - age for relation, age in TYPICAL_AGE.items()}


class HouseholdPageMixin:
    """What the one-page household registration adds to each person's fields: example values (the
    widgets show them in Persian digits in the Persian UI) and the picker's plausible years. Errors
    are tied to their inputs by Django (aria-describedby -> {auto_id}_error)."""

    def _household_page_widgets(self, relation: str = "head"):
        date = self.fields["birth_date"].widget
        date.attrs["placeholder"] = "1365/05/03"
        date.attrs["data-birth-years"] = json.dumps(birth_years())
        date.attrs["data-relation-default"] = relation
        self.fields["mobile"].widget.attrs["placeholder"] = "09121234567"

    def mark_service_errors(self):
        """After a service put errors on the form (add_error), show those fields as invalid too."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


class HouseholdCreateForm(HouseholdPageMixin, HouseholdForm, PersonForm):
    """One form for a new household and its head (member 1), saved together or not at all; the
    other members are `MemberForm` rows of the same page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["relation"]
        del self.fields["version"]
        self._household_page_widgets("head")

    def household_bound_fields(self):
        return [self[name] for name in HOUSEHOLD_FORM_FIELDS]

    def person_bound_fields(self):
        return [
            self[name]
            for name in self.fields
            if name not in HOUSEHOLD_FORM_FIELDS and name not in ("confirm_duplicate", "version")
        ]


class MemberForm(HouseholdPageMixin, PersonForm):
    """One more member's row on the household page (prefix ``member-<n>``); the head is row 1."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        relation = self.fields["relation"]
        relation.choices = [c for c in relation.choices if c[0] != Person.Relation.HEAD]
        self._household_page_widgets("child")

    def person_fields(self) -> dict:
        confirm = self.cleaned_data.get("confirm_duplicate", False)
        return {**super().person_fields(), "confirm_duplicate": confirm}

    def person_bound_fields(self):
        return [self[name] for name in self.fields if name != "confirm_duplicate"]


class HouseholdChoiceField(forms.ModelChoiceField):
    """A household typed by its number (Persian or Latin digits), among those the user may see."""

    default_error_messages = {
        "invalid_choice": _("There is no household with this number in your neighbourhoods."),
    }

    def to_python(self, value):
        if isinstance(value, str):
            value = to_latin_digits(value).strip().lstrip("#")
        return super().to_python(value)


class PersonMoveForm(StyledFormMixin, forms.Form):
    to_household = HouseholdChoiceField(
        label=_("Household number"),
        queryset=None,
        widget=_ltr(inputmode="numeric"),
        help_text=_("Search above and choose a household, or type its number."),
    )
    relation = choice_field(_("Relation to the head there"), Person.Relation.choices)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_household"].queryset = selectors.household_list(user=actor)


class PersonStatusForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Person.Status.choices)
    on = JalaliDateField(label=_("Date"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class HarmCaseForm(StyledFormMixin, forms.Form):
    harm_type = forms.ModelChoiceField(label=_("Social harm"), queryset=None)
    identified_on = JalaliDateField(label=_("Identified on"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["harm_type"].queryset = selectors.harm_types()
        self.fields["identified_on"].initial = timezone.localdate()


class HarmTransitionForm(StyledFormMixin, forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=HarmCase.Status.choices)
    on = JalaliDateField(label=_("Date"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = VersionField()

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # The list offers only the allowed moves; anything else posted reaches the service,
        # which refuses it with its own message.
        self.fields["to_status"].widget.choices = [
            (value, label) for value, label in HarmCase.Status.choices if value in allowed
        ]
        self.fields["on"].initial = timezone.localdate()


class ConsentForm(StyledFormMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    given = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("consent given")), ("no", _("consent withdrawn or refused"))],
        coerce=lambda v: v == "yes",
        initial="yes",
    )
    on = JalaliDateField(label=_("Date"))
    given_by = forms.CharField(
        label=_("Given by"),
        max_length=120,
        required=False,
        help_text=_("The resident, or the guardian of a child."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class AssessmentForm(StyledFormMixin, forms.Form):
    """One checkbox per active checklist item, then the date and a note."""

    on = JalaliDateField(label=_("Date"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        checks = {
            f"item_{item.code}": forms.BooleanField(
                label=item.label,
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            for item in self.items
        }
        self.fields = {**checks, **self.fields}
        self.fields["on"].initial = timezone.localdate()

    def answers(self) -> dict:
        return {item.code: bool(self.cleaned_data.get(f"item_{item.code}")) for item in self.items}
