"""Harm cases (with their status history), consents and needs assessments through the API."""

import pytest

from mahalleh.audit.models import AuditEntry
from mahalleh.registry.models import Assessment, Consent, HarmCase

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


# --------------------------------------------------------------------------- harm types


def test_harm_types_list_the_seeded_taxonomy(world, api):
    codes = {
        h["code"]
        for h in api(world.facilitator_a).get("/api/v1/harm-types/", {"page_size": 100}).json()["results"]
    }
    assert {"addiction", "child_labour", "school_dropout", "prisoner_family"} <= codes


# --------------------------------------------------------------------------- harm cases

CASES = "/api/v1/harm-cases/"


def test_harm_cases_are_scoped(world, reg, api):
    assert ids(api(world.facilitator_a).get(CASES)) == {reg.case_a.pk}
    assert ids(api(world.coordinator).get(CASES)) == {reg.case_a.pk, reg.case_b.pk}
    assert ids(api(world.partner_user).get(CASES)) == set()
    assert api(world.facilitator_a).get(f"{CASES}{reg.case_b.pk}/").status_code == 404


def test_harm_case_filters(world, reg, api):
    client = api(world.coordinator)
    assert ids(client.get(CASES, {"household": reg.hh_b.pk})) == {reg.case_b.pk}
    assert ids(client.get(CASES, {"person": reg.child_a.pk})) == {reg.case_a.pk}
    assert ids(client.get(CASES, {"status": "in_care"})) == set()


