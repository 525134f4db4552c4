"""The audit API: read-only, with the same scope as the page (every answer checked against the schema)."""

import pytest

from mahalleh.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def all_ids(client, **params) -> set[int]:
    return ids(client.get(URL, {"page_size": 500, **params}))


def entries(**filters) -> set[int]:
    return set(AuditEntry.objects.filter(**filters).values_list("pk", flat=True))


def test_scope_matches_the_page(world, reg, api):
    assert all_ids(api(world.manager_a)) == entries(office=world.office_a)
    assert all_ids(api(world.coordinator)) == entries(province=world.kerman)
    assert all_ids(api(world.admin)) == entries()


@pytest.mark.parametrize("role", ["facilitator_a", "analyst", "pr_a", "partner_user"])
def test_other_roles_get_an_empty_list_and_404(world, reg, api, role):
    client = api(getattr(world, role))
    assert all_ids(client) == set()
    any_entry = AuditEntry.objects.filter(office=world.office_a).first()
    assert client.get(f"{URL}{any_entry.pk}/").status_code == 404


def test_an_entry_of_another_office_is_404(world, reg, api):
    other = AuditEntry.objects.filter(office=world.office_b).first()
    assert api(world.manager_a).get(f"{URL}{other.pk}/").status_code == 404
    assert api(world.manager_b).get(f"{URL}{other.pk}/").status_code == 200


def test_api_reads_of_registry_records_show_in_the_audit_api(world, reg, api):
    api(world.facilitator_a).get(f"/api/v1/households/{reg.hh_a.pk}/")
    found = api(world.manager_a).get(URL, {"action": "view", "object_type": "household"}).json()["results"]
    assert len(found) == 1
    assert found[0]["via"] == "api"
    assert found[0]["user"] == world.facilitator_a.pk
    assert found[0]["username"] == "facilitator_a"
    assert found[0]["object_id"] == str(reg.hh_a.pk)


def test_filters(world, reg, api):
    client = api(world.coordinator)
    assert all_ids(client, user=world.facilitator_b.pk) == entries(user=world.facilitator_b)
    assert all_ids(client, object_type="harmcase") == entries(province=world.kerman, object_type="harmcase")
    assert all_ids(client, object_type="person", object_id=str(reg.head_b.pk)) == entries(
        object_type="person", object_id=str(reg.head_b.pk)
    )
    assert client.get(URL, {"since": "1403/01/01"}).status_code == 400  # the API speaks ISO 8601


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_an_entry_cannot_be_changed_or_deleted(world, reg, api, method):
    entry = AuditEntry.objects.filter(office=world.office_a).first()
    response = getattr(api(world.admin), method)(f"{URL}{entry.pk}/", {"action": "view"}, format="json")
    assert response.status_code == 405
    after = AuditEntry.objects.get(pk=entry.pk)
    assert (after.action, after.changes) == (entry.action, entry.changes)


def test_no_entry_can_be_added_through_the_api(world, reg, api):
    before = AuditEntry.objects.count()
    response = api(world.admin).post(URL, {"action": "view", "object_type": "x"}, format="json")
    assert response.status_code == 405
    assert AuditEntry.objects.count() == before
