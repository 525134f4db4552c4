from django import forms
from django.utils.translation import gettext_lazy as _

from mahalleh.geo.models import Province
from mahalleh.reports.models import Report


class ReportRequestForm(forms.Form):
    scope = forms.ChoiceField(label=_("Report"), choices=Report.Scope.choices)
    period = forms.CharField(
        label=_("Period"),
        max_length=12,
        help_text=_("1403-05 is a month, 1403-S2 a season (summer), 1403 a year."),
    )
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.none(), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("fa", "فارسی"), ("en", "English")])

    def __init__(self, *args, scopes, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )
        self.fields["scope"].choices = [c for c in Report.Scope.choices if c[0] in scopes]
        self.fields["province"].queryset = provinces
        if Report.Scope.PROVINCE not in scopes or len(provinces) <= 1:
            del self.fields["province"]


class NarrativeForm(forms.Form):
    narrative = forms.CharField(
        label=_("Narrative by the office manager"),
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
        required=False,
    )
