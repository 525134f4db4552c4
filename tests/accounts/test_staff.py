"""Staff management: who may create, edit and deactivate which accounts."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mahalleh.accounts import services
from mahalleh.accounts.models import Role, User
from mahalleh.accounts.services import token_issue
from mahalleh.core.services import version_token

STRONG = "kavir-sunset-1402"
CREATE = "accounts:staff_create"


def _new(username="new_facilitator", **extra):
    return {"username": username, "first_name": "زهرا", "last_name": "کرمانی", "password": STRONG, **extra}


def form_data(response, **changes) -> dict:
    """What a browser would post back from the form on the page, with ``changes`` applied."""
    form = response.context["form"]
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def errors(response, name) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(name, [])]


def shown(response, messages) -> bool:
    html = response.content.decode()
    return all(escape(m) in html for m in messages)


# ---------------------------------------------------------------------------------------------
# Office manager


def test_office_manager_sees_only_office_a_staff(world, login):
    response = login(world.manager_a).get(reverse("accounts:staff_list"))
    html = response.content.decode()
    for username in ("manager_a", "facilitator_a", "pr_a"):
        assert f">{username}<" in html
    for username in ("manager_b", "facilitator_b", "coordinator", "admin", "partner"):
        assert f">{username}<" not in html


def test_office_manager_creates_a_facilitator_in_own_office(world, login):
    response = login(world.manager_a).post(
        reverse(CREATE), _new(role=Role.FACILITATOR, office=world.office_a.pk)
    )
    created = User.objects.get(username="new_facilitator")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:staff_detail", args=[created.pk])
    assert (created.role, created.office, created.province) == (Role.FACILITATOR, world.office_a, None)
    assert created.check_password(STRONG)


def test_office_manager_cannot_create_a_facilitator_in_office_b(world, login):
    response = login(world.manager_a).post(
        reverse(CREATE), _new(role=Role.FACILITATOR, office=world.office_b.pk)
    )
    assert response.status_code == 200
    assert errors(response, "office")
    assert shown(response, errors(response, "office"))
    assert not User.objects.filter(username="new_facilitator").exists()


def test_office_manager_is_not_offered_the_coordinator_role(world, login):
    form = login(world.manager_a).get(reverse(CREATE)).context["form"]
    offered = {value for value, _label in form.fields["role"].choices}
    assert offered == {Role.FACILITATOR, Role.PR_OFFICER}
    assert list(form.fields["office"].queryset) == [world.office_a]


@pytest.mark.parametrize(
    "role,scope",
    [
        (Role.PROVINCE_COORDINATOR, "province"),
        (Role.OFFICE_MANAGER, "office"),
        (Role.NATIONAL_ADMIN, None),
        (Role.PARTNER_USER, "partner"),
    ],
)
def test_office_manager_cannot_give_a_higher_role(world, login, role, scope):
    scope_value = {"province": world.kerman.pk, "office": world.office_a.pk, "partner": world.partner.pk}
    data = _new(role=role, **({scope: scope_value[scope]} if scope else {}))
    response = login(world.manager_a).post(reverse(CREATE), data)
    assert response.status_code == 200
    assert errors(response, "role")
    assert not User.objects.filter(username="new_facilitator").exists()


def test_office_manager_cannot_open_staff_of_another_office(world, login):
    client = login(world.manager_a)
    for name in ("accounts:staff_detail", "accounts:staff_edit", "accounts:staff_password"):
        assert client.get(reverse(name, args=[world.facilitator_b.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Province coordinator


def test_coordinator_creates_a_manager_in_a_kerman_office(world, login):
    response = login(world.coordinator).post(
        reverse(CREATE), _new("new_manager", role=Role.OFFICE_MANAGER, office=world.office_b.pk)
    )
    assert response.status_code == 302
    assert User.objects.get(username="new_manager").office == world.office_b


def test_coordinator_cannot_create_staff_in_a_fars_office(world, login):
    response = login(world.coordinator).post(
        reverse(CREATE), _new(role=Role.FACILITATOR, office=world.office_f.pk)
    )
    assert response.status_code == 200
    assert errors(response, "office")
    assert not User.objects.filter(username="new_facilitator").exists()


def test_coordinator_cannot_create_another_coordinator(world, login):
    response = login(world.coordinator).post(
        reverse(CREATE), _new(role=Role.PROVINCE_COORDINATOR, province=world.kerman.pk)
    )
    assert response.status_code == 200
    assert errors(response, "role")
    assert not User.objects.filter(username="new_facilitator").exists()


def test_coordinator_edits_staff_of_a_kerman_office(world, login):
    client = login(world.coordinator)
    url = reverse("accounts:staff_edit", args=[world.facilitator_b.pk])
    response = client.post(url, form_data(client.get(url), first_name="رضا", mobile="۰۹۱۲ ۳۴۵ ۶۷۸۹"))
    assert response.status_code == 302
    world.facilitator_b.refresh_from_db()
    assert (world.facilitator_b.first_name, world.facilitator_b.mobile) == ("رضا", "09123456789")


def test_coordinator_moves_a_facilitator_to_another_kerman_office(world, login):
    client = login(world.coordinator)
    url = reverse("accounts:staff_edit", args=[world.facilitator_b.pk])
    assert client.post(url, form_data(client.get(url), office=world.office_a.pk)).status_code == 302
    world.facilitator_b.refresh_from_db()
    assert world.facilitator_b.office == world.office_a


def test_coordinator_cannot_move_staff_to_fars(world, login):
    client = login(world.coordinator)
    url = reverse("accounts:staff_edit", args=[world.facilitator_b.pk])
    response = client.post(url, form_data(client.get(url), office=world.office_f.pk))
    assert response.status_code == 200
    assert errors(response, "office")
    world.facilitator_b.refresh_from_db()
    assert world.facilitator_b.office == world.office_b


def test_coordinator_cannot_manage_staff_of_fars(world, login):
    fars_facilitator = services.user_create(
        actor=world.admin,
        username="facilitator_f",
        password=STRONG,
        role=Role.FACILITATOR,
        office=world.office_f,
    )
    client = login(world.coordinator)
    assert ">facilitator_f<" not in client.get(reverse("accounts:staff_list")).content.decode()
    for name in ("accounts:staff_detail", "accounts:staff_edit", "accounts:staff_password"):
        assert client.get(reverse(name, args=[fars_facilitator.pk])).status_code == 404
    response = client.post(reverse("accounts:staff_edit", args=[fars_facilitator.pk]), {"is_active": ""})
    assert response.status_code == 404
    fars_facilitator.refresh_from_db()
    assert fars_facilitator.is_active


def test_admin_creates_a_coordinator_for_fars(world, login):
    response = login(world.admin).post(
        reverse(CREATE), _new("coord_2", role=Role.PROVINCE_COORDINATOR, province=world.fars.pk)
    )
    assert response.status_code == 302
    assert User.objects.get(username="coord_2").province == world.fars


def test_coordinator_without_a_province_is_refused(world, login):
    response = login(world.admin).post(reverse(CREATE), _new("coord_2", role=Role.PROVINCE_COORDINATOR))
    assert response.status_code == 200
    assert errors(response, "province")
    assert not User.objects.filter(username="coord_2").exists()


def test_taken_username_is_refused_whatever_its_case(world, login):
    response = login(world.admin).post(
        reverse(CREATE), _new("Facilitator_A", role=Role.FACILITATOR, office=world.office_a.pk)
    )
    assert response.status_code == 200
    assert errors(response, "username")
    assert User.objects.filter(username__iexact="facilitator_a").count() == 1


# ---------------------------------------------------------------------------------------------
# Passwords


def _validator_messages(password: str, user: User) -> list[str]:
    with translation.override("fa"):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            return [str(m) for m in exc.messages]
    raise AssertionError("the password passed the validators")


@pytest.mark.parametrize("weak", ["12345678", "password123", "new_facilitator1"])
def test_weak_password_is_refused_with_the_validators_message(world, login, weak):
    response = login(world.manager_a).post(
        reverse(CREATE), _new(role=Role.FACILITATOR, office=world.office_a.pk, password=weak)
    )
    assert response.status_code == 200
    expected = _validator_messages(
        weak, User(username="new_facilitator", first_name="زهرا", last_name="کرمانی")
    )
    assert errors(response, "password") == expected
    assert shown(response, expected)
    assert not User.objects.filter(username="new_facilitator").exists()


def test_manager_sets_a_new_password_and_the_old_token_stops_working(world, login):
    token = token_issue(user=world.facilitator_a).key
    response = login(world.manager_a).post(
        reverse("accounts:staff_password", args=[world.facilitator_a.pk]), {"password": STRONG}
    )
    assert response.status_code == 302
    world.facilitator_a.refresh_from_db()
    assert world.facilitator_a.check_password(STRONG)
    assert not Token.objects.filter(key=token).exists()


def test_weak_new_password_is_refused(world, login):
    response = login(world.manager_a).post(
        reverse("accounts:staff_password", args=[world.facilitator_a.pk]), {"password": "1234"}
    )
    assert response.status_code == 200
    assert errors(response, "password")
    world.facilitator_a.refresh_from_db()
    assert world.facilitator_a.check_password("correct-horse-9")


# ---------------------------------------------------------------------------------------------
# Deactivation


def test_deactivating_a_user_deletes_their_api_token(world, login):
    token = token_issue(user=world.facilitator_a).key
    client = login(world.manager_a)
    url = reverse("accounts:staff_edit", args=[world.facilitator_a.pk])
    data = form_data(client.get(url))
    data.pop("is_active")  # an unticked checkbox is not posted
    assert client.post(url, data).status_code == 302
    world.facilitator_a.refresh_from_db()
    assert not world.facilitator_a.is_active
    assert not Token.objects.filter(user=world.facilitator_a).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 401


def test_deactivated_user_cannot_sign_in(world, client, login):
    services.user_update(
        actor=world.admin,
        user=world.facilitator_a,
        role=Role.FACILITATOR,
        office=world.office_a,
        is_active=False,
    )
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "facilitator_a", "password": "correct-horse-9"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_cannot_deactivate_themselves(world, login):
    client = login(world.admin)
    url = reverse("accounts:staff_edit", args=[world.admin.pk])
    data = form_data(client.get(url))
    data.pop("is_active")
    response = client.post(url, data)
    assert response.status_code == 200
    assert errors(response, "is_active")
    assert shown(response, errors(response, "is_active"))
    world.admin.refresh_from_db()
    assert world.admin.is_active


@pytest.mark.parametrize("role", ["coordinator", "manager_a"])
def test_staff_managers_cannot_deactivate_themselves(world, login, role):
    user = getattr(world, role)
    client = login(user)
    url = reverse("accounts:staff_edit", args=[user.pk])
    response = client.get(url)
    if response.status_code == 200:
        data = form_data(response)
        data.pop("is_active", None)
        response = client.post(url, data)
        assert response.status_code in {200, 404}
    user.refresh_from_db()
    assert user.is_active
    detail = client.get(reverse("accounts:staff_detail", args=[user.pk])).content.decode()
    assert url not in detail  # no edit button on one's own account


def test_service_refuses_self_deactivation(world):
    with pytest.raises(ValidationError) as exc:
        services.user_update(actor=world.admin, user=world.admin, role=Role.NATIONAL_ADMIN, is_active=False)
    assert "is_active" in exc.value.error_dict


def test_stale_staff_edit_is_refused(world, login):
    client = login(world.manager_a)
    url = reverse("accounts:staff_edit", args=[world.pr_a.pk])
    old_form = form_data(client.get(url), first_name="قدیمی")
    services.user_update(
        actor=world.admin,
        user=world.pr_a,
        version=version_token(world.pr_a),
        role=Role.PR_OFFICER,
        office=world.office_a,
        first_name="تازه",
    )
    response = client.post(url, old_form)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    world.pr_a.refresh_from_db()
    assert world.pr_a.first_name == "تازه"
