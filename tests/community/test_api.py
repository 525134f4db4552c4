"""The groups API: same scope and rules as the pages; every answer is checked against the OpenAPI schema."""

import pytest

from mahalleh.community import services
from mahalleh.community.models import ACTIVE_WITHIN_DAYS, CommunityGroup, Meeting, Membership
from mahalleh.core.services import version_token
from tests.community.conftest import days_ago, tr

pytestmark = pytest.mark.django_db

GROUPS = "/api/v1/groups/"
MEMBERSHIPS = "/api/v1/memberships/"
MEETINGS = "/api/v1/meetings/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_the_schema_documents_the_group_endpoints(openapi):
    paths = openapi.raw["paths"]
    assert set(paths[GROUPS]) == {"get", "post"}
    assert set(paths[GROUPS + "{id}/"]) == {"get", "patch"}
    assert set(paths[MEMBERSHIPS]) == {"get", "post"}
    assert "post" in paths[MEMBERSHIPS + "{id}/leave/"]
    assert "post" in paths[MEMBERSHIPS + "{id}/role/"]
    assert set(paths[MEETINGS]) == {"get", "post"}
    params = {p["name"] for p in paths[GROUPS]["get"]["parameters"]}
    assert {"kind", "status", "neighbourhood", "office"} <= params


# --------------------------------------------------------------------------- scope


def test_each_office_sees_only_its_groups_and_a_coordinator_sees_the_province(com, api):
    assert ids(api(com.world.facilitator_a).get(GROUPS)) == {com.council.pk}
    assert ids(api(com.world.facilitator_b).get(GROUPS)) == {com.team_b.pk}
    assert ids(api(com.world.coordinator).get(GROUPS)) == {com.council.pk, com.team_b.pk}
    assert ids(api(com.world.coordinator_fars).get(GROUPS)) == set()


def test_facilitator_of_office_b_gets_404_on_office_a_groups_memberships_and_meetings(com, api):
    meeting = services.meeting_record(
        actor=com.world.facilitator_a, group=com.council, date=days_ago(1), attendees=[com.head_a]
    )
    client = api(com.world.facilitator_b)
    assert client.get(f"{GROUPS}{com.council.pk}/").status_code == 404
    assert client.get(f"{MEMBERSHIPS}{com.zahra_membership.pk}/").status_code == 404
    assert client.get(f"{MEETINGS}{meeting.pk}/").status_code == 404
    assert client.patch(f"{GROUPS}{com.council.pk}/", {"name": "x", "version": ""}).status_code == 404
    assert client.post(f"{MEMBERSHIPS}{com.zahra_membership.pk}/leave/", {}).status_code == 404
    joined = client.post(MEMBERSHIPS, {"group": com.council.pk, "person": com.head_b.pk}, format="json")
    assert joined.status_code == 404
    met = client.post(MEETINGS, {"group": com.council.pk, "date": str(days_ago(1))}, format="json")
    assert met.status_code == 404
    assert ids(client.get(MEMBERSHIPS, {"group": com.council.pk})) == set()
    assert Membership.objects.filter(group=com.council, left_on__isnull=True).count() == 2
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize("who", ["analyst", "pr_a", "partner_user"])
def test_roles_that_may_not_see_residents_get_nothing(com, api, who):
    client = api(getattr(com.world, who))
    for endpoint in (GROUPS, MEMBERSHIPS, MEETINGS):
        assert ids(client.get(endpoint)) == set()
    assert client.get(f"{GROUPS}{com.council.pk}/").status_code == 404
    assert client.get(f"{MEMBERSHIPS}{com.zahra_membership.pk}/").status_code == 404
    body = {"name": "x", "kind": "youth", "founded_on": str(days_ago(1))}
    assert client.post(GROUPS, body, format="json").status_code == 403
    assert CommunityGroup.objects.count() == 2


def test_a_coordinator_reads_but_cannot_write(com, api):
    client = api(com.world.coordinator)
    assert client.get(f"{GROUPS}{com.council.pk}/").status_code == 200
    answer = client.post(MEMBERSHIPS, {"group": com.council.pk, "person": com.maryam.pk}, format="json")
    assert answer.status_code == 403
    assert not Membership.objects.filter(person=com.maryam).exists()


# --------------------------------------------------------------------------- flows


