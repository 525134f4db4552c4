"""Households through the API: list with the list page's filters, retrieve, create, update with a version."""

import datetime

import pytest

from mahalleh.audit.models import AuditEntry
from mahalleh.registry import services
from mahalleh.registry.models import Household

pytestmark = pytest.mark.django_db

URL = "/api/v1/households/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_facilitator_lists_only_the_households_of_their_office(world, reg, api):
    assert ids(api(world.facilitator_a).get(URL)) == {reg.hh_a.pk, reg.hh_a2.pk}
    assert ids(api(world.facilitator_b).get(URL)) == {reg.hh_b.pk}


def test_coordinator_lists_the_province_and_admin_the_country(world, reg, api):
    assert ids(api(world.coordinator).get(URL)) == {reg.hh_a.pk, reg.hh_a2.pk, reg.hh_b.pk}
    assert ids(api(world.admin).get(URL)) == {reg.hh_a.pk, reg.hh_a2.pk, reg.hh_b.pk, reg.hh_f.pk}


@pytest.mark.parametrize("role", ["analyst", "pr_a", "partner_user"])
def test_roles_without_personal_data_get_an_empty_list_and_404(world, reg, api, role):
    client = api(getattr(world, role))
    assert ids(client.get(URL)) == set()
    assert client.get(f"{URL}{reg.hh_a.pk}/").status_code == 404


def test_household_of_another_office_is_404(world, reg, api):
    client = api(world.facilitator_a)
    assert client.get(f"{URL}{reg.hh_b.pk}/").status_code == 404
    assert (
        client.patch(f"{URL}{reg.hh_b.pk}/", {"version": "x", "address": "hacked"}, format="json").status_code
        == 404
    )
    reg.hh_b.refresh_from_db()
    assert reg.hh_b.address == "خیابان یاس"


