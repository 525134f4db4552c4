"""Forms of the referral pages. They only parse what was typed; the services check the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mahalleh.core.forms import (
    BLANK,
    JalaliDateField,
    ReadOnceModelChoiceField,
    StyledFormMixin,
    VersionField,
    choice_field,
)
from mahalleh.core.i18n import is_persian
from mahalleh.core.jalali import format_jalali
from mahalleh.referrals.models import Partner, Referral, Service
from mahalleh.referrals.services import PARTNER_FIELDS, SERVICE_FIELDS, default_due_on


class ServiceSelect(forms.Select):
    """Services grouped by organisation; each option carries its default due date for the page's script."""

    def __init__(self, *args, due_dates: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.due_dates = due_dates or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        due = self.due_dates.get(str(value))
        if due:
            option["attrs"]["data-due"] = due
        return option


class ReferralForm(StyledFormMixin, forms.Form):
    service = forms.ChoiceField(label=_("Service"))
    reason = forms.CharField(
        label=_("Reason for the referral"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The partner organisation sees this text, with the resident's name, age group and mobile."
        ),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Referral.Urgency.choices, initial="normal")
    due_on = JalaliDateField(
        label=_("Answer due on"),
        required=False,
        help_text=_("Filled in from the service's usual days to answer; change it if needed."),
    )
    whole_household = forms.BooleanField(
        label=_("Refer the whole household (this resident is the contact)"), required=False
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.services = {str(s.pk): s for s in services}
        groups: dict[str, list] = {}
        for s in services:
            # The partner in the option itself: a phone's picker does not show the group headings.
            groups.setdefault(s.partner.name, []).append((str(s.pk), f"{s.name} — {s.partner.name}"))
        persian = is_persian()
        due_dates = {
            pk: format_jalali(default_due_on(s, on=timezone.localdate()), persian_digits=persian)
            for pk, s in self.services.items()
        }
        field = self.fields["service"]
        field.widget = ServiceSelect(due_dates=due_dates, attrs={"class": "form-select", "data-service": ""})
        field.choices = BLANK + list(groups.items())
        # Prefill the due date from the service chosen (or the only one).
        chosen = self.services.get(str(self.initial.get("service") or ""))
        if chosen is None and len(self.services) == 1:
            chosen = next(iter(self.services.values()))
            self.initial["service"] = str(chosen.pk)
        if chosen is not None and not self.initial.get("due_on"):
            self.initial["due_on"] = default_due_on(chosen)

    def clean_service(self) -> Service:
        service = self.services.get(self.cleaned_data["service"])
        if service is None:
            raise forms.ValidationError(_("Choose a service."))
        return service


class ActionForm(StyledFormMixin, forms.Form):
    """One answer to a referral: accept, decline (with a reason), start, complete (with an outcome),
    cancel. The service checks that the move is allowed and what it needs."""

    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = VersionField()

    def __init__(self, *args, action: str, **kwargs):
        # Several of these forms share a page: keep their field ids apart.
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.action = action
        note = self.fields["note"]
        if action == "decline":
            note.label = _("Reason for declining")
            note.required = True
        elif action == "complete":
            self.fields["outcome"] = choice_field(_("Outcome"), Referral.Outcome.choices)
            self.fields["outcome"].widget.attrs["class"] = "form-select"
            note.label = _("Outcome note")
            note.help_text = _("Required when the outcome is “other”.")
            self.order_fields(["outcome", "note", "version"])
        elif action == "cancel":
            note.label = _("Why is it cancelled?")


class ReferralFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses"))])
    partner = ReadOnceModelChoiceField(
        label=_("Partner organisation"), queryset=None, required=False, empty_label=_("All organisations")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *Referral.Status.choices]
        if partners is None:
            del self.fields["partner"]
        else:
            self.fields["partner"].queryset = partners

    def selector_kwargs(self) -> dict:
        if not self.is_valid():
            return {}
        d = self.cleaned_data
        out = {"status": d.get("status") or None, "overdue": bool(d.get("overdue"))}
        if "partner" in self.fields:
            out["partner"] = d.get("partner")
        return out


class PartnerForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Partner.Kind.choices)
    province = forms.ModelChoiceField(
        label=_("Province"),
        queryset=None,
        required=False,
        empty_label=_("National (all provinces)"),
        help_text=_("Empty for a national organisation."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=20, required=False, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    contact_email = forms.EmailField(
        label=_("Contact email"), required=False, widget=forms.EmailInput(attrs={"dir": "ltr"})
    )
    answer_days = forms.IntegerField(
        label=_("Days to answer"),
        min_value=1,
        max_value=365,
        initial=7,
        help_text=_("How many days the organisation usually takes to answer."),
    )
    version = VersionField()

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces

    def partner_fields(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in PARTNER_FIELDS}


class ServiceForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    answer_days = forms.IntegerField(label=_("Days to answer"), min_value=1, max_value=365)
    active = forms.BooleanField(label=_("Offered now"), required=False, initial=True)
    version = VersionField()

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in SERVICE_FIELDS}
