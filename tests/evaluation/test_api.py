"""Evaluation API, every response checked against the OpenAPI schema (tests/api/conftest.py)."""

import pytest

from mahalleh.evaluation import estimator
from mahalleh.evaluation.models import SurveyResponse, SurveyRound
from mahalleh.registry.models import Person
from tests.evaluation.conftest import make_round


def test_coordinator_creates_a_round_and_draws_its_sample(ev, api):
    client = api(ev.coordinator)
    created = client.post(
        "/api/v1/survey-rounds/",
        {
            "province": "KRM",
            "name": "خط پایه",
            "kind": "baseline",
            "held_on": "2025-04-01",
            "neighbourhoods": [h.pk for h in ev.hoods],
            "households_per_neighbourhood": 3,
            "seed": 5,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    drawn = client.post(f"/api/v1/survey-rounds/{created.json()['id']}/draw/")
    assert drawn.status_code == 200 and drawn.json()["sampled_at"]
    sample = client.get(f"/api/v1/survey-rounds/{created.json()['id']}/sample/").json()["results"]
    assert len(sample) == 9


def test_round_without_comparison_neighbourhood_is_a_400_and_nothing_saved(ev, api):
    response = api(ev.coordinator).post(
        "/api/v1/survey-rounds/",
        {
            "province": "KRM",
            "name": "x",
            "kind": "baseline",
            "held_on": "2025-04-01",
            "neighbourhoods": [ev.hood_a.pk, ev.hood_b.pk],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "neighbourhoods" in response.json()
    assert not SurveyRound.objects.exists()


def test_answer_for_a_person_not_in_the_sample_is_a_400(ev, api):
    round_ = make_round(ev, per=2)
    sampled = set(round_.sample.values_list("household_id", flat=True))
    outsider = (
        Person.objects.exclude(household_id__in=sampled).filter(household__neighbourhood=ev.hood_a).first()
    )
    response = api(ev.facilitator_a).post(
        "/api/v1/survey-responses/",
        {"round": round_.pk, "person": outsider.pk, "in_school": True},
        format="json",
    )
    assert response.status_code == 400
    assert "person" in response.json()
    assert not SurveyResponse.objects.exists()


def test_answer_in_the_sample_is_saved_once_and_replaced(ev, api):
    round_ = make_round(ev)
    person = round_.sample.filter(neighbourhood=ev.hood_a).first().household.members.first()
    client = api(ev.facilitator_a)
    for insured in (False, True):
        response = client.post(
            "/api/v1/survey-responses/",
            {"round": round_.pk, "person": person.pk, "insured": insured, "harms": ["addiction"]},
            format="json",
        )
        assert response.status_code == 201, response.content
    assert SurveyResponse.objects.get().insured is True
    listed = client.get("/api/v1/survey-responses/").json()["results"]
    assert [r["person"] for r in listed] == [person.pk]


@pytest.mark.skipif(not estimator.available(), reason="the evaluation extra is not installed")
def test_evaluation_endpoint_gives_one_entry_per_indicator(evaluated, api):
    body = api(evaluated.coordinator).get("/api/v1/evaluation/KRM/").json()
    school = next(i for i in body["indicators"] if i["item"] == "school_enrolment")
    assert school["status"] == "ok" and school["estimate"] == pytest.approx(0.5)
    assert school["indicator_code"] == "school_enrolment_6_18"
    assert school["clusters"] == 3 and school["few_clusters"] is True
    assert "Webb" in school["method"]
    assert school["ci_low"] < school["estimate"] < school["ci_high"]
    analyst = api(evaluated.analyst).get("/api/v1/evaluation/KRM/").json()
    hidden = next(i for i in analyst["indicators"] if i["item"] == "school_enrolment")
    assert hidden["status"] == "suppressed" and hidden["estimate"] is None and hidden["table"] is None


def test_evaluation_endpoint_without_baseline_says_so(ev, api):
    response = api(ev.admin).get("/api/v1/evaluation/")
    assert response.status_code == 400
    assert response.json()["code"] in {"no_rounds", "missing_library"}
