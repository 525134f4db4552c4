from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from mahalleh.accounts.models import Role, User
from mahalleh.core.forms import StyledFormMixin, VersionField
from mahalleh.core.persian import to_latin_digits
from mahalleh.core.phone import normalize_mobile
from mahalleh.core.scoping import assignable_roles
from mahalleh.geo.selectors import office_list, province_list


class LoginForm(StyledFormMixin, AuthenticationForm):
    pass


class TokenForm(StyledFormMixin, forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        return to_latin_digits(self.cleaned_data["token"]).replace(" ", "")


class StaffForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Role"))
    province = forms.ModelChoiceField(label=_("Province"), queryset=None, required=False)
    office = forms.ModelChoiceField(label=_("Office"), queryset=None, required=False)
    partner = forms.ModelChoiceField(label=_("Partner organisation"), queryset=None, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, required=False, strip=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = VersionField()

    def __init__(self, *args, actor, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        roles = assignable_roles(actor)
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r.value in roles]
        self.fields["province"].queryset = province_list(user=actor)
        self.fields["office"].queryset = office_list(user=actor)
        # The partner model is the referrals app's (a higher layer): reach it through the user's key.
        partners = User._meta.get_field("partner").related_model.objects
        self.fields["partner"].queryset = partners.all() if Role.PARTNER_USER in roles else partners.none()
        if editing:
            self.fields["username"].disabled = True
            del self.fields["password"]
        else:
            self.fields["password"].required = True
            del self.fields["is_active"]
        for name in ("province", "office", "partner"):
            if not self.fields[name].queryset.exists():
                self.fields[name].widget = forms.HiddenInput()

    def clean_mobile(self):
        return normalize_mobile(self.cleaned_data.get("mobile") or "")


class PasswordForm(StyledFormMixin, forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