def test_a_facilitator_runs_a_group_through_the_api(com, api):
    client = api(com.world.facilitator_a)
    created = client.post(
        GROUPS,
        {
            "name": "صندوق خرد زنان",
            "kind": "savings",
            "neighbourhood": com.world.hood_a.pk,
            "founded_on": str(days_ago(90)),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    group = created.json()
    assert (group["office"], group["members_count"], group["is_active"]) == (com.world.office_a.pk, 0, False)

    joined = client.post(
        MEMBERSHIPS,
        {"group": group["id"], "person": com.zahra.pk, "role": "leader", "joined_on": str(days_ago(80))},
        format="json",
    )
    assert joined.status_code == 201, joined.content
    membership = joined.json()
    assert (membership["role"], membership["is_current"]) == ("leader", True)
    second = client.post(MEMBERSHIPS, {"group": group["id"], "person": com.maryam.pk}, format="json")
    assert second.status_code == 201

    met = client.post(
        MEETINGS,
        {
            "group": group["id"],
            "date": str(days_ago(7)),
            "place": "دفتر",
            "decisions": "سهم ماهانه ۵۰۰ هزار تومان",
            "attendees": [com.zahra.pk, com.maryam.pk],
        },
        format="json",
    )
    assert met.status_code == 201, met.content
    assert sorted(met.json()["attendees"]) == sorted([com.zahra.pk, com.maryam.pk])
    assert met.json()["attendees_count"] == 2

    detail = client.get(f"{GROUPS}{group['id']}/").json()
    assert detail["is_active"] is True
    assert detail["last_meeting"] == str(days_ago(7))
    assert [leader["person"] for leader in detail["leaders"]] == [com.zahra.pk]
    assert detail["members_count"] == 2

    role = client.post(f"{MEMBERSHIPS}{second.json()['id']}/role/", {"role": "leader"}, format="json")
    assert role.status_code == 200 and role.json()["role"] == "leader"
    left = client.post(
        f"{MEMBERSHIPS}{membership['id']}/leave/", {"left_on": str(days_ago(1))}, format="json"
    )
    assert left.status_code == 200
    assert (left.json()["left_on"], left.json()["is_current"]) == (str(days_ago(1)), False)
    back = client.post(MEMBERSHIPS, {"group": group["id"], "person": com.zahra.pk}, format="json")
    assert back.status_code == 201
    history = client.get(MEMBERSHIPS, {"group": group["id"], "person": com.zahra.pk}).json()["results"]
    assert len(history) == 2
    assert ids(client.get(MEMBERSHIPS, {"group": group["id"], "current": "false"})) == {membership["id"]}
    assert ids(client.get(MEETINGS, {"group": group["id"]})) == {met.json()["id"]}


def test_a_member_added_twice_is_a_400_with_the_message(com, api):
    client = api(com.world.facilitator_a)
    answer = client.post(MEMBERSHIPS, {"group": com.council.pk, "person": com.zahra.pk}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"person": [tr("%(name)s is already a member of this group.", name="زهرا رحیمی")]}
    assert Membership.objects.filter(group=com.council, person=com.zahra).count() == 1


def test_a_resident_out_of_scope_is_a_400_not_a_membership(com, api):
    client = api(com.world.facilitator_a)
    answer = client.post(MEMBERSHIPS, {"group": com.council.pk, "person": com.head_b.pk}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"person": [tr("This resident is not in your office's registry.")]}


def test_a_meeting_in_the_future_is_a_400_and_nothing_is_saved(com, api):
    client = api(com.world.facilitator_a)
    answer = client.post(
        MEETINGS,
        {"group": com.council.pk, "date": str(days_ago(-1)), "attendees": [com.head_a.pk]},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["date"] == [tr(services.MESSAGES["meeting_in_future"])]
    assert not Meeting.objects.exists()


def test_a_meeting_with_an_attendee_out_of_scope_is_a_400(com, api):
    client = api(com.world.facilitator_a)
    answer = client.post(
        MEETINGS,
        {"group": com.council.pk, "date": str(days_ago(1)), "attendees": [com.head_a.pk, com.head_b.pk]},
        format="json",
    )
    assert answer.status_code == 400
    assert str(com.head_b.pk) in answer.json()["attendees"][0]
    assert "کریمی" not in answer.json()["attendees"][0]  # nothing about a resident out of scope
    assert not Meeting.objects.exists()


def test_the_status_filter_follows_the_60_day_rule(com, api):
    fa = com.world.facilitator_a
    services.meeting_record(actor=fa, group=com.council, date=days_ago(ACTIVE_WITHIN_DAYS))
    client = api(fa)
    assert ids(client.get(GROUPS, {"status": "active"})) == {com.council.pk}
    assert ids(client.get(GROUPS, {"status": "inactive"})) == set()
    assert ids(client.get(GROUPS, {"kind": "sports"})) == set()
    assert client.get(GROUPS, {"status": "sleeping"}).status_code == 400


def test_a_stale_group_update_is_a_409(com, api):
    client = api(com.world.facilitator_a)
    version = version_token(com.council)
    ok = client.patch(f"{GROUPS}{com.council.pk}/", {"name": "شورای تازه", "version": version}, format="json")
    assert ok.status_code == 200 and ok.json()["name"] == "شورای تازه"
    stale = client.patch(f"{GROUPS}{com.council.pk}/", {"name": "دیگر", "version": version}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    com.council.refresh_from_db()
    assert com.council.name == "شورای تازه"


def test_a_neighbourhood_of_another_office_is_refused(com, api):
    client = api(com.world.facilitator_a)
    body = {
        "name": "گروه",
        "kind": "youth",
        "founded_on": str(days_ago(1)),
        "neighbourhood": com.world.hood_b.pk,
    }
    answer = client.post(GROUPS, body, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"neighbourhood": [tr("Choose one of your office's neighbourhoods.")]}
