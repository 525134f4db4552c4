"""A query compiled once (mahalleh.api.compiled) answers what the ORM answers, each time with the
values of that call: the token look-up every API request makes is one of them."""

import pytest
from rest_framework.authtoken.models import Token

from mahalleh.api.authentication import TOKEN_WITH_USER
from mahalleh.api.compiled import Compiled
from mahalleh.geo.models import Office

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_the_token_look_up_gives_what_the_orm_gives_with_its_related_records(world):
    for user in (world.facilitator_a, world.coordinator, world.admin):
        key = Token.objects.create(user=user).key
        compiled = TOKEN_WITH_USER.first(key=key)
        orm = Token.objects.select_related("user__office__county").get(key=key)
        assert _fields(compiled) == _fields(orm)
        assert _fields(compiled.user) == _fields(orm.user)
        assert compiled.user.last_login == orm.user.last_login and compiled.user.is_active is True
        if orm.user.office_id:
            assert _fields(compiled.user.office) == _fields(orm.user.office)
            assert _fields(compiled.user.office.county) == _fields(orm.user.office.county)
        else:
            assert compiled.user.office is None


def test_each_call_reads_the_database_again(world, django_assert_num_queries):
    token = Token.objects.create(user=world.facilitator_a)
    with django_assert_num_queries(1):
        assert TOKEN_WITH_USER.first(key=token.key).user == world.facilitator_a
    world.facilitator_a.is_active = False
    world.facilitator_a.save(update_fields=["is_active"])
    assert TOKEN_WITH_USER.first(key=token.key).user.is_active is False
    token.delete()
    assert TOKEN_WITH_USER.first(key=token.key) is None
    assert TOKEN_WITH_USER.first(key="") is None


def test_an_inactive_users_token_is_refused_at_once(world, api):
    token = Token.objects.create(user=world.facilitator_a)
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/me/").status_code == 200
    world.facilitator_a.is_active = False
    world.facilitator_a.save(update_fields=["is_active"])
    assert client.get("/api/v1/me/").status_code == 401


def test_rows_keep_the_querysets_order(world):
    ordered = Compiled(lambda code: Office.objects.exclude(code=code).order_by("-code"), code="(marker)")
    assert [office.code for office in ordered.all(code=world.office_a.code)] == list(
        Office.objects.exclude(code=world.office_a.code).order_by("-code").values_list("code", flat=True)
    )


def test_a_marker_that_is_not_exactly_one_parameter_is_refused(world):
    twice = Compiled(lambda code: Office.objects.filter(code=code, name_fa=code), code="(marker)")
    with pytest.raises(ValueError, match="2 parameters"):
        twice.all(code="x")
    absent = Compiled(lambda code: Office.objects.all(), code="(marker)")
    with pytest.raises(ValueError, match="0 parameters"):
        absent.all(code="x")
