from django import forms
from django.utils.translation import gettext_lazy as _

from mahalleh.core.forms import JalaliDateField, StyledFormMixin
from mahalleh.evaluation.models import SurveyResponse, SurveyRound
from mahalleh.geo.models import Neighbourhood, Province
from mahalleh.geo.selectors import neighbourhood_list, province_list


class RoundForm(StyledFormMixin, forms.Form):
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyRound.Kind.choices)
    held_on = JalaliDateField(label=_("Survey date"))
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=_("Neighbourhoods (target and comparison)"),
        queryset=Neighbourhood.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    households_per_neighbourhood = forms.IntegerField(
        label=_("Households to draw per neighbourhood"), min_value=1, max_value=1000, initial=30
    )
    seed = forms.IntegerField(
        label=_("Random seed"),
        min_value=0,
        max_value=2**31 - 1,
        required=False,
        help_text=_("Leave empty for a new random seed. The same seed draws the same sample again."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = province_list(user=actor)
        self.fields["neighbourhoods"].queryset = neighbourhood_list(user=actor).select_related("county")
        self.fields["neighbourhoods"].widget.attrs.pop("class", None)
        self.fields["neighbourhoods"].label_from_instance = lambda n: f"{n} — {n.get_kind_display()}"


YES_NO = [("", "—"), ("yes", _("yes")), ("no", _("no"))]


def _tristate(value):
    return {"yes": True, "no": False}.get(value)


class MemberAnswersForm(StyledFormMixin, forms.Form):
    """One person's answers on the household screen (prefixed with the person id)."""

    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=120, required=False)
    in_school = forms.ChoiceField(label=_("Goes to school (6–18)"), choices=YES_NO, required=False)
    works = forms.ChoiceField(label=_("Worked last week (6–17)"), choices=YES_NO, required=False)
    employment = forms.ChoiceField(
        label=_("Employment (18+)"), choices=[("", "—"), *SurveyResponse.Employment.choices], required=False
    )
    job_training = forms.ChoiceField(label=_("Job training this year"), choices=YES_NO, required=False)
    insured = forms.ChoiceField(label=_("Health insurance"), choices=YES_NO, required=False)
    harms = forms.MultipleChoiceField(
        label=_("Social harms"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, harm_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["harms"].choices = harm_choices
        self.fields["harms"].widget.attrs.pop("class", None)

    def answers(self) -> dict:
        d = self.cleaned_data
        return {
            "age": d.get("age"),
            "in_school": _tristate(d.get("in_school")),
            "works": _tristate(d.get("works")),
            "employment": d.get("employment") or "",
            "job_training": _tristate(d.get("job_training")),
            "insured": _tristate(d.get("insured")),
            "harms": list(d.get("harms") or []),
        }

    @staticmethod
    def initial_from(response) -> dict:
        def tri(v):
            return "" if v is None else ("yes" if v else "no")

        return {
            "age": response.age,
            "in_school": tri(response.in_school),
            "works": tri(response.works),
            "employment": response.employment,
            "job_training": tri(response.job_training),
            "insured": tri(response.insured),
            "harms": response.harms,
        }


class SurveyImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Survey sheet (CSV or XLSX)"))
