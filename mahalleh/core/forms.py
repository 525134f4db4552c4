"""Form pieces shared by every app: Jalali dates, Bootstrap classes, stale-edit protection."""

import datetime

from django import forms
from django.core.exceptions import ValidationError

from mahalleh.core.i18n import is_persian
from mahalleh.core.jalali import format_jalali, parse_date
from mahalleh.core.persian import to_persian_digits
from mahalleh.core.services import version_token

# The first, empty option of a select that must not preselect a value.
BLANK = [("", "—")]


def choice_field(label, choices, *, required: bool = True, **kwargs) -> forms.ChoiceField:
    """A select that opens on the empty option (`BLANK`), then `choices`."""
    return forms.ChoiceField(label=label, choices=BLANK + list(choices), required=required, **kwargs)


class LocalDigitsPlaceholder:
    """A widget whose example placeholder ("1402/05/03", "09121234567") is shown in Persian digits in
    the Persian UI: the attrs are fixed when the form class is defined, the language only per request."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if widget_attrs.get("placeholder") and is_persian():
            widget_attrs["placeholder"] = to_persian_digits(str(widget_attrs["placeholder"]))
        return context


class LtrTextInput(LocalDigitsPlaceholder, forms.TextInput):
    """A text box for numbers and codes typed left to right (mobile numbers, card numbers)."""

    def __init__(self, attrs=None):
        super().__init__({"dir": "ltr", "autocomplete": "off", **(attrs or {})})


class JalaliDateInput(LocalDigitsPlaceholder, forms.TextInput):
    """A text box with the Jalali date picker; shows and takes Jalali dates."""

    def __init__(self, attrs=None):
        base = {"data-jdp": "", "autocomplete": "off", "inputmode": "numeric", "placeholder": "1402/05/03"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime.date):
            persian = is_persian()
            return format_jalali(value, persian_digits=persian)
        return value


class JalaliDateField(forms.Field):
    """A date typed in Jalali (Persian or Latin digits; ISO Gregorian accepted too), stored Gregorian."""

    widget = JalaliDateInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value
        return parse_date(str(value))

    def validate(self, value):
        super().validate(value)


class VersionField(forms.CharField):
    """Hidden token of the state the form was opened on; the service refuses stale edits."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def sent_version(data: dict) -> str | None:
    """The version a form was opened on (its `VersionField`), or None when it sent none: the
    service then has nothing to compare and saves."""
    return data.get("version") or None


class StyledFormMixin:
    """Bootstrap classes on every widget, and `is-invalid` on the fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class FilterFormMixin:
    """A list page's filter form (core/_filter_form.html): `selector_kwargs()` gives the list
    selector's arguments, and a filter is set when any of them is given ("Clear" is then shown)."""

    @property
    def has_filters(self) -> bool:
        return any(v not in (None, "") for v in self.selector_kwargs().values())


def initial_from(obj, *names: str, **values) -> dict:
    """An edit form's initial values: the attributes `names` of `obj` (unless `values` gives one),
    the other `values`, and the `version` the form sends back so a stale edit is refused."""
    return {**{n: getattr(obj, n) for n in names if n not in values}, **values, "version": version_token(obj)}


def apply_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: at the field when it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ReadOnceModelChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices of a select read with one plain query, kept by the queryset: Django's own
    iterator reads them through queryset.iterator(), on PostgreSQL a server-side cursor (DECLARE,
    FETCH, CLOSE: three round trips for a handful of rows) on every page of a list."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ReadOnceModelChoiceField(forms.ModelChoiceField):
    iterator = ReadOnceModelChoiceIterator
