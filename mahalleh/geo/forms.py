from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mahalleh.core.forms import JalaliDateField, StyledFormMixin, VersionField
from mahalleh.geo.geojson import parse_boundary
from mahalleh.geo.models import Neighbourhood
from mahalleh.geo.selectors import county_list, neighbourhood_list, office_list, province_list

MAX_BOUNDARY_BYTES = 2 * 1024 * 1024


class PlaceForm(StyledFormMixin, forms.Form):
    """A place's form: once the place exists (`editing`), its code and the place it lies in
    (`fixed`) are shown but cannot change."""

    fixed = ("code",)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in self.fixed:
                self.fields[name].disabled = True


class ProvinceForm(PlaceForm):
    code = forms.CharField(label=_("Code"), max_length=20)
    name_fa = forms.CharField(label=_("Persian name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)


class CountyForm(ProvinceForm):
    province = forms.ModelChoiceField(label=_("Province"), queryset=None)
    fixed = ("code", "province")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = province_list(user=actor)


class OfficeForm(PlaceForm):
    county = forms.ModelChoiceField(label=_("County"), queryset=None)
    code = forms.CharField(label=_("Code"), max_length=20)
    name_fa = forms.CharField(label=_("Persian name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=400, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    opened_on = JalaliDateField(label=_("Opened on"), required=False)
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=_("Neighbourhoods served"), queryset=None, required=False
    )
    version = VersionField()

    fixed = ("county", "code")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = county_list(user=actor)
        self.fields["neighbourhoods"].queryset = neighbourhood_list(
            user=actor, kind=Neighbourhood.Kind.TARGET
        )

    def clean(self):
        data = super().clean()
        county = data.get("county")
        for n in data.get("neighbourhoods") or []:
            if county is not None and n.county_id != county.pk:
                self.add_error("neighbourhoods", _("An office serves neighbourhoods of its own county only."))
                break
        return data


class NeighbourhoodForm(PlaceForm):
    county = forms.ModelChoiceField(label=_("County"), queryset=None)
    code = forms.CharField(label=_("Code"), max_length=20)
    name_fa = forms.CharField(label=_("Persian name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Neighbourhood.Kind.choices)
    office = forms.ModelChoiceField(label=_("Office"), queryset=None, required=False)
    est_population = forms.IntegerField(label=_("Estimated population"), min_value=0, required=False)
    est_households = forms.IntegerField(label=_("Estimated households"), min_value=0, required=False)
    boundary_file = forms.FileField(
        label=_("Boundary file (GeoJSON)"),
        required=False,
        help_text=_(
            "A .geojson or .json file with one Polygon or MultiPolygon, in [longitude, latitude] order."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".geojson,.json,application/geo+json,application/json"}
        ),
    )
    boundary_text = forms.CharField(
        label=_("Or paste the GeoJSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr", "spellcheck": "false"}),
    )
    version = VersionField()

    fixed = ("county", "code")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = county_list(user=actor)
        self.fields["office"].queryset = office_list(user=actor)

    def clean_boundary_file(self):
        upload = self.cleaned_data.get("boundary_file")
        if not upload:
            return None
        if upload.size > MAX_BOUNDARY_BYTES:
            raise ValidationError(
                _("The file is larger than 2 MB; simplify the boundary first."), code="size"
            )
        raw = upload.read()
        try:
            return parse_boundary(raw)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def clean_boundary_text(self):
        text = (self.cleaned_data.get("boundary_text") or "").strip()
        if not text:
            return None
        return parse_boundary(text)

    def clean(self):
        data = super().clean()
        data["boundary"] = data.get("boundary_file") or data.get("boundary_text")
        office, county = data.get("office"), data.get("county")
        if office is not None and county is not None and office.county_id != county.pk:
            self.add_error("office", _("The office must be in the neighbourhood's county."))
        return data