def test_retrieve_has_members_and_writes_an_api_view_entry(world, reg, api):
    response = api(world.facilitator_a).get(f"{URL}{reg.hh_a.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["head"] == reg.head_a.pk
    assert body["head_name"] == "علی رضایی"
    assert {m["id"] for m in body["members"]} == {reg.head_a.pk, reg.child_a.pk}
    assert body["members"][0]["birth_date"] == "1980-03-01"  # ISO 8601, oldest first
    entry = AuditEntry.objects.filter(
        action="view", object_type="household", object_id=str(reg.hh_a.pk)
    ).get()
    assert (entry.user, entry.via, entry.office_id) == (world.facilitator_a, "api", world.office_a.pk)


def test_search_finds_households_by_member_name_with_arabic_yeh(world, reg, api):
    client = api(world.facilitator_a)
    assert ids(client.get(URL, {"q": "رضاي"})) == {reg.hh_a.pk}  # Arabic yeh in the query
    assert ids(client.get(URL, {"q": reg.child_a.national_code})) == {reg.hh_a.pk}


def test_search_does_not_reach_another_office(world, reg, api):
    client = api(world.facilitator_a)
    assert ids(client.get(URL, {"q": "کریمی"})) == set()
    assert ids(client.get(URL, {"q": reg.head_b.national_code})) == set()


def test_filters_narrow_the_list(world, reg, api):
    client = api(world.facilitator_a)
    assert ids(client.get(URL, {"harm_type": reg.child_labour.pk})) == {reg.hh_a.pk}
    assert ids(client.get(URL, {"harm_type": reg.addiction.pk})) == set()
    assert ids(client.get(URL, {"age_group": "child"})) == {reg.hh_a.pk}
    assert ids(client.get(URL, {"neighbourhood": world.hood_a.pk})) == {reg.hh_a.pk, reg.hh_a2.pk}
    assert ids(client.get(URL, {"neighbourhood": world.hood_b.pk})) == set()
    assert ids(client.get(URL, {"consent": "missing"})) == {reg.hh_a.pk, reg.hh_a2.pk}
    services.consent_record(
        actor=world.facilitator_a,
        person=reg.head_a,
        purpose="registry",
        given=True,
        on=datetime.date(2024, 1, 1),
    )
    assert ids(client.get(URL, {"consent": "given"})) == {reg.hh_a.pk}
    services.assessment_record(
        actor=world.facilitator_a,
        household=reg.hh_a2,
        on=datetime.date(2024, 1, 1),
        answers={"no_income": True, "food_insecurity": True},
    )
    assert ids(client.get(URL, {"vulnerability_min": 20})) == {reg.hh_a2.pk}


def test_a_bad_filter_value_is_a_400_naming_the_parameter(world, reg, api):
    response = api(world.facilitator_a).get(URL, {"age_group": "teen", "vulnerability_min": 300})
    assert response.status_code == 400
    assert set(response.json()) == {"age_group", "vulnerability_min"}


def test_keyset_pagination_walks_every_household_once(world, reg, api):
    client = api(world.admin)
    seen, url, params = [], URL, {"page_size": 1}
    while url:
        body = client.get(url, params).json()
        seen += [h["id"] for h in body["results"]]
        url, params = body["next"], None
    assert sorted(seen) == sorted(Household.objects.values_list("pk", flat=True))
    assert len(seen) == 4


def test_facilitator_creates_a_household_in_their_neighbourhood(world, reg, api):
    response = api(world.facilitator_a).post(
        URL, {"neighbourhood": world.hood_a.pk, "address": " کوچه  یاس ", "tenure": "owned"}, format="json"
    )
    assert response.status_code == 201, response.content
    household = Household.objects.get(pk=response.json()["id"])
    assert (household.address, household.tenure, household.created_by) == (
        "کوچه یاس",
        "owned",
        world.facilitator_a,
    )
    entry = AuditEntry.objects.get(action="create", object_type="household", object_id=str(household.pk))
    assert entry.via == "api"


def test_create_in_another_offices_neighbourhood_is_refused(world, reg, api):
    before = Household.objects.count()
    response = api(world.facilitator_a).post(URL, {"neighbourhood": world.hood_b.pk}, format="json")
    assert response.status_code == 404
    assert Household.objects.count() == before


@pytest.mark.parametrize("role", ["admin", "coordinator", "analyst", "pr_a", "partner_user"])
def test_roles_that_cannot_edit_the_registry_cannot_create(world, reg, api, role):
    before = Household.objects.count()
    response = api(getattr(world, role)).post(URL, {"neighbourhood": world.hood_a.pk}, format="json")
    assert response.status_code == 403
    assert Household.objects.count() == before


def test_create_with_a_bad_choice_is_a_400_at_the_field(world, reg, api):
    response = api(world.facilitator_a).post(
        URL, {"neighbourhood": world.hood_a.pk, "tenure": "castle"}, format="json"
    )
    assert response.status_code == 400
    assert "tenure" in response.json()


def test_update_with_the_current_version_saves_and_returns_a_new_version(world, reg, api):
    client = api(world.facilitator_a)
    version = client.get(f"{URL}{reg.hh_a.pk}/").json()["version"]
    response = client.patch(
        f"{URL}{reg.hh_a.pk}/", {"version": version, "address": "کوچه تازه"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["address"] == "کوچه تازه"
    assert response.json()["version"] != version
    entry = AuditEntry.objects.filter(action="update", object_type="household").latest("pk")
    assert entry.changes == {"address": ["کوچه بهار، پلاک ۳", "کوچه تازه"]}
    assert entry.via == "api"


def test_update_on_stale_data_is_refused_with_a_message_and_changes_nothing(world, reg, api):
    client = api(world.facilitator_a)
    stale = client.get(f"{URL}{reg.hh_a.pk}/").json()["version"]
    # Someone else saves the household in the meantime.
    services.household_update(actor=world.manager_a, household=reg.hh_a, phone="03430000000")
    response = client.patch(f"{URL}{reg.hh_a.pk}/", {"version": stale, "address": "overwrite"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "stale"
    assert "کاربر دیگری" in response.json()["detail"]  # "someone else changed it", in the user's language
    reg.hh_a.refresh_from_db()
    assert (reg.hh_a.address, reg.hh_a.phone) == ("کوچه بهار، پلاک ۳", "03430000000")


def test_update_needs_the_version(world, reg, api):
    response = api(world.facilitator_a).patch(f"{URL}{reg.hh_a.pk}/", {"address": "x"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()


def test_coordinator_can_read_but_not_update(world, reg, api):
    client = api(world.coordinator)
    version = client.get(f"{URL}{reg.hh_a.pk}/").json()["version"]
    response = client.patch(f"{URL}{reg.hh_a.pk}/", {"version": version, "address": "x"}, format="json")
    assert response.status_code == 403


def test_put_and_delete_are_not_allowed(world, reg, api):
    client = api(world.facilitator_a)
    assert client.put(f"{URL}{reg.hh_a.pk}/", {}, format="json").status_code == 405
    assert client.delete(f"{URL}{reg.hh_a.pk}/").status_code == 405
    assert Household.objects.filter(pk=reg.hh_a.pk).exists()


def test_anonymous_gets_nothing(reg, api):
    assert api().get(URL).status_code in {401, 403}
