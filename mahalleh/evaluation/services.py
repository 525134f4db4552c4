"""Every write of the evaluation app: rounds, the sample draw, answers, and the copy of an answer
into the registry (the only way a survey touches it)."""

from __future__ import annotations

import datetime
import random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalleh.audit.services import audit_record
from mahalleh.core.scoping import neighbourhood_q, province_q
from mahalleh.core.services import require
from mahalleh.evaluation.models import SampleHousehold, SurveyResponse, SurveyRound
from mahalleh.evaluation.selectors import can_manage_rounds, can_survey
from mahalleh.geo.models import Neighbourhood, Province
from mahalleh.registry.ages import age_on  # noqa: F401 - also used by the views, the sheet and the demo
from mahalleh.registry.models import Household, Person

ANSWER_FIELDS = ("age", "sex", "in_school", "works", "employment", "job_training", "insured", "harms")
MAX_AGE = 120


# --------------------------------------------------------------------------- rounds


@transaction.atomic
def survey_round_create(
    *,
    actor,
    province: Province,
    name: str,
    kind: str,
    held_on: datetime.date,
    neighbourhoods,
    households_per_neighbourhood: int = 30,
    seed: int | None = None,
) -> SurveyRound:
    """A round over target and comparison neighbourhoods of one province. Refused, with the
    reason at the field, when it has no comparison (or no target) neighbourhood."""
    require(can_manage_rounds(actor))
    require(Province.objects.filter(province_q(actor), pk=province.pk).exists())
    neighbourhoods = list(neighbourhoods)
    errors: dict[str, list] = {}
    if not (name or "").strip():
        errors["name"] = [_("Give the round a name.")]
    if kind not in SurveyRound.Kind.values:
        errors["kind"] = [_("Choose baseline or follow-up.")]
    if not isinstance(held_on, datetime.date):
        errors["held_on"] = [_("Enter the survey date.")]
    if not 1 <= int(households_per_neighbourhood or 0) <= 1000:
        errors["households_per_neighbourhood"] = [_("Draw between 1 and 1,000 households per neighbourhood.")]
    outside = [n for n in neighbourhoods if n.county.province_id != province.pk]
    kinds = {n.kind for n in neighbourhoods}
    if outside:
        errors["neighbourhoods"] = [
            _("These neighbourhoods are not in %(province)s: %(names)s.")
            % {"province": province, "names": "، ".join(str(n) for n in outside)}
        ]
    elif Neighbourhood.Kind.COMPARISON not in kinds:
        errors["neighbourhoods"] = [
            _(
                "A round needs at least one comparison neighbourhood: without one there is nothing "
                "to compare the target neighbourhoods with."
            )
        ]
    elif Neighbourhood.Kind.TARGET not in kinds:
        errors["neighbourhoods"] = [_("A round needs at least one target neighbourhood.")]
    if errors:
        raise ValidationError(errors)
    round_ = SurveyRound.objects.create(
        province=province,
        name=name.strip(),
        kind=kind,
        held_on=held_on,
        households_per_neighbourhood=households_per_neighbourhood,
        seed=seed if seed is not None else random.SystemRandom().randrange(1, 2**31),
        created_by=actor,
    )
    round_.neighbourhoods.set(neighbourhoods)
    audit_record(user=actor, action="create", obj=round_, object_type="surveyround", province_id=province.pk)
    return round_


def _stratum_rng(seed: int, neighbourhood: Neighbourhood) -> random.Random:
    # One generator per neighbourhood, seeded by (round seed, neighbourhood code): adding a
    # neighbourhood to a round does not change the households drawn in the others.
    return random.Random(f"{seed}:{neighbourhood.code}")  # noqa: S311 - a survey sample, not a secret


