"""Demo survey rounds: a baseline and two yearly follow-ups in the demo's 10 target and 5
comparison neighbourhoods, with an effect planted on some items and none on others.

Rounds and samples go through the evaluation services (the same seeded stratified draw an
analyst would make); answers are drawn here and saved through ``survey_answers_load``, which
checks every one as the household screen does.

Planted (target neighbourhoods, after the baseline): school enrolment +15 points, child labour
−10 points, job training of unemployed youth +20 points. No effect: employment, health insurance
(which rises everywhere by the same trend) and every harm type.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from mahalleh.accounts.models import Role, User
from mahalleh.evaluation import services
from mahalleh.evaluation.models import SurveyRound
from mahalleh.geo.models import Neighbourhood, Province
from mahalleh.registry.models import HarmType, Person

HOUSEHOLDS_PER_NEIGHBOURHOOD = 30
EFFECTS = {"in_school": 0.15, "works": -0.10, "job_training": 0.20}


def _p(base: float, *, hood: float, trend: float, effect: float) -> float:
    return min(max(base + hood + trend + effect, 0.01), 0.99)


def _answers(rng, person, *, age, target, after, wave, hood_shift, harms):
    def effect(key: str) -> float:
        return EFFECTS.get(key, 0.0) if target and after else 0.0

    answers = {"age": age, "harms": []}
    if 6 <= age <= 18:
        answers["in_school"] = rng.random() < _p(
            0.72, hood=hood_shift, trend=0.02 * wave, effect=effect("in_school")
        )
    if 6 <= age <= 17:
        answers["works"] = rng.random() < _p(0.18, hood=-hood_shift / 2, trend=0.0, effect=effect("works"))
    if age >= 18:
        if rng.random() < _p(0.42, hood=hood_shift, trend=0.0, effect=0.0):
            answers["employment"] = "employed"
        elif age <= 59 and rng.random() < 0.45:
            answers["employment"] = "unemployed"
        else:
            answers["employment"] = "homemaker" if person.sex == Person.Sex.FEMALE else "inactive"
        if answers["employment"] == "unemployed":
            answers["job_training"] = rng.random() < _p(
                0.12, hood=0.0, trend=0.0, effect=effect("job_training")
            )
    answers["insured"] = rng.random() < _p(0.55, hood=hood_shift, trend=0.05 * wave, effect=0.0)
    answers["harms"] = [code for code in harms if rng.random() < 0.03]
    return answers


def load_evaluation(
    *, rng: random.Random | None = None, today: datetime.date | None = None
) -> dict[str, int]:
    province = Province.objects.filter(code="KRM").first()
    actor = User.objects.filter(role=Role.NATIONAL_ADMIN).order_by("pk").first()
    if province is None or actor is None or SurveyRound.objects.filter(province=province).exists():
        return {}
    rng = rng or random.Random(1403)  # noqa: S311 - demo data
    today = today or timezone.localdate()
    hoods = list(Neighbourhood.objects.filter(county__province=province).order_by("code"))
    if not any(h.kind == Neighbourhood.Kind.COMPARISON for h in hoods):
        return {}
    shifts = {h.pk: rng.gauss(0, 0.04) for h in hoods}
    harms = list(HarmType.objects.filter(active=True).values_list("code", flat=True))
    plan = [
        ("خط پایه ۱۴۰۲", SurveyRound.Kind.BASELINE, today - datetime.timedelta(days=700)),
        ("پیگیری سال اول", SurveyRound.Kind.FOLLOW_UP, today - datetime.timedelta(days=340)),
        ("پیگیری سال دوم", SurveyRound.Kind.FOLLOW_UP, today - datetime.timedelta(days=20)),
    ]
    counts = {"rounds": 0, "answers": 0}
    for wave, (name, kind, held_on) in enumerate(plan):
        round_ = services.survey_round_create(
            actor=actor,
            province=province,
            name=name,
            kind=kind,
            held_on=held_on,
            neighbourhoods=hoods,
            households_per_neighbourhood=HOUSEHOLDS_PER_NEIGHBOURHOOD,
            seed=1403 + wave,
        )
        services.survey_sample_draw(actor=actor, round=round_)
        answers = []
        samples = round_.sample.select_related("neighbourhood").prefetch_related("household__members")
        for sample in samples:
            target = sample.neighbourhood.kind == Neighbourhood.Kind.TARGET
            for person in sample.household.members.all():
                if person.status != Person.Status.ACTIVE or person.birth_date is None:
                    continue
                age = services.age_on(person.birth_date, held_on)
                if age is None or age < 0:
                    continue
                answers.append(
                    (
                        sample,
                        person,
                        _answers(
                            rng,
                            person,
                            age=age,
                            target=target,
                            after=wave > 0,
                            wave=wave,
                            hood_shift=shifts[sample.neighbourhood_id],
                            harms=harms,
                        ),
                    )
                )
        counts["answers"] += services.survey_answers_load(
            actor=actor, round=round_, answers=answers, via="demo"
        )
        counts["rounds"] += 1
    return counts
