"""The audit page: who read or changed what, in the user's scope. Read-only: there is no edit view."""

import contextlib
import datetime
import functools
import re
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from mahalleh.accounts.selectors import user_list
from mahalleh.audit import selectors
from mahalleh.audit.models import AuditEntry
from mahalleh.core.forms import FilterFormMixin, JalaliDateField, StyledFormMixin
from mahalleh.core.i18n import is_persian, join_list
from mahalleh.core.jalali import format_jalali
from mahalleh.core.persian import to_persian_digits

PAGE_SIZE = 50


@functools.cache
def _models_by_name() -> dict:
    # object_type is the model's `model_name`; the first app wins on a clash (there is none today).
    out: dict = {}
    for model in apps.get_models():
        out.setdefault(model._meta.model_name, model)
    return out


def object_type_label(object_type: str) -> str:
    model = _models_by_name().get(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_label(model, name: str) -> str:
    field = _field(model, name)
    if field is not None and hasattr(field, "verbose_name"):
        return str(field.verbose_name)
    return str(EXTRA_LABELS.get(name, name))


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
BOOLEANS = {"True": _("yes"), "False": _("no"), True: _("yes"), False: _("no")}


def _display(value):
    """A stored value (strings of the diff, JSON numbers) as the UI shows it: Gregorian ISO dates as
    Jalali, yes/no in words, digits in the UI's digits."""
    if value is None:
        return None
    if isinstance(value, bool) or value in ("True", "False"):
        return str(BOOLEANS[value])
    text = str(value)
    persian = is_persian()
    if ISO_DATE.match(text):
        with contextlib.suppress(ValueError):
            return format_jalali(datetime.date.fromisoformat(text), persian_digits=persian)
    elif ISO_DATETIME.match(text):
        with contextlib.suppress(ValueError):
            moment = datetime.datetime.fromisoformat(text)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return format_jalali(moment, persian_digits=persian, with_time=True)
    return to_persian_digits(text) if persian else text


def _shown_value(model, name: str, value):
    """A stored value as the pages show it: the label of a choice ("rented" → "اجاره‌ای")."""
    field = _field(model, name)
    if value is not None and field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    return _display(value)


# Keys of entries that are about no single object (an export's filters and row count).
EXTRA_LABELS = {
    "format": _("format"),
    "filters": _("filters"),
    "rows": _("rows"),
    "q": _("Search"),
    "query": _("Search"),
    "neighbourhood": _("Neighbourhood"),
    "harm_type": _("Social harm"),
    "age_group": _("Has a member aged"),
    "consent": _("Registry consent"),
    "vulnerability_min": _("Vulnerability at least"),
    # The attendance summary of a session.
    "present": _("present"),
    "absent": _("absent"),
    "walk_ins": _("walk-ins"),
}


# Names of objects that are sentences ("Household of X"): stored in the language of whoever made
# the entry, shown in the reader's.
REPR_TEMPLATES = {"household": [_("Household of %(name)s"), _("Household %(id)s")]}


def shown_repr(entry: AuditEntry) -> str:
    text = entry.object_repr
    for template in REPR_TEMPLATES.get(entry.object_type, []):
        for lang in ("fa", "en"):
            with translation.override(lang):
                spelled = str(template)
            pattern = re.escape(spelled).replace(re.escape("%(name)s"), "(?P<name>.+)")
            pattern = pattern.replace(re.escape("%(id)s"), "(?P<id>.+)")
            match = re.fullmatch(pattern, text)
            if match:
                return str(template) % match.groupdict()
    return text


def describe_changes(entry: AuditEntry) -> list[dict]:
    """The entry's changed fields as rows for the table: label, and old → new (or a value)."""
    model = _models_by_name().get(entry.object_type)
    rows = []
    for name, value in (entry.changes or {}).items():
        row = {"name": name, "label": _field_label(model, name)}
        if isinstance(value, list) and len(value) == 2:
            row["old"], row["new"] = (_shown_value(model, name, v) for v in value)
            row["pair"] = True
        elif isinstance(value, dict):
            row["value"] = join_list(
                f"{_field_label(None, k)}: {_display(v)}" for k, v in value.items() if v not in (None, "")
            )
        else:
            row["value"] = _display(value)
        rows.append(row)
    return rows


# Entries about these kinds of object link to the object's page (which applies its own scope).
OBJECT_PAGES = {"household": "registry:household_detail", "person": "registry:person_detail"}


def object_url(entry: AuditEntry) -> str | None:
    name = OBJECT_PAGES.get(entry.object_type)
    if name is None or not entry.object_id.isdigit():
        return None
    return reverse(name, args=[int(entry.object_id)])


class AuditFilterForm(FilterFormMixin, StyledFormMixin, forms.Form):
    """The audit page's filters (a GET form; every field optional)."""

    actor = forms.ModelChoiceField(label=_("User"), queryset=None, required=False, empty_label=_("Everyone"))
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    since = JalaliDateField(label=_("From"), required=False)
    until = JalaliDateField(label=_("To"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = user_list(user=actor)
        self.fields["action"].choices = [("", _("Any action")), *AuditEntry.Action.choices]
        self.fields["object_type"].choices = [
            ("", _("Any kind")),
            *((t, object_type_label(t)) for t in selectors.audit_object_types(user=actor)),
        ]
        for field in self.fields.values():  # five narrow filters on one line (core/_filter_form.html)
            field.column = "col-6 col-md-4 col-lg-2"

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def selector_kwargs(self) -> dict:
        """Keyword arguments of `selectors.audit_list` for the filters that were valid."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "actor": data.get("actor"),
            "action": data.get("action") or None,
            "object_type": data.get("object_type") or None,
            "since": data.get("since"),
            "until": data.get("until"),
        }


@require_safe  # read-only: no POST, let alone an edit or delete view
@login_required
def audit_list(request):
    user = request.user
    if not selectors.can_browse_audit(user):
        raise Http404
    form = AuditFilterForm(request.GET, actor=user)
    entries = selectors.audit_list(user=user, **form.selector_kwargs())
    # Keyset paging on the id ("older than entry N"): the audit grows fast, and counting it does not scale.
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(pk__lt=int(before))
    rows = list(entries[: PAGE_SIZE + 1])
    has_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    params = {k: v for k, v in request.GET.items() if k != "before" and v}
    older_url = "?" + urlencode({**params, "before": rows[-1].pk}) if has_older else None
    newest_url = "?" + urlencode(params) if before else None
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "entries": [
                {
                    "entry": e,
                    "type_label": object_type_label(e.object_type),
                    "repr": shown_repr(e),
                    "changes": describe_changes(e),
                    "url": object_url(e),
                }
                for e in rows
            ],
            "older_url": older_url,
            "newest_url": newest_url,
        },
    )
