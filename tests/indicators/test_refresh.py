"""The incremental refresh equals a full rebuild, and only recomputes what changed."""

import copy
import dataclasses
import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mahalleh.activities.models import Attendance
from mahalleh.community.models import CommunityGroup, Membership
from mahalleh.geo.models import Neighbourhood
from mahalleh.indicators import refresh as refresh_module
from mahalleh.indicators.computed import (
    FLOW_FIELDS,
    REGISTRY,
    ROW_FIELDS,
    STOCK_ONLY_FIELDS,
    HoodData,
    PersonRow,
    evaluate,
)
from mahalleh.indicators.models import (
    DirtyNeighbourhood,
    Fact,
    HouseholdSnapshot,
    Indicator,
    PersonSnapshot,
    ProvinceFact,
)
from mahalleh.indicators.refresh import refresh
from mahalleh.referrals.models import Referral
from mahalleh.registry.models import HarmCase, HarmCaseEvent, Household, Person
from tests.indicators.conftest import TODAY, D, make_person


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


def snapshots() -> tuple[set[tuple], set[tuple]]:
    """What the facts were computed from, as the refresh keeps it (one row a resident and household)."""
    people = set(PersonSnapshot.objects.values_list("person_id", "neighbourhood_id", *ROW_FIELDS))
    homes = set(HouseholdSnapshot.objects.values_list("household_id", "neighbourhood_id", "vulnerability"))
    return people, homes


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
                # stock-only fields, saved and set-based
                "insurance",
                "employment_bulk",
                "move_within",
                "move_within_bulk",
                # breakdowns and residence, saved and set-based
                "sex",
                "sex_bulk",
                "birth_bulk",
                "status_bulk",
                "move_bulk",
                # households: moved (saved, set-based), a new empty one
                "household_move",
                "household_move_bulk",
                "new_household",
                "household_touch_bulk",
                "drop_household",
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
    households = list(Household.objects.order_by("pk"))
    places = [hood.world.hood_a, hood.world.hood_b, hood.world.hood_a_comparison]
    on = D(2024, 3, 20) + datetime.timedelta(days=days % 300)
    now = timezone.now()
    if action == "employment":
        person.employment = ["employed", "unemployed", "student", ""][days % 4]
        person.save()
    elif action == "birth":
        person.birth_date = D(1950, 1, 1) + datetime.timedelta(days=days * 60)
        person.save()
    elif action == "move":
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
            school_enrolled=bool(days % 2), insurance="none", updated_at=now
        )
    elif action == "vulnerability":
        Household.objects.filter(pk=person.household_id).update(vulnerability=days % 100, updated_at=now)
    elif action == "delete_event":
        event = HarmCaseEvent.objects.exclude(to_status="identified").order_by("pk").first()
        if event is not None:
            event.delete()
    elif action == "insurance":
        person.insurance = ["none", "health", ""][days % 3]
        person.save()
    elif action == "employment_bulk":
        # What the benchmark's day of changes does.
        Person.objects.filter(pk=person.pk).update(employment="employed", updated_at=now)
    elif action == "move_within":
        same = [h for h in households if h.neighbourhood_id == person.household.neighbourhood_id]
        person.household = same[days % len(same)]
        person.save()
    elif action == "employment_any_bulk":
        Person.objects.filter(pk=person.pk).update(
            employment=["employed", "unemployed", "student", "informal", ""][days % 5], updated_at=now
        )
    elif action == "move_within_bulk":
        same = [h for h in households if h.neighbourhood_id == person.household.neighbourhood_id]
        Person.objects.filter(pk=person.pk).update(household=same[days % len(same)], updated_at=now)
    elif action == "sex":
        person.sex = "male" if person.sex == "female" else "female"
        person.save()
    elif action == "sex_bulk":
        Person.objects.filter(pk=person.pk).update(sex=["female", "male"][days % 2], updated_at=now)
    elif action == "birth_bulk":
        Person.objects.filter(pk=person.pk).update(
            birth_date=D(1950, 1, 1) + datetime.timedelta(days=days * 60), updated_at=now
        )
    elif action == "status_bulk":
        Person.objects.filter(pk=person.pk).update(status="deceased", status_changed_on=on, updated_at=now)
    elif action == "move_bulk":
        Person.objects.filter(pk=person.pk).update(
            household=households[days % len(households)], updated_at=now
        )
    elif action == "household_move":
        household = households[which % len(households)]
        household.neighbourhood = places[days % len(places)]
        household.save()
    elif action == "household_move_bulk":
        Household.objects.filter(pk=households[which % len(households)].pk).update(
            neighbourhood=places[days % len(places)], updated_at=now
        )
    elif action == "household_touch_bulk":
        # Written again as it was (an import of the same file): only updated_at moves.
        Household.objects.filter(pk=households[which % len(households)].pk).update(updated_at=now)
    elif action == "new_household":
        Household.objects.create(neighbourhood=places[days % len(places)], vulnerability=days % 100)
    elif action == "drop_household":
        # A household left without members, deleted: its snapshot goes with it.
        empty = Household.objects.exclude(pk__in=Person.objects.values("household_id")).order_by("pk")
        for household in empty[:1]:
            household.delete()


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(EDITS, min_size=1, max_size=2))
def test_incremental_refresh_equals_a_full_rebuild(hood, monkeypatch, rounds):
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    incremental, full = incremental_then_full(hood, rounds)
    assert incremental == full


