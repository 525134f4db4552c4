"""Evaluation fixtures: households in two target neighbourhoods (offices A and B) and one
comparison neighbourhood of Kerman, and survey rounds over them built through the services.

Residents of the comparison neighbourhood are created directly (no office serves it, so no
facilitator could register them through the registry services; the demo does the same)."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from mahalleh.evaluation import services
from mahalleh.evaluation.models import SurveyRound
from mahalleh.registry.models import Household, Person
from tests.api.conftest import api, openapi, session_api  # noqa: F401 — fixtures reused

HOUSEHOLDS = 6


@pytest.fixture(autouse=True)
def _no_cached_evaluations():
    cache.clear()
    yield
    cache.clear()


def make_household(neighbourhood, n: int, *, ages=(40, 37, 10)) -> Household:
    household = Household.objects.create(neighbourhood=neighbourhood, address=f"کوچه {n}")
    today = datetime.date(2025, 3, 1)
    relations = [Person.Relation.HEAD, Person.Relation.SPOUSE, Person.Relation.CHILD]
    for i, age in enumerate(ages):
        person = Person.objects.create(
            household=household,
            id_type=Person.IdType.NONE,
            first_name=f"نام{n}{i}",
            last_name=f"خانواده{n}",
            sex=Person.Sex.MALE if i != 1 else Person.Sex.FEMALE,
            birth_date=today.replace(year=today.year - age),
            relation=relations[i],
        )
        if i == 0:
            household.head = person
            household.save(update_fields=["head"])
    return household


@pytest.fixture
def ev(world):
    w = world
    e = SimpleNamespace(world=w, **vars(w))
    e.households = {
        hood.code: [make_household(hood, k) for k in range(HOUSEHOLDS)]
        for hood in (w.hood_a, w.hood_b, w.hood_a_comparison)
    }
    e.hoods = [w.hood_a, w.hood_b, w.hood_a_comparison]
    return e


def make_round(
    e, *, kind=SurveyRound.Kind.BASELINE, held_on=datetime.date(2025, 4, 1), per=4, seed=7, name=None
):
    round_ = services.survey_round_create(
        actor=e.coordinator,
        province=e.kerman,
        name=name or f"round {held_on}",
        kind=kind,
        held_on=held_on,
        neighbourhoods=e.hoods,
        households_per_neighbourhood=per,
        seed=seed,
    )
    services.survey_sample_draw(actor=e.coordinator, round=round_)
    return round_


def answer_all(e, round_, *, enrolled_target: bool, enrolled_comparison: bool = False):
    """Every member of every sampled household answers. School enrolment is set by group, except
    in the first sampled household of each neighbourhood, whose child answers the opposite (so
    the outcome varies within every cell)."""
    for sample in round_.sample.select_related("neighbourhood"):
        target = sample.neighbourhood.kind == "target"
        enrolled = enrolled_target if target else enrolled_comparison
        if sample.order == 0:
            enrolled = not enrolled
        answers = {}
        for person in sample.household.members.all():
            answers[person.pk] = {
                "in_school": enrolled,
                "employment": "employed" if person.relation == Person.Relation.HEAD else "homemaker",
                "insured": True,
                "harms": [],
            }
        services.survey_household_save(actor=e.coordinator, sample=sample, answers=answers)


@pytest.fixture
def evaluated(ev):
    """A baseline (nobody enrolled) and a follow-up (target children enrolled, comparison not)."""
    ev.baseline = make_round(ev, held_on=datetime.date(2024, 4, 1), name="خط پایه")
    answer_all(ev, ev.baseline, enrolled_target=False)
    ev.follow_up = make_round(
        ev, kind=SurveyRound.Kind.FOLLOW_UP, held_on=datetime.date(2025, 4, 1), name="پیگیری"
    )
    answer_all(ev, ev.follow_up, enrolled_target=True)
    return ev
