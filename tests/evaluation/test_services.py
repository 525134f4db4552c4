import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mahalleh.audit.models import AuditEntry
from mahalleh.evaluation import services
from mahalleh.evaluation.models import SampleHousehold, SurveyResponse, SurveyRound
from mahalleh.registry.models import Person
from tests.evaluation.conftest import HOUSEHOLDS, make_round


def test_round_without_comparison_neighbourhood_is_refused_and_nothing_is_saved(ev):
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        services.survey_round_create(
            actor=ev.coordinator,
            province=ev.kerman,
            name="baseline",
            kind=SurveyRound.Kind.BASELINE,
            held_on=datetime.date(2025, 1, 1),
            neighbourhoods=[ev.hood_a, ev.hood_b],
        )
    assert "comparison neighbourhood" in exc.value.message_dict["neighbourhoods"][0]
    assert not SurveyRound.objects.exists()


def test_round_with_a_neighbourhood_of_another_province_is_refused(ev):
    with pytest.raises(ValidationError) as exc:
        services.survey_round_create(
            actor=ev.admin,
            province=ev.kerman,
            name="x",
            kind=SurveyRound.Kind.BASELINE,
            held_on=datetime.date(2025, 1, 1),
            neighbourhoods=[ev.hood_a, ev.hood_a_comparison, ev.hood_f],
        )
    assert "neighbourhoods" in exc.value.message_dict


def test_coordinator_cannot_create_a_round_in_another_province_and_facilitator_none_at_all(ev):
    kwargs = dict(name="x", kind="baseline", held_on=datetime.date(2025, 1, 1), neighbourhoods=[ev.hood_f])
    with pytest.raises(PermissionDenied):
        services.survey_round_create(actor=ev.coordinator, province=ev.fars, **kwargs)
    with pytest.raises(PermissionDenied):
        services.survey_round_create(actor=ev.facilitator_a, province=ev.kerman, **kwargs)


def test_sample_is_stratified_by_neighbourhood_and_reproducible_with_the_seed(ev):
    first = make_round(ev, per=4, seed=11)
    drawn = {}
    for s in first.sample.all():
        drawn.setdefault(s.neighbourhood_id, set()).add(s.household_id)
    assert {n.pk: len(v) for n, v in zip(ev.hoods, [drawn[h.pk] for h in ev.hoods], strict=True)} == {
        h.pk: 4 for h in ev.hoods
    }
    for hood in ev.hoods:  # each stratum drawn from its own neighbourhood
        assert drawn[hood.pk] <= {h.pk for h in ev.households[hood.code]}
    again = services.draw_sample(seed=11, neighbourhoods=ev.hoods, per_neighbourhood=4)
    assert {k: set(v) for k, v in again.items()} == drawn
    other = services.draw_sample(seed=12, neighbourhoods=ev.hoods, per_neighbourhood=4)
    assert {k: set(v) for k, v in other.items()} != drawn


def test_sample_is_drawn_once(ev):
    round_ = make_round(ev)
    with pytest.raises(ValidationError):
        services.survey_sample_draw(actor=ev.coordinator, round=round_)
    assert SampleHousehold.objects.filter(round=round_).count() == 12


def test_sample_takes_every_household_when_fewer_than_asked(ev):
    round_ = make_round(ev, per=50)
    assert round_.sample.count() == 3 * HOUSEHOLDS


def test_response_for_a_person_not_in_the_sample_is_refused_with_a_clear_message(ev):
    round_ = make_round(ev, per=2)
    sampled = set(round_.sample.values_list("household_id", flat=True))
    outsider = (
        Person.objects.exclude(household_id__in=sampled).filter(household__neighbourhood=ev.hood_a).first()
    )
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        services.survey_response_save(actor=ev.coordinator, round=round_, person=outsider, in_school=True)
    assert "is not in the sample" in exc.value.message_dict["person"][0]
    assert not SurveyResponse.objects.exists()


def test_household_answers_are_all_or_nothing(ev):
    round_ = make_round(ev)
    sample = round_.sample.first()
    members = list(sample.household.members.order_by("pk"))
    answers = {members[0].pk: {"employment": "employed"}, members[1].pk: {"employment": "astronaut"}}
    with pytest.raises(ValidationError) as exc:
        services.survey_household_save(actor=ev.coordinator, sample=sample, answers=answers)
    assert "employment" in exc.value.members[members[1].pk]
    assert not SurveyResponse.objects.exists()


def test_saving_again_replaces_the_answer_and_never_touches_the_registry(ev):
    round_ = make_round(ev)
    sample = round_.sample.filter(neighbourhood=ev.hood_a).first()
    child = sample.household.members.get(relation=Person.Relation.CHILD)
    before = Person.objects.values().get(pk=child.pk)
    services.survey_household_save(
        actor=ev.coordinator, sample=sample, answers={child.pk: {"in_school": False}}
    )
    services.survey_household_save(
        actor=ev.coordinator, sample=sample, answers={child.pk: {"in_school": True}}
    )
    response = SurveyResponse.objects.get()
    assert response.in_school is True and response.age == 10 and response.neighbourhood_id == ev.hood_a.pk
    assert Person.objects.values().get(pk=child.pk) == before


def test_office_staff_survey_only_their_own_neighbourhoods(ev):
    round_ = make_round(ev)
    sample_b = round_.sample.filter(neighbourhood=ev.hood_b).first()
    person_b = sample_b.household.members.first()
    with pytest.raises(PermissionDenied):
        services.survey_response_save(actor=ev.facilitator_a, round=round_, person=person_b, insured=True)
    sample_a = round_.sample.filter(neighbourhood=ev.hood_a).first()
    services.survey_response_save(
        actor=ev.facilitator_a, round=round_, person=sample_a.household.members.first(), insured=True
    )
    assert SurveyResponse.objects.count() == 1


def test_copying_an_answer_into_the_registry_is_explicit_and_audited(ev):
    round_ = make_round(ev)
    sample = round_.sample.filter(neighbourhood=ev.hood_a).first()
    child = sample.household.members.get(relation=Person.Relation.CHILD)
    response = services.survey_response_save(
        actor=ev.facilitator_a, round=round_, person=child, in_school=True
    )
    assert Person.objects.get(pk=child.pk).school_enrolled is None
    services.survey_answer_copy(actor=ev.facilitator_a, response=response, answer="in_school")
    assert Person.objects.get(pk=child.pk).school_enrolled is True
    entry = AuditEntry.objects.get(changes__has_key="source")
    assert entry.object_id == str(child.pk) and entry.user == ev.facilitator_a and entry.action == "update"
    assert entry.changes["source"] == [None, f"survey round {round_.pk}"]


def test_only_registry_editors_may_copy_an_answer(ev):
    round_ = make_round(ev)
    sample = round_.sample.filter(neighbourhood=ev.hood_a).first()
    child = sample.household.members.get(relation=Person.Relation.CHILD)
    response = services.survey_response_save(actor=ev.coordinator, round=round_, person=child, in_school=True)
    with pytest.raises(PermissionDenied):
        services.survey_answer_copy(actor=ev.coordinator, response=response, answer="in_school")
    assert Person.objects.get(pk=child.pk).school_enrolled is None
    with pytest.raises(ValidationError):
        services.survey_answer_copy(actor=ev.facilitator_a, response=response, answer="insured")