def incremental_then_full(hood, rounds, each=lambda result: None, edit=None):
    """The fact table and the provinces' sums after an incremental refresh per round of edits, then
    after a full rebuild. Each example starts again from the hand-counted neighbourhood; a second
    round of edits after an incremental refresh checks that the refresh left its snapshots and marks
    right too. ``each`` sees every incremental refresh's result."""
    with transaction.atomic():
        refresh(full=True, today=TODAY)
        for edits in rounds:
            for one in edits:
                (edit or apply)(one, hood)
            each(refresh(today=TODAY))
        incremental = table(), sums(), snapshots()
        refresh(full=True, today=TODAY)
        full = table(), sums(), snapshots()
        transaction.set_rollback(True)
    return incremental, full


STOCK_EDITS = st.lists(
    st.tuples(
        st.sampled_from(
            ["bulk", "employment_bulk", "employment_any_bulk", "move_within_bulk", "household_touch_bulk"]
        ),
        st.integers(0, 6),
        st.integers(0, 400),
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(STOCK_EDITS, min_size=1, max_size=2))
def test_set_based_stock_only_changes_moved_by_difference_equal_a_full_rebuild(hood, monkeypatch, rounds):
    """A day's import of stock-only fields: the facts move by the changed residents' difference
    (no neighbourhood is evaluated again), and land where a full rebuild puts them."""
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))

    def by_difference_only(result):
        assert result.by_difference == result.stock_only == result.neighbourhoods

    incremental, full = incremental_then_full(hood, rounds, by_difference_only)
    assert incremental == full


def test_a_saved_change_then_a_set_based_one_are_each_counted_once(hood, monkeypatch):
    """A save recomputes the stock facts and brings the snapshot along, so a set-based change of
    the same resident later is moved by its own difference only."""
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    refresh(full=True, today=TODAY)
    hood.p4.employment = "employed"
    hood.p4.save()
    assert refresh(today=TODAY).by_difference == 0  # marked by the save: recomputed
    Person.objects.filter(pk=hood.p4.pk).update(insurance="health", updated_at=timezone.now())
    assert refresh(today=TODAY).by_difference == 1
    incremental = table(), sums()
    refresh(full=True, today=TODAY)
    assert (table(), sums()) == incremental
    employed = Fact.objects.get(
        indicator__code="employment_rate", neighbourhood=hood.world.hood_a, period="1403", disaggregation=""
    )
    assert (employed.numerator, employed.denominator) == (2.0, 2.0)


def cells() -> dict[tuple, int]:
    """Each fact's row id by its cell: a fact left alone keeps its id."""
    return {
        (ind, hood, period, key): pk
        for pk, ind, hood, period, key in Fact.objects.values_list(
            "pk", "indicator_id", "neighbourhood_id", "period", "disaggregation"
        )
    }


