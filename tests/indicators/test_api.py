"""The indicators API: scoped and suppressed exactly like the pages; every answer schema-checked."""

import pytest

from mahalleh.indicators.models import Indicator, ManualValue, Target
from mahalleh.indicators.refresh import refresh
from tests.indicators.conftest import TODAY

FIGURES = "/api/v1/facts/figures/"


@pytest.fixture
def refreshed(hood):
    refresh(full=True, today=TODAY)
    return hood


def test_the_catalogue_lists_active_indicators(refreshed, api):
    body = api(refreshed.world.analyst).get("/api/v1/indicators/").json()
    codes = {row["code"] for row in body["results"]}
    assert {"school_enrolment", "ready_for_work", "police_reports"} <= codes
    assert api(refreshed.world.partner_user).get("/api/v1/indicators/").json()["results"] == []


def test_figures_are_exact_for_the_manager_and_suppressed_for_the_analyst(refreshed, api):
    w = refreshed.world
    query = {"indicator": "school_enrolment", "period": "1403", "level": "neighbourhood"}
    exact = api(w.manager_a).get(FIGURES, query).json()
    assert [(r["place_name"], r["numerator"], r["denominator"]) for r in exact["rows"]] == [
        ("محله الف", 2.0, 3.0)
    ]
    hidden = api(w.analyst).get(FIGURES, query).json()
    hood_a = next(r for r in hidden["rows"] if r["place"] == w.hood_a.pk)
    assert hood_a == {**hood_a, "suppressed": True, "numerator": None, "value": None}
    assert all(r["numerator"] is None or r["numerator"] >= 5 for r in hidden["rows"] + [hidden["total"]])


def test_the_manager_of_office_b_never_sees_office_a(refreshed, api):
    w = refreshed.world
    body = (
        api(w.manager_b)
        .get(FIGURES, {"indicator": "school_enrolment", "period": "1403", "level": "neighbourhood"})
        .json()
    )
    assert [r["place"] for r in body["rows"]] == [w.hood_b.pk]
    facts = api(w.manager_b).get("/api/v1/facts/", {"indicator": "school_enrolment"}).json()["results"]
    assert {f["neighbourhood"] for f in facts} == {w.hood_b.pk}


def test_raw_facts_are_for_staff_with_personal_data_access_only(refreshed, api):
    w = refreshed.world
    assert api(w.analyst).get("/api/v1/facts/").json()["results"] == []
    assert api(w.pr_a).get("/api/v1/facts/").json()["results"] == []
    assert api(w.manager_a).get("/api/v1/facts/", {"period": "1403"}).json()["results"]


def test_a_bad_period_is_refused_at_the_field(refreshed, api):
    response = api(refreshed.world.manager_a).get(
        FIGURES, {"indicator": "school_enrolment", "period": "1403-13"}
    )
    assert response.status_code == 400
    assert "period" in response.json()


def test_targets_are_written_by_role_and_refused_outside_the_plan(refreshed, api):
    w = refreshed.world
    body = {
        "indicator": "school_enrolment",
        "level": "office",
        "place": w.office_a.pk,
        "year": 1404,
        "value": 85,
    }
    assert api(w.manager_a).post("/api/v1/targets/", body, format="json").status_code == 201
    assert api(w.facilitator_a).post("/api/v1/targets/", body, format="json").status_code == 403
    other = api(w.manager_b).post("/api/v1/targets/", body, format="json")
    assert other.status_code == 400 and "place" in other.json()
    late = api(w.manager_a).post("/api/v1/targets/", {**body, "year": 1410}, format="json")
    assert late.status_code == 400 and "year" in late.json()
    too_much = api(w.manager_a).post("/api/v1/targets/", {**body, "value": 140}, format="json")
    assert too_much.status_code == 400 and "value" in too_much.json()
    assert Target.objects.count() == 1
    listed = api(w.manager_b).get("/api/v1/targets/").json()["results"]
    assert listed == []


def test_manual_values_wait_for_the_managers_approval(refreshed, api):
    w = refreshed.world
    body = {"indicator": "police_reports", "neighbourhood": w.hood_a.pk, "period": "1403-05", "value": "12",
            "source_note": "کلانتری ۱۲"}  # fmt: skip
    created = api(w.facilitator_a).post("/api/v1/manual-values/", body, format="json")
    assert created.status_code == 201 and created.json()["status"] == "pending"
    pk = created.json()["id"]
    assert api(w.facilitator_a).post(f"/api/v1/manual-values/{pk}/approve/").status_code == 403
    assert api(w.manager_b).post(f"/api/v1/manual-values/{pk}/approve/").status_code == 404
    assert api(w.manager_a).post(f"/api/v1/manual-values/{pk}/approve/").json()["status"] == "approved"
    assert ManualValue.objects.get().status == "approved"
    half = api(w.facilitator_a).post(
        "/api/v1/manual-values/", {**body, "period": "1403-06", "value": "2.5"}, format="json"
    )
    assert half.status_code == 400 and "value" in half.json()


def test_computed_indicators_take_no_manual_value(refreshed, api):
    w = refreshed.world
    body = {"indicator": "school_enrolment", "neighbourhood": w.hood_a.pk, "period": "1403", "value": "50",
            "source_note": "x"}  # fmt: skip
    response = api(w.facilitator_a).post("/api/v1/manual-values/", body, format="json")
    assert response.status_code == 400 and "indicator" in response.json()
    assert Indicator.objects.get(code="school_enrolment").kind == "computed"
