import datetime

import pytest
from django.utils import translation

from mahalleh.evaluation import estimator
from mahalleh.evaluation.models import SurveyRound
from mahalleh.evaluation.results import EvaluationError, evaluation_run
from tests.evaluation.conftest import answer_all, make_round

pytestmark = pytest.mark.skipif(not estimator.available(), reason="the evaluation extra is not installed")


def _row(evaluation, code):
    return next(r for r in evaluation.rows if r.item.code == code)


def test_evaluation_without_a_baseline_round_says_so(ev):
    follow = make_round(ev, kind=SurveyRound.Kind.FOLLOW_UP)
    answer_all(ev, follow, enrolled_target=True)
    with pytest.raises(EvaluationError) as exc, translation.override("en"):
        evaluation_run(user=ev.coordinator, province=ev.kerman)
    assert exc.value.code == "no_baseline"
    assert "no baseline round" in exc.value.message


def test_evaluation_with_only_a_baseline_asks_for_a_follow_up(ev):
    answer_all(ev, make_round(ev), enrolled_target=False)
    with pytest.raises(EvaluationError) as exc:
        evaluation_run(user=ev.coordinator, province=ev.kerman)
    assert exc.value.code == "no_follow_up"


def test_school_enrolment_effect_is_found_and_worded(evaluated):
    with translation.override("en"):
        evaluation = evaluation_run(user=evaluated.coordinator, province=evaluated.kerman, draws=99)
        row = _row(evaluation, "school_enrolment")
        # Numbers are wrapped in Unicode isolates (kept left-to-right in Persian text).
        sentence = row.sentence.replace("\u2066", "").replace("\u2069", "")
    # Target children went from 25% to 75% enrolled (one household in four answers the other
    # way), comparison children stayed at 25%: +50 points.
    assert row.fit.estimate == pytest.approx(0.5)
    assert row.fit.did_means == pytest.approx(0.5)
    assert row.fit.clusters == 3 and evaluation.few_clusters
    assert sentence.startswith("School enrolment (age 6–18) rose 50.0 points more in target neighbourhoods")
    assert [p.event_time for p in row.fit.event] == [0, 1]


def test_analyst_sees_small_cells_suppressed_coordinator_does_not(evaluated):
    # Four sampled households per neighbourhood: four comparison children per round (< 5).
    analyst = evaluation_run(user=evaluated.analyst, province=evaluated.kerman, draws=99)
    coordinator = evaluation_run(user=evaluated.coordinator, province=evaluated.kerman, draws=99)
    assert _row(analyst, "school_enrolment").status == "suppressed"
    assert _row(analyst, "school_enrolment").fit is None
    assert _row(coordinator, "school_enrolment").status == "ok"
    # Employment (18–59) has eight comparison adults per round: shown to the analyst.
    assert _row(analyst, "employment").status == "ok"


def test_coordinator_of_another_province_sees_no_rounds_of_kerman(evaluated):
    with pytest.raises(EvaluationError) as exc:
        evaluation_run(user=evaluated.coordinator_fars, province=evaluated.kerman)
    assert exc.value.code == "no_rounds"


def test_a_new_answer_changes_the_cached_result(evaluated):
    first = _row(
        evaluation_run(user=evaluated.admin, province=evaluated.kerman, draws=99), "health_insurance"
    )
    assert first.status == "no_data"  # everybody insured everywhere: no variation
    round_ = evaluated.follow_up
    sample = round_.sample.filter(neighbourhood=evaluated.hood_a_comparison).first()
    from mahalleh.evaluation import services

    services.survey_household_save(
        actor=evaluated.coordinator,
        sample=sample,
        answers={p.pk: {"insured": False} for p in sample.household.members.all()},
    )
    again = _row(
        evaluation_run(user=evaluated.admin, province=evaluated.kerman, draws=99), "health_insurance"
    )
    assert again.status == "ok"


def test_follow_up_dated_before_the_baseline_is_left_out(ev):
    early = make_round(ev, kind=SurveyRound.Kind.FOLLOW_UP, held_on=datetime.date(2023, 1, 1))
    answer_all(ev, early, enrolled_target=True)
    answer_all(ev, make_round(ev, held_on=datetime.date(2024, 1, 1)), enrolled_target=False)
    with pytest.raises(EvaluationError) as exc:
        evaluation_run(user=ev.admin, province=ev.kerman)
    assert exc.value.code == "no_follow_up"