def draw_sample(*, seed: int, neighbourhoods, per_neighbourhood: int) -> dict[int, list[int]]:
    """The household ids drawn in each neighbourhood (stratified simple random sampling without
    replacement). The same seed and registry give the same sample, whoever draws it."""
    out: dict[int, list[int]] = {}
    living = Person.objects.filter(household=OuterRef("pk"), status=Person.Status.ACTIVE)
    for nb in sorted(neighbourhoods, key=lambda n: n.code):
        ids = list(
            Household.objects.filter(neighbourhood=nb)
            .filter(Exists(living))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rng = _stratum_rng(seed, nb)
        out[nb.pk] = sorted(rng.sample(ids, min(per_neighbourhood, len(ids))))
    return out


@transaction.atomic
def survey_sample_draw(*, actor, round: SurveyRound) -> int:
    """Draw (once) the round's sample. Returns the number of households drawn."""
    require(can_manage_rounds(actor))
    round_ = SurveyRound.objects.select_for_update().get(pk=round.pk)
    if round_.sampled_at is not None:
        raise ValidationError(_("The sample of this round has already been drawn."), code="drawn")
    drawn = draw_sample(
        seed=round_.seed,
        neighbourhoods=list(round_.neighbourhoods.all()),
        per_neighbourhood=round_.households_per_neighbourhood,
    )
    rows = [
        SampleHousehold(round=round_, household_id=hh, neighbourhood_id=nb, order=i)
        for nb, ids in drawn.items()
        for i, hh in enumerate(ids)
    ]
    if not rows:
        raise ValidationError(
            _("None of the round's neighbourhoods has a registered household to draw."), code="empty"
        )
    SampleHousehold.objects.bulk_create(rows)
    round_.sampled_at = timezone.now()
    round_.save(update_fields=["sampled_at", "updated_at"])
    audit_record(
        user=actor,
        action="create",
        obj=round_,
        object_type="surveysample",
        changes={"households": [None, str(len(rows))], "seed": [None, str(round_.seed)]},
        province_id=round_.province_id,
    )
    round.sampled_at = round_.sampled_at
    return len(rows)


# --------------------------------------------------------------------------- answers


def harm_codes() -> set[str]:
    from mahalleh.evaluation.items import survey_items

    return {i.code.removeprefix("harm_") for i in survey_items() if i.code.startswith("harm_")}


def clean_answers(
    answers: dict, *, person: Person | None, round: SurveyRound, known_harms: set[str] | None = None
) -> tuple[dict, dict]:
    """(clean values, {field: [message]}) for one person's answers; nothing is written."""
    errors: dict[str, list] = {}
    data = {k: answers.get(k) for k in ANSWER_FIELDS}
    age = data["age"]
    if age in (None, "") and person is not None:
        age = age_on(person.birth_date, round.held_on)
    try:
        age = int(age)
        if not 0 <= age <= MAX_AGE:
            raise ValueError
    except (TypeError, ValueError):
        errors["age"] = [_("Enter the age in whole years (0 to 120).")]
        age = None
    data["age"] = age
    if not data["sex"] and person is not None:
        data["sex"] = person.sex
    if data["sex"] not in Person.Sex.values:
        errors["sex"] = [_("Choose the sex.")]
    data["employment"] = data["employment"] or ""
    if data["employment"] not in ("", *SurveyResponse.Employment.values):
        errors["employment"] = [_("“%(value)s” is not an accepted answer.") % {"value": data["employment"]}]
    for key in ("in_school", "works", "job_training", "insured"):
        if data[key] not in (None, True, False):
            errors[key] = [_("Answer yes, no, or leave it empty.")]
    harms = data["harms"] or []
    known = known_harms if known_harms is not None else harm_codes()
    unknown = [h for h in harms if h not in known]
    if not isinstance(harms, list) or unknown:
        errors["harms"] = [_("Unknown harm: %(codes)s.") % {"codes": "، ".join(map(str, unknown or [harms]))}]
    data["harms"] = sorted(set(harms)) if isinstance(harms, list) else []
    return data, errors


def _sample_of(round_: SurveyRound, person: Person) -> SampleHousehold:
    sample = SampleHousehold.objects.filter(round=round_, household_id=person.household_id).first()
    if sample is None:
        raise ValidationError(
            {
                "person": [
                    _(
                        "%(person)s is not in the sample of “%(round)s”: only members of the drawn "
                        "households are surveyed."
                    )
                    % {"person": person, "round": round_}
                ]
            },
            code="not_in_sample",
        )
    return sample


def _require_survey_scope(actor, neighbourhood_id: int) -> None:
    require(can_survey(actor))
    require(Neighbourhood.objects.filter(neighbourhood_q(actor), pk=neighbourhood_id).exists())


def _save_one(*, actor, round_, sample, person, data, via) -> SurveyResponse:
    response, created = SurveyResponse.objects.update_or_create(
        round=round_,
        person=person,
        defaults={
            **data,
            "sample": sample,
            "neighbourhood_id": sample.neighbourhood_id,
            "entered_by": actor,
            "via": via,
        },
    )
    return response


@transaction.atomic
def survey_response_save(*, actor, round: SurveyRound, person: Person, via: str = "api", **answers):
    """Save one person's answers in a round (a new answer replaces that person's earlier one)."""
    sample = _sample_of(round, person)
    _require_survey_scope(actor, sample.neighbourhood_id)
    data, errors = clean_answers(answers, person=person, round=round)
    if errors:
        raise ValidationError(errors)
    response = _save_one(actor=actor, round_=round, sample=sample, person=person, data=data, via=via)
    audit_record(
        user=actor,
        action="update",
        obj=response,
        object_type="surveyresponse",
        changes={"round": [None, str(round.pk)], "person": [None, str(person.pk)]},
        via=via,
    )
    return response


@transaction.atomic
def survey_household_save(*, actor, sample: SampleHousehold, answers: dict[int, dict], via: str = "web"):
    """Save the answers of every member of one sampled household at once: all or nothing.

    ``answers`` maps person id → answers. Raises ValidationError with ``{person_id: {field:
    [messages]}}`` in ``error_dict['members']``-style params when any member's answers are bad.
    """
    _require_survey_scope(actor, sample.neighbourhood_id)
    members = {p.pk: p for p in Person.objects.filter(household_id=sample.household_id)}
    problems: dict[int, dict] = {}
    clean: list[tuple[Person, dict]] = []
    for person_id, given in answers.items():
        person = members.get(int(person_id))
        if person is None:
            raise ValidationError(
                _("A person who is not a member of this sampled household cannot be surveyed here."),
                code="not_in_sample",
            )
        data, errors = clean_answers(given, person=person, round=sample.round)
        if errors:
            problems[person.pk] = errors
        clean.append((person, data))
    if problems:
        exc = ValidationError(_("Some answers need correcting; nothing was saved."), code="invalid")
        exc.members = problems
        raise exc
    saved = [
        _save_one(actor=actor, round_=sample.round, sample=sample, person=p, data=d, via=via)
        for p, d in clean
    ]
    audit_record(
        user=actor,
        action="update",
        obj=sample,
        object_type="surveyresponse",
        changes={"round": [None, str(sample.round_id)], "persons": [None, str(len(saved))]},
        via=via,
    )
    return saved


@transaction.atomic
def survey_answers_load(*, actor, round: SurveyRound, answers, via: str = "import") -> int:
    """Add many new answers of one round at once (a bulk load: the demo, a migration of paper
    forms). ``answers`` yields (sample, person, answers); every one is checked first and any
    error refuses the whole load. Persons already answered in the round are refused too."""
    require(can_manage_rounds(actor))
    known = harm_codes()
    rows, problems = [], {}
    for sample, person, given in answers:
        if sample.round_id != round.pk or person.household_id != sample.household_id:
            problems[person.pk] = {"person": [_("Not a member of a household sampled in this round.")]}
            continue
        data, errors = clean_answers(given, person=person, round=round, known_harms=known)
        if errors:
            problems[person.pk] = errors
            continue
        rows.append(
            SurveyResponse(
                round=round,
                sample=sample,
                person=person,
                neighbourhood_id=sample.neighbourhood_id,
                entered_by=actor,
                via=via,
                **data,
            )
        )
    if problems:
        exc = ValidationError(_("Some answers need correcting; nothing was saved."), code="invalid")
        exc.members = problems
        raise exc
    SurveyResponse.objects.bulk_create(rows, batch_size=2000)
    audit_record(
        user=actor,
        action="import",
        object_type="surveyround",
        object_id=round.pk,
        changes={"answers": [None, str(len(rows))]},
        via=via,
        province_id=round.province_id,
    )
    return len(rows)


# --------------------------------------------------------------------------- survey → registry

COPYABLE = {
    # survey answer → (registry field, value map)
    "in_school": ("school_enrolled", {True: True, False: False}),
    "employment": (
        "employment",
        {
            "employed": Person.Employment.EMPLOYED,
            "unemployed": Person.Employment.UNEMPLOYED,
            "student": Person.Employment.STUDENT,
            "homemaker": Person.Employment.HOMEMAKER,
        },
    ),
}


@transaction.atomic
def survey_answer_copy(*, actor, response: SurveyResponse, answer: str, via: str = "web") -> Person:
    """Copy one survey answer into the resident's registry record, on purpose.

    Goes through the registry's own ``person_update`` (its permission check, stale-edit and
    audit), so only staff who may edit that resident can do it, and adds an audit entry naming
    the round the value came from.
    """
    from mahalleh.registry.services import person_update

    if answer not in COPYABLE:
        raise ValidationError(_("This answer cannot be copied into the registry."), code="not_copyable")
    field, mapping = COPYABLE[answer]
    value = getattr(response, answer)
    if value not in mapping:
        raise ValidationError(
            _("This answer is empty or has no matching value in the registry, so nothing was copied."),
            code="no_value",
        )
    person = person_update(actor=actor, person=response.person, via=via, **{field: mapping[value]})
    audit_record(
        user=actor,
        action="update",
        obj=person,
        changes={field: [None, str(mapping[value])], "source": [None, f"survey round {response.round_id}"]},
        via=via,
    )
    return person