def test_a_set_based_stock_only_change_recomputes_only_the_current_stock_facts(hood, monkeypatch):
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    refresh(full=True, today=TODAY)
    before = cells()
    # p4 (unemployed, 24) finds work, written as a day's import would: set-based, no signal.
    Person.objects.filter(pk=hood.p4.pk).update(employment="employed", updated_at=timezone.now())
    result = refresh(today=TODAY)
    assert (result.full, result.neighbourhoods, result.stock_only) == (False, 1, 1)
    # Moved by p4's difference alone: the neighbourhood's other residents were not evaluated again.
    assert result.by_difference == 1
    current = {"1403-10", "1403-S4", "1403"}  # TODAY is 26 Dey 1403
    stock = set(Indicator.objects.filter(code__in=refresh_module.stock_codes()).values_list("pk", flat=True))
    after = cells()
    replaced = {cell for cell, pk in before.items() if after.get(cell) != pk}
    assert replaced, "the employment figures changed"
    assert all(ind in stock and period in current for ind, _hood, period, _key in replaced)
    employed = Fact.objects.get(
        indicator__code="employment_rate", neighbourhood=hood.world.hood_a, period="1403", disaggregation=""
    )
    assert (employed.numerator, employed.denominator) == (2.0, 2.0)


def test_a_set_based_change_to_a_breakdown_recomputes_every_period(hood, monkeypatch):
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    refresh(full=True, today=TODAY)
    Person.objects.filter(pk=hood.p4.pk).update(sex="female", updated_at=timezone.now())
    result = refresh(today=TODAY)
    assert (result.neighbourhoods, result.stock_only) == (1, 0)
    # p4's addiction case was open in Tir 1403 (month 4): the breakdown by sex moved there too.
    assert Fact.objects.filter(
        indicator__code="addiction_rate", period="1403-04", disaggregation="sex=female", numerator=1.0
    ).exists()


def test_a_saved_stock_only_change_marks_stock_only_and_never_narrows_a_wider_mark(hood):
    refresh(full=True, today=TODAY)
    person = Person.objects.get(pk=hood.p4.pk)
    person.employment = "employed"
    person.save()
    assert list(DirtyNeighbourhood.objects.values_list("neighbourhood_id", "stock_only")) == [
        (hood.world.hood_a.pk, True)
    ]
    person.birth_date = D(1990, 1, 1)
    person.save()
    person.insurance = "health"
    person.save()
    assert list(DirtyNeighbourhood.objects.values_list("stock_only", flat=True)) == [False]


def test_a_set_based_move_marks_the_neighbourhood_left_too(hood, monkeypatch):
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    refresh(full=True, today=TODAY)
    Household.objects.filter(pk=hood.hb.pk).update(neighbourhood=hood.world.hood_a, updated_at=timezone.now())
    result = refresh(today=TODAY)
    assert (result.neighbourhoods, result.stock_only) == (2, 0)
    assert (
        not Fact.objects.filter(neighbourhood=hood.world.hood_b, period="1403", disaggregation="")
        .exclude(numerator=0)
        .exists()
    )


def test_rows_written_again_unchanged_recompute_nothing_even_inside_the_overlap(hood):
    """Rows rewritten as they were (an import of the same file, or rows written in the minutes
    before a rebuild, which the watermark's overlap sweeps again) leave every neighbourhood alone."""
    # The fixture's other rows (harm cases, attendance, referrals, groups) were written long before.
    earlier = timezone.now() - datetime.timedelta(hours=1)
    HarmCase.objects.update(updated_at=earlier)
    Attendance.objects.update(recorded_at=earlier)
    Referral.objects.update(updated_at=earlier)
    CommunityGroup.objects.update(updated_at=earlier)
    Household.objects.update(updated_at=timezone.now())
    Person.objects.update(updated_at=timezone.now())
    refresh(full=True, today=TODAY)
    result = refresh(today=TODAY)  # the rows above are inside WATERMARK_OVERLAP
    assert (result.neighbourhoods, result.facts) == (0, 0)


