import math

import segno
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import login as otp_login

from mahalleh.accounts import services
from mahalleh.accounts.forms import LoginForm, PasswordForm, StaffForm, TokenForm
from mahalleh.accounts.models import Role
from mahalleh.accounts.selectors import user_get, user_list
from mahalleh.core.access import edit_page, form_page
from mahalleh.core.forms import initial_from
from mahalleh.core.persian import localized_digits
from mahalleh.core.scoping import can_manage_staff


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.get_user().needs_second_factor:
            target = self.get_redirect_url() or reverse("core:home")
            return redirect(f"{reverse('accounts:otp')}?{urlencode({'next': target})}")
        return response


def lockout(request, credentials, *args, **kwargs):
    """django-axes calls this once an account is locked: say how long to wait."""
    from axes.models import AccessAttempt

    cool_off = settings.AXES_COOLOFF_TIME
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    last = AccessAttempt.objects.filter(username=username).order_by("-attempt_time").first()
    remaining = cool_off
    if last is not None:
        remaining = max(last.attempt_time + cool_off - timezone.now(), cool_off * 0)
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    if request.path.startswith("/api/"):
        # API clients get JSON, not the HTML page (the token endpoint locks out like the login page).
        message = _(
            "After %(n)s wrong passwords this account is locked. Try again in %(m)s minutes, "
            "or ask your office manager to check your account."
        ) % {"n": settings.AXES_FAILURE_LIMIT, "m": minutes}
        response = JsonResponse({"detail": message, "code": "locked"}, status=429)
        response["Retry-After"] = str(math.ceil(remaining.total_seconds()))
        return response
    return render(
        request,
        "accounts/lockout.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("core:home")


@login_required
def otp_view(request):
    """Second factor: enter the TOTP code, or enrol an authenticator app the first time."""
    user = request.user
    if not user.needs_second_factor or user.is_verified():
        return redirect(_safe_next(request))
    device, enrolling = services.otp_device_for(user=user)
    form = TokenForm(request.POST or None)
    wait = services.otp_wait_seconds(device) if request.method == "POST" and form.is_valid() else 0
    if wait:
        form.add_error("token", otp_wait_message(wait))
    elif request.method == "POST" and form.is_valid():
        if services.otp_verify(device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_safe_next(request))
        wait = services.otp_wait_seconds(device)
        form.add_error(
            "token",
            _("This code is not right or has expired. Enter the code your app shows now.")
            + (" " + otp_wait_message(wait) if wait else ""),
        )
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request)}
    if enrolling:
        context["secret"] = _base32(device.bin_key)
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(request, "accounts/otp.html", context)


def otp_wait_message(seconds: int) -> str:
    return ngettext(
        "Wait %(n)s second before entering the next code.",
        "Wait %(n)s seconds before entering the next code.",
        seconds,
    ) % {"n": localized_digits(seconds)}


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode().rstrip("=")


@login_required
def partner_view(request):
    if request.user.role != Role.PARTNER_USER:
        raise Http404
    return render(request, "accounts/partner.html", {"partner": request.user.partner})


def _require_staff_manager(request):
    if not can_manage_staff(request.user):
        raise Http404


@login_required
def staff_list(request):
    _require_staff_manager(request)
    role = request.GET.get("role") or None
    users = user_list(user=request.user, role=role).order_by("role", "username")
    return render(
        request,
        "accounts/staff_list.html",
        {"users": users, "roles": Role.choices, "role": role or ""},
    )


# What the staff form hands to user_create and user_update, and shows again on an edit.
STAFF_FIELDS = ("role", "first_name", "last_name", "email", "mobile", "province", "office", "partner")


def _staff_kwargs(data: dict) -> dict:
    return {key: data.get(key) for key in STAFF_FIELDS}


@login_required
def staff_create(request):
    _require_staff_manager(request)
    form = StaffForm(request.POST or None, actor=request.user)
    return form_page(
        request,
        form=form,
        save=lambda data: services.user_create(
            actor=request.user, username=data["username"], password=data["password"], **_staff_kwargs(data)
        ),
        message=lambda created: _("The account %(username)s was created.") % {"username": created.username},
        done=_staff_url,
        template="accounts/staff_form.html",
        context={"creating": True},
    )


def _staff_url(account) -> str:
    return reverse("accounts:staff_detail", kwargs={"pk": account.pk})


@login_required
def staff_detail(request, pk):
    _require_staff_manager(request)
    account = user_get(user=request.user, pk=pk)
    return render(request, "accounts/staff_detail.html", {"account": account})


@login_required
def staff_edit(request, pk):
    _require_staff_manager(request)
    account = user_get(user=request.user, pk=pk)
    initial = initial_from(account, "username", *STAFF_FIELDS, "is_active")
    form = StaffForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    return edit_page(
        request,
        form=form,
        save=lambda data, version: services.user_update(
            actor=request.user,
            user=account,
            version=version,
            is_active=data.get("is_active", False),
            **_staff_kwargs(data),
        ),
        message=_("The account was saved."),
        done=lambda saved: _staff_url(account),
        template="accounts/staff_form.html",
        context={"account": account, "creating": False},
    )


@login_required
def staff_password(request, pk):
    _require_staff_manager(request)
    account = user_get(user=request.user, pk=pk)
    form = PasswordForm(request.POST or None)
    return form_page(
        request,
        form=form,
        save=lambda data: services.user_set_password(
            actor=request.user, user=account, password=data["password"]
        ),
        message=_("The password was changed."),
        done=lambda saved: _staff_url(account),
        template="accounts/staff_password.html",
        context={"account": account},
    )
