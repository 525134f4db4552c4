"""Token API: POST /api/v1/auth/token/ and what a token (or a browser session) may then do."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

URL = "/api/v1/auth/token/"
PASSWORD = "correct-horse-9"


def _code(device, offset: int = 0) -> str:
    return f"{(totp(device.bin_key) + offset) % 1_000_000:06d}"


@pytest.fixture
def admin_device(world):
    return TOTPDevice.objects.create(user=world.admin, name="phone", confirmed=True)


def test_facilitator_gets_a_token_with_a_password(world, api):
    response = api().post(URL, {"username": "facilitator_a", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "facilitator_a"
    assert body["role"] == "facilitator"
    assert body["token"] == Token.objects.get(user=world.facilitator_a).key


def test_the_token_then_works_on_me(world, api):
    token = (
        api().post(URL, {"username": "facilitator_a", "password": PASSWORD}, format="json").json()["token"]
    )
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "facilitator_a"
    assert response.json()["office"] == world.office_a.pk


def test_wrong_password_is_a_400_and_no_token(world, api):
    response = api().post(URL, {"username": "facilitator_a", "password": "wrong-horse-9"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Token.objects.filter(user=world.facilitator_a).exists()


def test_unknown_user_is_the_same_400(world, api):
    response = api().post(URL, {"username": "nobody", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


def test_missing_password_is_named(world, api):
    response = api().post(URL, {"username": "facilitator_a"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_inactive_user_gets_no_token(world, api):
    world.facilitator_a.is_active = False
    world.facilitator_a.save()
    response = api().post(URL, {"username": "facilitator_a", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert not Token.objects.filter(user=world.facilitator_a).exists()


def test_admin_without_otp_is_refused_with_an_otp_error(world, api, admin_device):
    response = api().post(URL, {"username": "admin", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert response.json()["otp"]
    assert not Token.objects.filter(user=world.admin).exists()


def test_admin_with_a_wrong_otp_is_refused(world, api, admin_device):
    body = {"username": "admin", "password": PASSWORD, "otp": _code(admin_device, 1)}
    response = api().post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["otp"]
    assert not Token.objects.filter(user=world.admin).exists()


def test_admin_with_the_right_otp_gets_a_token(world, api, admin_device):
    body = {"username": "admin", "password": PASSWORD, "otp": _code(admin_device)}
    response = api().post(URL, body, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["role"] == "national_admin"


def test_otp_in_persian_digits_is_accepted(world, api, admin_device):
    persian = _code(admin_device).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    response = api().post(URL, {"username": "admin", "password": PASSWORD, "otp": persian}, format="json")
    assert response.status_code == 200


def test_admin_without_an_enrolled_device_is_told_to_enrol_on_the_web(world, api):
    response = api().post(URL, {"username": "admin", "password": PASSWORD, "otp": "123456"}, format="json")
    assert response.status_code == 400
    assert response.json()["otp"]
    assert not Token.objects.filter(user=world.admin).exists()


def test_coordinator_also_needs_the_otp(world, api):
    TOTPDevice.objects.create(user=world.coordinator, name="phone", confirmed=True)
    response = api().post(URL, {"username": "coordinator", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert "otp" in response.json()


def test_no_credentials_is_refused(world, api):
    response = api().get("/api/v1/me/")
    assert response.status_code == 401


def test_a_bad_token_is_refused(world, api):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/v1/me/").status_code == 401


def test_unverified_admin_session_gets_403(world, session_api):
    client = session_api()
    client.force_login(world.admin)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert client.get("/api/v1/provinces/").status_code == 403


def test_verified_admin_session_is_let_in(world, session_api):
    from tests.conftest import verified_client

    client = verified_client(session_api(), world.admin)
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "admin"


def test_facilitator_session_needs_no_second_factor(world, session_api):
    client = session_api()
    client.force_login(world.facilitator_a)
    assert client.get("/api/v1/me/").status_code == 200


def test_repeated_wrong_passwords_lock_the_api_too_with_a_json_answer(world, api):
    client = api()
    statuses = [
        client.post(
            URL, {"username": "facilitator_a", "password": "wrong-horse-9"}, format="json"
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]  # the fifth failure locks the account
    response = client.post(URL, {"username": "facilitator_a", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["detail"]  # JSON a client can show, not the HTML lockout page
    assert not Token.objects.filter(user=world.facilitator_a).exists()


def test_after_a_wrong_code_the_api_says_how_many_seconds_to_wait(world, api, admin_device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 30  # a lock far longer than a slow machine between requests
    client = api()
    wrong = client.post(
        URL,
        {"username": "admin", "password": PASSWORD, "otp": _code(admin_device, 1)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert wrong.status_code == 400
    [message] = wrong.json()["otp"]
    assert message.startswith("A valid TOTP code is required for your role. Wait ")
    # The right code at once is throttled by django-otp: the answer says to wait, not "wrong".
    right = client.post(
        URL,
        {"username": "admin", "password": PASSWORD, "otp": _code(admin_device)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert right.status_code == 400
    [message] = right.json()["otp"]
    assert re.fullmatch(r"Wait [23]\d seconds before entering the next code\.", message), message


def test_a_resident_list_page_by_token_is_three_queries_whatever_the_page_holds(
    world, api, django_assert_num_queries
):
    """The token, its user, the user's office and its county in one query (the audit entry of the
    page names the office and province), then the page, then the audit entry."""
    from mahalleh.audit.models import AuditEntry
    from mahalleh.registry.models import Household, Person

    household = Household.objects.create(neighbourhood=world.hood_a)
    for i in range(5):
        Person.objects.create(household=household, first_name=f"نام{i}", last_name="آزمون", sex="female",
                              relation="child")  # fmt: skip
    token = Token.objects.create(user=world.facilitator_a)
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with django_assert_num_queries(3):
        response = client.get("/api/v1/persons/")
    assert response.status_code == 200 and len(response.json()["results"]) == 5
    entry = AuditEntry.objects.get(action="list", object_type="person")
    assert (entry.office_id, entry.province_id) == (world.office_a.pk, world.kerman.pk)