def test_a_row_swept_by_one_refresh_is_not_swept_again_inside_the_overlap(hood):
    """A harm case written by set-based SQL recomputes its neighbourhood once, though it stays
    inside the watermark's overlap for the next run; written again, it does so once more."""
    earlier = timezone.now() - datetime.timedelta(hours=1)
    HarmCase.objects.update(updated_at=earlier)
    Attendance.objects.update(recorded_at=earlier)
    Referral.objects.update(updated_at=earlier)
    CommunityGroup.objects.update(updated_at=earlier)
    refresh(full=True, today=TODAY)
    HarmCase.objects.filter(pk=hood.c1.pk).update(status="resolved", updated_at=timezone.now())
    first = refresh(today=TODAY)
    assert (first.neighbourhoods, first.full) == (1, False)
    assert refresh(today=TODAY).neighbourhoods == 0  # the case is still inside the overlap
    HarmCase.objects.filter(pk=hood.c1.pk).update(status="in_care", updated_at=timezone.now())
    assert refresh(today=TODAY).neighbourhoods == 1
    incremental = table(), sums()
    refresh(full=True, today=TODAY)
    assert (table(), sums()) == incremental


def test_the_sweep_reads_only_rows_unlike_their_snapshot_empty_values_included(hood):
    """The database compares the rewritten rows with their snapshots: a row rewritten as it was is
    left there, empty values equal each other, and an empty value filled in (or a filled one
    emptied) is a change, as is a row the facts have never seen."""
    refresh(full=True, today=TODAY)
    since = timezone.now()
    Person.objects.update(updated_at=timezone.now())  # every resident rewritten as it was
    Person.objects.filter(pk=hood.p3.pk).update(school_enrolled=False)  # was empty
    Person.objects.filter(pk=hood.p4.pk).update(birth_date=None)  # was filled
    new = make_person(hood.h1, "نو", "female", D(2001, 1, 1))
    Person.objects.filter(pk=new.pk).update(updated_at=timezone.now())
    Household.objects.update(updated_at=timezone.now())
    Household.objects.filter(pk=hood.hb.pk).update(vulnerability=None)

    unlike = refresh_module._unlike_snapshot
    persons = unlike(Person, PersonSnapshot, since, ROW_FIELDS, via="household")
    assert sorted(row[0] for row in persons) == sorted([hood.p3.pk, hood.p4.pk, new.pk])
    assert {row[0]: row[1] for row in persons}[new.pk] == hood.h1.neighbourhood_id
    households = unlike(Household, HouseholdSnapshot, since, ("vulnerability",))
    assert households == [(hood.hb.pk, hood.hb.neighbourhood_id, None)]


def test_a_set_based_vulnerability_change_recomputes_the_stock_facts_once(hood, monkeypatch):
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    refresh(full=True, today=TODAY)
    Household.objects.filter(pk=hood.h1.pk).update(vulnerability=80, updated_at=timezone.now())
    result = refresh(today=TODAY)
    assert (result.neighbourhoods, result.stock_only) == (1, 1)
    incremental = table(), sums()
    # The snapshot took the new score: the next refresh has nothing to do.
    assert refresh(today=TODAY).neighbourhoods == 0
    refresh(full=True, today=TODAY)
    assert (table(), sums()) == incremental


def test_every_person_field_the_indicators_read_is_either_flow_or_stock_only():
    assert {f.name for f in dataclasses.fields(PersonRow)} - {"id"} == set(FLOW_FIELDS) | set(
        STOCK_ONLY_FIELDS
    )
    assert not set(FLOW_FIELDS) & set(STOCK_ONLY_FIELDS)
    # The snapshot keeps every one of them, in the row's order.
    assert ROW_FIELDS == tuple(f.name for f in dataclasses.fields(PersonRow))[1:]


def test_every_stock_indicator_is_a_sum_over_households(hood):
    """What makes moving stock facts by a difference exact (refresh.apply_changes): a stock
    indicator's cells for a neighbourhood are the sums of its cells for each household alone (its
    residents with their skills courses)."""
    data = refresh_module.load([hood.world.hood_a.pk])[hood.world.hood_a.pk]
    stocks = [spec for spec in REGISTRY.values() if spec.stock]
    assert len(stocks) >= 6
    for period in refresh_module.current_periods(TODAY):
        for spec in stocks:
            summed: dict[str, list] = {}
            for hid, vulnerability in data.households.items():
                part = HoodData(neighbourhood_id=data.neighbourhood_id, households={hid: vulnerability})
                part.persons = {pid: p for pid, p in data.persons.items() if p.household_id == hid}
                part.skills = [row for row in data.skills if row[0] in part.persons]
                for key, (num, den) in evaluate(spec, part, period, TODAY, spec.disaggregations).items():
                    cell = summed.setdefault(key, [0.0, None])
                    cell[0] += num
                    cell[1] = den if cell[1] is None else cell[1] + (den or 0.0)
            whole = evaluate(spec, data, period, TODAY, spec.disaggregations)
            assert whole, spec.code
            assert {key: tuple(cell) for key, cell in summed.items()} == whole, spec.code


