"""Signing in: wrong passwords, lockout, the second factor, and session lifetime."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mahalleh.accounts.models import User

LOGIN = "/accounts/login/"
OTP = "/accounts/second-factor/"
PASSWORD = "correct-horse-9"


def _code(device, offset: int = 0) -> str:
    return f"{(totp(device.bin_key) + offset) % 1_000_000:06d}"


def _invalid_login_message() -> str:
    with translation.override("fa"):
        return str(AuthenticationForm.error_messages["invalid_login"]) % {
            "username": User._meta.get_field("username").verbose_name
        }


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# ---------------------------------------------------------------------------------------------
# Password


def test_wrong_password_shows_an_error_and_starts_no_session(world, client):
    response = client.post(LOGIN, {"username": "facilitator_a", "password": "wrong-horse-9"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="form-errors"' in html
    assert escape(_invalid_login_message()) in html
    assert not _signed_in(client)
    assert client.get("/").status_code == 302


def test_facilitator_signs_in_and_lands_on_home(world, client):
    response = client.post(LOGIN, {"username": "facilitator_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert _signed_in(client)
    assert client.get("/").status_code == 200


def test_sign_in_follows_a_safe_next_but_not_an_outside_one(world, client):
    response = client.post(LOGIN + "?next=/places/map/", {"username": "facilitator_a", "password": PASSWORD})
    assert response["Location"] == "/places/map/"
    client.logout()
    response = client.post(
        LOGIN + "?next=https://evil.example/", {"username": "facilitator_a", "password": PASSWORD}
    )
    assert "evil.example" not in response["Location"]


def test_signing_out_ends_the_session(world, client):
    client.post(LOGIN, {"username": "facilitator_a", "password": PASSWORD})
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not _signed_in(client)
    assert client.get("/").status_code == 302


# ---------------------------------------------------------------------------------------------
# Lockout (django-axes)


def test_five_wrong_passwords_lock_the_account_with_a_429_page(world, client):
    statuses = [
        client.post(LOGIN, {"username": "facilitator_a", "password": f"wrong-{i}"}).status_code
        for i in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    response = client.post(LOGIN, {"username": "facilitator_a", "password": PASSWORD})
    assert response.status_code == 429
    assert 'data-testid="lockout"' in response.content.decode()
    assert not _signed_in(client)


def test_lockout_page_says_how_long_to_wait(world, client):
    for i in range(5):
        response = client.post(LOGIN, {"username": "facilitator_a", "password": f"wrong-{i}"})
    assert response.status_code == 429
    assert response.context["minutes"] == settings.AXES_COOLOFF_TIME.total_seconds() // 60
    assert response.context["failure_limit"] == 5


def test_lockout_of_one_account_does_not_lock_another(world, client):
    for i in range(5):
        client.post(LOGIN, {"username": "facilitator_a", "password": f"wrong-{i}"})
    response = client.post(LOGIN, {"username": "facilitator_b", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client)


def test_a_success_before_the_limit_resets_the_count(world, client):
    for i in range(4):
        client.post(LOGIN, {"username": "facilitator_a", "password": f"wrong-{i}"})
    assert client.post(LOGIN, {"username": "facilitator_a", "password": PASSWORD}).status_code == 302
    client.logout()
    for i in range(4):
        assert client.post(LOGIN, {"username": "facilitator_a", "password": f"wrong-{i}"}).status_code == 200


# ---------------------------------------------------------------------------------------------
# Second factor


@pytest.fixture
def admin_device(world):
    return TOTPDevice.objects.create(user=world.admin, name="phone", confirmed=True)


def test_admin_signing_in_is_sent_to_the_second_factor(world, client, admin_device):
    response = client.post(LOGIN, {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(OTP)


def test_unverified_admin_is_redirected_from_every_page(world, client, admin_device):
    client.force_login(world.admin)
    response = client.get("/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.path, parse_qs(location.query)) == (OTP, {"next": ["/"]})
    for url in ("/places/provinces/", "/accounts/staff/", f"/places/offices/{world.office_a.pk}/"):
        assert client.get(url)["Location"].startswith(OTP), url


def test_wrong_code_shows_an_error_and_stays_unverified(world, client, admin_device):
    client.force_login(world.admin)
    response = client.post(OTP + "?next=/", {"token": _code(admin_device, 1)})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert 'data-field-error="token"' in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_right_code_right_after_a_wrong_one_says_how_many_seconds_to_wait(
    world, client, admin_device, settings
):
    # django-otp locks the device for factor * 2**(failures-1) seconds after a wrong code; a
    # factor of 30 keeps the lock far longer than a slow machine takes between two requests.
    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    client.force_login(world.admin)
    wrong = client.post(OTP + "?next=/", {"token": _code(admin_device, 1)})
    assert "صبر کنید" in wrong.context["form"].errors["token"][0]
    response = client.post(OTP + "?next=/", {"token": _code(admin_device)})
    assert response.status_code == 200
    [message] = response.context["form"].errors["token"]
    assert re.fullmatch(r"پیش از وارد کردن رمز بعدی [۲۳][۰-۹] ثانیه صبر کنید.", message), message
    assert client.get("/").status_code == 302


def test_right_code_lets_the_admin_through_to_the_page_asked_for(world, client, admin_device):
    client.force_login(world.admin)
    response = client.post(OTP + "?next=/places/map/", {"token": _code(admin_device)})
    assert response.status_code == 302
    assert response["Location"] == "/places/map/"
    assert client.get("/").status_code == 200
    assert client.get("/places/map/").status_code == 200


def test_full_sign_in_with_password_and_code(world, client, admin_device):
    response = client.post(LOGIN, {"username": "admin", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith(OTP)
    response = client.post(response.redirect_chain[-1][0], {"token": _code(admin_device)}, follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/"


def test_code_typed_in_persian_digits_is_accepted(world, client, admin_device):
    client.force_login(world.admin)
    persian = _code(admin_device).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert client.post(OTP, {"token": persian}).status_code == 302
    assert client.get("/").status_code == 200


def test_second_factor_does_not_redirect_outside_the_site(world, client, admin_device):
    client.force_login(world.admin)
    response = client.post(OTP + "?next=https://evil.example/", {"token": _code(admin_device)})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_the_page_asked_for_keeps_its_whole_query_string(world, client, admin_device):
    client.force_login(world.admin)
    wanted = "/places/neighbourhoods/?kind=comparison&page=2"
    first = client.get(wanted)
    assert first.status_code == 302
    response = client.post(first["Location"], {"token": _code(admin_device)})
    assert response["Location"] == wanted


def test_first_sign_in_enrols_an_authenticator(world, client):
    client.force_login(world.coordinator)
    page = client.get(OTP)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="otp-qr"' in html and "<svg" in html
    assert page.context["secret"]
    device = TOTPDevice.objects.get(user=world.coordinator)
    assert not device.confirmed
    assert client.post(OTP, {"token": _code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("role", ["analyst", "manager_a", "facilitator_a", "pr_a", "partner_user"])
def test_roles_without_a_second_factor_are_never_redirected(world, client, role):
    client.force_login(getattr(world, role))
    response = client.get("/")
    assert response.status_code == 200
    assert client.get(OTP).status_code == 302  # nothing to do there: back home


def test_coordinator_needs_the_second_factor_too(world, client):
    client.force_login(world.coordinator)
    assert client.get("/")["Location"].startswith(OTP)


# ---------------------------------------------------------------------------------------------
# Session lifetime


def test_session_settings_are_sane():
    assert 3600 <= settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    # The 8 hours are idle time, not since sign-in: the session is re-saved (its expiry pushed
    # forward) every few minutes of use by SessionIdleRefreshMiddleware, not on every request.
    assert 60 <= settings.SESSION_REFRESH_SECONDS <= 900
    assert settings.AXES_FAILURE_LIMIT == 5


def test_session_cookie_ends_with_the_browser_and_is_http_only(world, client):
    response = client.post(LOGIN, {"username": "facilitator_a", "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["httponly"]
    assert not cookie["max-age"] and not cookie["expires"]
    assert cookie["samesite"].lower() in {"lax", "strict"}
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def _expiry(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_session_in_use_is_extended_without_a_write_on_every_page(world, client):
    from mahalleh.core.middleware import SessionIdleRefreshMiddleware

    client.post(LOGIN, {"username": "facilitator_a", "password": PASSWORD})
    first = _expiry(client)
    client.get("/registry/")
    assert _expiry(client) == first  # a click a moment later writes nothing
    # Five minutes later (the refresh stamp made older), the next page pushes the expiry forward.
    session = client.session
    session[SessionIdleRefreshMiddleware.KEY] -= settings.SESSION_REFRESH_SECONDS + 1
    session.save()
    saved = _expiry(client)
    client.get("/registry/")
    assert _expiry(client) > saved
