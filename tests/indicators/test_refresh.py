"""The incremental refresh equals a full rebuild, and only recomputes what changed."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mahalleh.activities.models import Attendance
from mahalleh.community.models import Membership
from mahalleh.indicators import refresh as refresh_module
from mahalleh.indicators.models import DirtyNeighbourhood, Fact, ProvinceFact
from mahalleh.indicators.refresh import refresh
from mahalleh.registry.models import HarmCase, HarmCaseEvent, Household, Person
from tests.indicators.conftest import TODAY, D


def table() -> set[tuple]:
    return set(
        Fact.objects.values_list(
            "indicator_id", "neighbourhood_id", "period", "disaggregation", "numerator", "denominator"
        )
    )


def sums() -> set[tuple]:
    return set(
        ProvinceFact.objects.values_list(
            "indicator_id", "province_id", "period", "disaggregation", "numerator", "denominator"
        )
    )


def summed_facts() -> set[tuple]:
    """The facts summed per province in Python: what the provinces' sums must hold."""
    out: dict = {}
    rows = Fact.objects.values_list(
        "indicator_id",
        "neighbourhood__county__province_id",
        "period",
        "disaggregation",
        "numerator",
        "denominator",
    )
    for ind, province, period, key, n, d in rows:
        cell = (ind, province, period, key)
        pn, pd = out.get(cell, (0.0, None))
        out[cell] = (pn + n, d if pd is None else (pd if d is None else pd + d))
    return {(*cell, n, d) for cell, (n, d) in out.items()}


def test_the_provinces_sums_follow_an_incremental_refresh(hood, monkeypatch):
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    refresh(full=True, today=TODAY)
    assert sums() == summed_facts() and sums()
    person = Person.objects.get(pk=hood.p4.pk)
    person.employment = "employed"
    person.save()
    refresh(today=TODAY)
    assert sums() == summed_facts()
    kerman = hood.world.hood_a.county.province_id
    employed = ProvinceFact.objects.get(
        indicator__code="employment_rate", province_id=kerman, period="1403", disaggregation=""
    )
    hoods = Fact.objects.filter(
        indicator__code="employment_rate", period="1403", disaggregation="",
        neighbourhood__county__province_id=kerman,
    )  # fmt: skip
    assert employed.numerator == sum(f.numerator for f in hoods) >= 2


def test_an_edit_in_one_neighbourhood_recomputes_only_that_one(hood, monkeypatch):
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    refresh(full=True, today=TODAY)
    assert not DirtyNeighbourhood.objects.exists()
    person = Person.objects.get(pk=hood.p4.pk)
    person.employment = "employed"
    person.save()
    assert list(DirtyNeighbourhood.objects.values_list("neighbourhood_id", flat=True)) == [
        hood.world.hood_a.pk
    ]
    result = refresh(today=TODAY)
    assert (result.full, result.neighbourhoods) == (False, 1)
    employed = Fact.objects.get(indicator__code="employment_rate", period="1403", disaggregation="")
    assert (employed.numerator, employed.denominator) == (2.0, 2.0)


def test_a_move_marks_both_neighbourhoods(hood):
    refresh(full=True, today=TODAY)
    person = Person.objects.get(pk=hood.p2.pk)
    person.household = hood.hb
    person.save()
    marked = set(DirtyNeighbourhood.objects.values_list("neighbourhood_id", flat=True))
    assert marked == {hood.world.hood_a.pk, hood.world.hood_b.pk}


def test_rows_written_without_signals_are_swept_by_their_timestamp(hood, monkeypatch):
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    refresh(full=True, today=TODAY)
    # A set-based UPDATE (as the importer does) sends no signal.
    Person.objects.filter(pk=hood.pb.pk).update(school_enrolled=False, updated_at=timezone.now())
    assert not DirtyNeighbourhood.objects.exists()
    result = refresh(today=TODAY)
    assert result.neighbourhoods == 1
    fact = Fact.objects.get(
        indicator__code="school_enrolment", neighbourhood=hood.world.hood_b, period="1403", disaggregation=""
    )
    assert fact.numerator == 0.0


EDITS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "employment",
                "birth",
                "move",
                "status",
                "attend",
                "unattend",
                "harm",
                "resolve",
                "leave",
                "bulk",
                "vulnerability",
                "delete_event",
            ]
        ),
        st.integers(0, 6),
        st.integers(0, 400),
    ),
    min_size=1,
    max_size=6,
)


def apply(edit, hood):
    action, which, days = edit
    people = list(Person.objects.order_by("pk"))
    person = people[which % len(people)]
    on = D(2024, 3, 20) + datetime.timedelta(days=days % 300)
    if action == "employment":
        person.employment = ["employed", "unemployed", "student", ""][days % 4]
        person.save()
    elif action == "birth":
        person.birth_date = D(1950, 1, 1) + datetime.timedelta(days=days * 60)
        person.save()
    elif action == "move":
        households = list(Household.objects.order_by("pk"))
        person.household = households[days % len(households)]
        person.save()
    elif action == "status":
        person.status, person.status_changed_on = ("moved_away", on) if days % 2 else ("active", None)
        person.save()
    elif action == "attend":
        Attendance.objects.update_or_create(
            session=[hood.s1, hood.s2][days % 2], person=person, defaults={"present": bool(days % 3)}
        )
    elif action == "unattend":
        for row in Attendance.objects.filter(person=person)[:1]:
            row.delete()
    elif action == "harm":
        from tests.indicators.conftest import harm

        harm(person, ["addiction", "child_labour", "school_dropout"][days % 3], on)
    elif action == "resolve":
        case = HarmCase.objects.order_by("pk").first()
        HarmCaseEvent.objects.create(case=case, to_status=["resolved", "relapsed"][days % 2], on=on)
    elif action == "leave":
        for m in Membership.objects.filter(person=person, left_on__isnull=True)[:1]:
            m.left_on = on
            m.save()
    elif action == "bulk":
        Person.objects.filter(pk=person.pk).update(
            school_enrolled=bool(days % 2), insurance="none", updated_at=timezone.now()
        )
    elif action == "vulnerability":
        Household.objects.filter(pk=person.household_id).update(
            vulnerability=days % 100, updated_at=timezone.now()
        )
    elif action == "delete_event":
        event = HarmCaseEvent.objects.exclude(to_status="identified").order_by("pk").first()
        if event is not None:
            event.delete()


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_incremental_refresh_equals_a_full_rebuild(hood, monkeypatch, edits):
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    # Each example starts again from the hand-counted neighbourhood.
    with transaction.atomic():
        refresh(full=True, today=TODAY)
        for edit in edits:
            apply(edit, hood)
        refresh(today=TODAY)
        incremental = table(), sums()
        refresh(full=True, today=TODAY)
        full = table(), sums()
        transaction.set_rollback(True)
    assert incremental == full