def test_a_new_day_recomputes_every_stock_figure_and_later_changes_move_them(hood, monkeypatch):
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    next_day = TODAY + datetime.timedelta(days=1)  # 27 Dey: the same month
    refresh(full=True, today=TODAY)
    # Nothing changed, but the stock figures describe a day: on the next one they are recomputed
    # everywhere (a birthday moves a resident between age groups), not moved by a difference.
    result = refresh(today=next_day)
    assert (result.full, result.by_difference) == (False, 0)
    assert result.stock_only == result.neighbourhoods == Neighbourhood.objects.count() > 1
    # Later that day, a set-based change moves the facts by its difference, and they match a full
    # rebuild on that day.
    Person.objects.filter(pk=hood.p1.pk).update(
        insurance="none", school_enrolled=False, updated_at=timezone.now()
    )
    Person.objects.filter(pk=hood.p5.pk).update(household=hood.h1, updated_at=timezone.now())
    result = refresh(today=next_day)
    assert (result.neighbourhoods, result.by_difference) == (1, 1)
    incremental = table(), sums()
    refresh(full=True, today=next_day)
    assert (table(), sums()) == incremental
    insured = Fact.objects.get(
        indicator__code="insured_households",
        neighbourhood=hood.world.hood_a,
        period="1403",
        disaggregation="",
    )
    # h1 (p1 now uninsured) is no longer insured; h2 has p4 uninsured.
    assert (insured.numerator, insured.denominator) == (0.0, 2.0)


@given(
    changes=st.lists(
        st.tuples(
            st.integers(0, 6),
            st.sampled_from(["employed", "unemployed", "student", "informal", ""]),
            st.sampled_from(["none", "health", ""]),
            st.sampled_from([None, True, False]),
            st.integers(0, 2),
        ),
        max_size=6,
    ),
    vulnerability=st.integers(0, 100),
)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_flow_indicator_reads_a_stock_only_field(hood, changes, vulnerability):
    """What makes a stock-only refresh sound: changing STOCK_ONLY_FIELDS (and vulnerability) leaves
    every flow indicator's cells, for every period, as they were."""
    periods = refresh_module.fact_periods(TODAY)
    flows = [spec for spec in REGISTRY.values() if not spec.stock]

    def figures(data):
        return [
            evaluate(spec, data, period, min(period.last_day, TODAY), spec.disaggregations)
            for spec in flows
            for period in periods
        ]

    data = refresh_module.load([hood.world.hood_a.pk])[hood.world.hood_a.pk]
    expected = figures(data)
    changed = copy.deepcopy(data)
    changed._cache.clear()
    people = sorted(changed.persons.values(), key=lambda p: p.id)
    households = sorted(changed.households)
    for which, employment, insurance, enrolled, household in changes:
        p = people[which % len(people)]
        p.employment, p.insurance, p.school_enrolled = employment, insurance, enrolled
        p.household_id = households[household % len(households)]
    for hid in households:
        changed.households[hid] = vulnerability
    assert figures(changed) == expected


def test_a_period_free_stock_has_the_same_cells_in_every_current_period(hood):
    data = refresh_module.load([hood.world.hood_a.pk])[hood.world.hood_a.pk]
    periods = refresh_module.current_periods(TODAY)
    free = [spec for spec in REGISTRY.values() if spec.period_free]
    assert free and all(spec.stock for spec in free)
    for spec in free:
        first, *others = (evaluate(spec, data, p, TODAY, spec.disaggregations) for p in periods)
        assert first and all(cells == first for cells in others), spec.code
    # youth_in_training reads the period (a course running in it): not period-free.
    assert not REGISTRY["youth_in_training"].period_free