def test_open_a_case_then_move_it_to_in_care(world, reg, api):
    client = api(world.facilitator_a)
    response = client.post(
        CASES,
        {
            "person": reg.head_a.pk,
            "harm_type": reg.addiction.pk,
            "identified_on": "2024-03-01",
            "note": "گزارش همسایه",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    case = response.json()
    assert (case["status"], case["harm_type_code"], case["household"]) == (
        "identified",
        "addiction",
        reg.hh_a.pk,
    )
    assert [e["to_status"] for e in case["events"]] == ["identified"]

    moved = client.post(
        f"{CASES}{case['id']}/transition/",
        {"to_status": "in_care", "on": "2024-03-10", "note": "ارجاع به مشاور", "version": case["version"]},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["status"] == "in_care"
    assert [(e["from_status"], e["to_status"], e["on"]) for e in body["events"]] == [
        ("", "identified", "2024-03-01"),
        ("identified", "in_care", "2024-03-10"),
    ]
    assert body["events"][1]["by"] == world.facilitator_a.pk
    assert AuditEntry.objects.filter(object_type="harmcase", action="update", via="api").exists()


def test_an_impossible_transition_is_a_400_at_to_status(world, reg, api):
    response = api(world.facilitator_a).post(
        f"{CASES}{reg.case_a.pk}/transition/", {"to_status": "relapsed", "on": "2024-03-10"}, format="json"
    )
    assert response.status_code == 400
    assert "to_status" in response.json()
    reg.case_a.refresh_from_db()
    assert reg.case_a.status == "identified"


def test_a_stale_transition_is_refused(world, reg, api):
    client = api(world.facilitator_a)
    version = client.get(f"{CASES}{reg.case_a.pk}/").json()["version"]
    ok = {"to_status": "in_care", "on": "2024-02-01", "version": version}
    assert client.post(f"{CASES}{reg.case_a.pk}/transition/", ok, format="json").status_code == 200
    again = {"to_status": "resolved", "on": "2024-03-01", "version": version}
    assert client.post(f"{CASES}{reg.case_a.pk}/transition/", again, format="json").status_code == 409
    reg.case_a.refresh_from_db()
    assert reg.case_a.status == "in_care"


def test_transition_of_another_offices_case_is_404(world, reg, api):
    response = api(world.facilitator_a).post(
        f"{CASES}{reg.case_b.pk}/transition/", {"to_status": "in_care", "on": "2024-03-10"}, format="json"
    )
    assert response.status_code == 404
    reg.case_b.refresh_from_db()
    assert reg.case_b.status == "identified"


def test_coordinator_cannot_transition(world, reg, api):
    response = api(world.coordinator).post(
        f"{CASES}{reg.case_a.pk}/transition/", {"to_status": "in_care", "on": "2024-03-10"}, format="json"
    )
    assert response.status_code == 403


def test_the_same_open_harm_twice_is_refused(world, reg, api):
    response = api(world.facilitator_a).post(
        CASES,
        {"person": reg.child_a.pk, "harm_type": reg.child_labour.pk, "identified_on": "2024-03-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "harm_type" in response.json()
    assert HarmCase.objects.filter(person=reg.child_a).count() == 1


def test_unknown_harm_type_is_a_400(world, reg, api):
    response = api(world.facilitator_a).post(
        CASES, {"person": reg.child_a.pk, "harm_type": 99999, "identified_on": "2024-03-01"}, format="json"
    )
    assert response.status_code == 400
    assert "harm_type" in response.json()


def test_retrieving_a_case_is_audited(world, reg, api):
    assert api(world.manager_a).get(f"{CASES}{reg.case_a.pk}/").status_code == 200
    entry = AuditEntry.objects.get(action="view", object_type="harmcase", object_id=str(reg.case_a.pk))
    assert (entry.user, entry.via) == (world.manager_a, "api")


# --------------------------------------------------------------------------- consents

CONSENTS = "/api/v1/consents/"


def test_record_and_list_consent(world, reg, api):
    client = api(world.facilitator_a)
    body = {
        "person": reg.child_a.pk,
        "purpose": "photos",
        "given": False,
        "on": "2024-04-01",
        "given_by": "مادر",
    }
    response = client.post(CONSENTS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["recorded_by"] == world.facilitator_a.pk
    assert ids(client.get(CONSENTS, {"person": reg.child_a.pk})) == {response.json()["id"]}
    assert ids(api(world.facilitator_b).get(CONSENTS)) == set()


def test_consent_for_another_offices_resident_is_404(world, reg, api):
    body = {"person": reg.head_b.pk, "purpose": "registry", "given": True, "on": "2024-04-01"}
    assert api(world.facilitator_a).post(CONSENTS, body, format="json").status_code == 404
    assert not Consent.objects.exists()


def test_consent_dated_in_the_future_is_refused(world, reg, api):
    body = {"person": reg.head_a.pk, "purpose": "registry", "given": True, "on": "2999-01-01"}
    response = api(world.facilitator_a).post(CONSENTS, body, format="json")
    assert response.status_code == 400
    assert "on" in response.json()


# --------------------------------------------------------------------------- assessments

ASSESSMENTS = "/api/v1/assessments/"


def test_record_an_assessment_scores_it_and_sets_the_household_vulnerability(world, reg, api):
    client = api(world.facilitator_a)
    body = {"household": reg.hh_a.pk, "on": "2024-04-01", "answers": {"no_income": True, "debt": False}}
    response = client.post(ASSESSMENTS, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["score"] > 0
    assert data["answers"]["no_income"] is True
    assert data["assessor"] == world.facilitator_a.pk
    assert client.get(f"/api/v1/households/{reg.hh_a.pk}/").json()["vulnerability"] == data["score"]
    assert ids(client.get(ASSESSMENTS, {"household": reg.hh_a.pk})) == {data["id"]}
    assert ids(api(world.pr_a).get(ASSESSMENTS)) == set()


def test_unknown_checklist_item_is_a_400(world, reg, api):
    body = {"household": reg.hh_a.pk, "on": "2024-04-01", "answers": {"owns_a_yacht": True}}
    response = api(world.facilitator_a).post(ASSESSMENTS, body, format="json")
    assert response.status_code == 400
    assert "answers" in response.json()
    assert not Assessment.objects.exists()


def test_assessment_of_another_offices_household_is_404(world, reg, api):
    body = {"household": reg.hh_b.pk, "on": "2024-04-01", "answers": {}}
    assert api(world.facilitator_a).post(ASSESSMENTS, body, format="json").status_code == 404


def test_dates_must_be_iso(world, reg, api):
    body = {"household": reg.hh_a.pk, "on": "1403/01/15", "answers": {}}
    response = api(world.facilitator_a).post(ASSESSMENTS, body, format="json")
    assert response.status_code == 400
    assert "on" in response.json()
