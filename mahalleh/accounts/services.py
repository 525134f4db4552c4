"""Every write to staff accounts goes through here."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from mahalleh.accounts.models import NATIONAL_ROLES, OFFICE_ROLES, Role, User
from mahalleh.core.scoping import assignable_roles, can_manage_staff, office_q, province_q
from mahalleh.core.services import locked_fresh, require
from mahalleh.geo.models import Office, Province


def _check_scope(actor, *, role: str, province: Province | None, office: Office | None, partner) -> dict:
    """Check the role and scope an actor gives an account; return the scope fields to store."""
    require(can_manage_staff(actor))
    if role not in assignable_roles(actor):
        raise ValidationError({"role": _("You cannot give this role.")}, code="role")
    scope = {"province": None, "office": None, "partner": None}
    if role in NATIONAL_ROLES:
        return scope
    if role == Role.PROVINCE_COORDINATOR:
        if province is None:
            raise ValidationError({"province": _("A province coordinator needs a province.")}, code="scope")
        if not Province.objects.filter(province_q(actor), pk=province.pk).exists():
            raise ValidationError({"province": _("This province is outside your scope.")}, code="scope")
        scope["province"] = province
    elif role in OFFICE_ROLES:
        if office is None:
            raise ValidationError({"office": _("Office staff need an office.")}, code="scope")
        if not Office.objects.filter(office_q(actor), pk=office.pk).exists():
            raise ValidationError({"office": _("This office is outside your scope.")}, code="scope")
        scope["office"] = office
    elif role == Role.PARTNER_USER:
        if partner is None:
            raise ValidationError(
                {"partner": _("A partner user needs a partner organisation.")}, code="scope"
            )
        scope["partner"] = partner
    return scope


def _contacts(first_name: str, last_name: str, email: str, mobile: str) -> dict:
    """An account's names and contacts as stored: names and email trimmed."""
    return {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": email.strip(),
        "mobile": mobile,
    }


def _set_password(user: User, password: str) -> None:
    """Set `password` if the password validators accept it for `user`; their messages at `password`."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    mobile: str = "",
    province: Province | None = None,
    office: Office | None = None,
    partner=None,
) -> User:
    scope = _check_scope(actor, role=role, province=province, office=office, partner=partner)
    fields = {"role": role, **_contacts(first_name, last_name, email, mobile), **scope}
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")}, code="unique")
    user = User(username=username, **fields)
    _set_password(user, password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_update(
    *,
    actor,
    user: User,
    version: str | None = None,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    mobile: str = "",
    province: Province | None = None,
    office: Office | None = None,
    partner=None,
    is_active: bool = True,
) -> User:
    user = locked_fresh(user, version)
    # The actor must be allowed to manage the account as it is and as it will be.
    require(user.role in assignable_roles(actor) or actor.is_superuser)
    if user.pk == actor.pk and not is_active:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")}, code="self")
    scope = _check_scope(actor, role=role, province=province, office=office, partner=partner)
    fields = {"role": role, **_contacts(first_name, last_name, email, mobile), **scope}
    for key, value in {**fields, "is_active": is_active}.items():
        setattr(user, key, value)
    user.full_clean(exclude=["password"])
    user.save()
    if not is_active:
        Token.objects.filter(user=user).delete()
    return user


@transaction.atomic
def user_set_password(*, actor, user: User, password: str) -> User:
    if actor.pk != user.pk:
        require(can_manage_staff(actor) and user.role in assignable_roles(actor))
    _set_password(user, password)
    user.save(update_fields=["password", "updated_at"])
    Token.objects.filter(user=user).delete()
    return user


@transaction.atomic
def token_issue(*, user: User) -> Token:
    token, _created = Token.objects.get_or_create(user=user)
    return token


def otp_wait_seconds(device) -> int:
    """Seconds before ``device`` accepts another code (0 if it does now).

    django-otp throttles a TOTP device after a wrong code (1 s, then 2, 4, ...); a code entered
    sooner is refused even when right, so the person must be told to wait, not that it is wrong.
    """
    import math

    from django.utils import timezone

    allowed, data = device.verify_is_allowed()
    if allowed or not data or not data.get("locked_until"):
        return 0
    return max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))


@transaction.atomic
def otp_device_for(*, user: User):
    """The user's authenticator: the confirmed one, or (the first time) an unconfirmed one to enrol.

    Returns ``(device, enrolling)``; the unconfirmed device is kept, so reloading the enrolment
    page shows the same secret.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        return device, False
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    return device, True


@transaction.atomic
def otp_verify(*, device, token: str) -> bool:
    """Check a code; the first right code confirms an enrolling device."""
    if not device.verify_token(token):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True
