"""A change to dated flow rows recomputes only the periods it can reach, and lands where a full
rebuild puts it (indicators.refresh.periods_reached, computed.FLOW_REACH_DAYS)."""

import copy
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mahalleh.activities.models import Attendance, Session
from mahalleh.community.models import CommunityGroup, Meeting, Membership
from mahalleh.indicators import refresh as refresh_module
from mahalleh.indicators.computed import REGISTRY, HarmRow, evaluate
from mahalleh.indicators.models import DirtyNeighbourhood, Fact, RefreshState
from mahalleh.indicators.refresh import mark_dirty, periods_reached, refresh
from mahalleh.referrals.models import Referral
from mahalleh.registry.models import HarmCase, HarmCaseEvent, Person
from mahalleh.registry.services import harm_case_transition
from tests.indicators.conftest import TODAY, D, at, harm
from tests.indicators.test_refresh import apply, incremental_then_full, snapshots, sums, table

FLOWS = [spec for spec in REGISTRY.values() if not spec.stock]
FIRST = D(2023, 3, 21)  # 1 Farvardin 1402, the plan's baseline year
DAYS = (TODAY - FIRST).days + 60  # dates up to two months past today


def day(n: int) -> datetime.date:
    return FIRST + datetime.timedelta(days=n)


# --------------------------------------------------------------------------- the bound itself

# A row of each kind, its dates given as day numbers (day()); the person as an index.
HARM = st.tuples(
    st.integers(0, 9),
    st.sampled_from(["addiction", "child_labour", "school_dropout"]),
    st.integers(0, DAYS),
    st.lists(
        st.tuples(st.integers(0, DAYS), st.sampled_from(["in_care", "resolved", "relapsed"])), max_size=3
    ),
)
EVENT = st.tuples(st.integers(0, DAYS), st.sampled_from(["in_care", "resolved", "relapsed", "closed"]))
ATTEND = st.tuples(st.integers(0, 9), st.integers(0, DAYS), st.booleans())
REFERRAL = st.tuples(
    st.integers(0, 9),
    st.integers(0, DAYS),
    st.integers(0, 40),
    st.sampled_from(["completed", "cancelled", "accepted", "sent"]),
    st.none() | st.integers(0, 60),
    st.none() | st.integers(0, 60),
)
GROUP = st.tuples(st.integers(0, DAYS), st.lists(st.integers(0, DAYS), max_size=3))
MEMBER = st.tuples(
    st.integers(0, 9),
    st.sampled_from(["leader", "member"]),
    st.integers(0, DAYS),
    st.none() | st.integers(0, 90),
)
ROWS = st.fixed_dictionaries(
    {
        "harms": st.lists(HARM, max_size=4),
        "events": st.lists(EVENT, max_size=3),  # added to the common cases
        "attendance": st.lists(ATTEND, max_size=4),
        "referrals": st.lists(REFERRAL, max_size=3),
        "groups": st.lists(GROUP, max_size=2),
        "meetings": st.lists(st.integers(0, DAYS), max_size=2),  # added to the common groups
        "members": st.lists(MEMBER, max_size=3),
    }
)


def rows_into(data, rows, people, *, at_least: int = 0):
    """Add ``rows`` to ``data``, every date moved to ``at_least`` or later (a change's rows)."""

    def on(n):
        return day(max(n, at_least) if at_least else n)

    common = list(data.harms)  # the cases there before: the events below go to them
    for who, code, identified, events in rows["harms"]:
        steps = sorted((on(n), status) for n, status in events)
        data.harms.append(HarmRow(people[who % len(people)], code, on(identified), steps))
    for n, status in rows["events"]:
        if common:
            case = common[n % len(common)]
            case.events = sorted([*case.events, (on(n), status)])
    for who, n, present in rows["attendance"]:
        data.attendance.append((people[who % len(people)], on(n), present))
    for who, sent, due, status, accepted, closed in rows["referrals"]:
        first = on(sent)
        data.referrals.append(
            (
                people[who % len(people)],
                first,
                first + datetime.timedelta(days=due),
                status,
                accepted is not None and first + datetime.timedelta(days=accepted) or None,
                closed is not None and first + datetime.timedelta(days=closed) or None,
            )
        )
    for founded, meetings in rows["groups"]:
        data.groups.append((on(founded), sorted(on(m) for m in meetings)))
    for n in rows["meetings"]:
        if data.groups:
            founded, meetings = data.groups[n % len(data.groups)]
            data.groups[n % len(data.groups)] = (founded, sorted([*meetings, on(n)]))
    for who, role, joined, stay in rows["members"]:
        start = on(joined)
        data.memberships.append(
            (
                people[who % len(people)],
                role,
                start,
                stay is not None and start + datetime.timedelta(days=stay) or None,
            )
        )


@given(common=ROWS, before=ROWS, after=ROWS, cut=st.integers(0, DAYS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_flow_figure_of_a_period_moves_with_rows_dated_after_it_ends_plus_the_reach(
    hood, common, before, after, cut
):
    """Two registries that differ only in rows whose every date is on or after a day D (rows added,
    removed, or with their dates moved, all of them D or later) give every flow indicator the same
    cells for every period that ended before D less FLOW_REACH_DAYS: what lets the refresh keep
    those periods' facts when a change is marked with D."""
    base = refresh_module.load([hood.world.hood_a.pk])[hood.world.hood_a.pk]
    base.harms, base.attendance, base.referrals, base.groups, base.memberships = [], [], [], [], []
    people = sorted(base.persons)
    rows_into(base, common, people)
    one, other = copy.deepcopy(base), copy.deepcopy(base)
    rows_into(one, before, people, at_least=cut)
    rows_into(other, after, people, at_least=cut)
    periods = refresh_module.fact_periods(TODAY)
    reached = periods_reached(periods, day(cut), TODAY)
    for period in (p for p in periods if p not in reached):
        reference = min(period.last_day, TODAY)
        for spec in FLOWS:
            assert evaluate(spec, one, period, reference, spec.disaggregations) == evaluate(
                spec, other, period, reference, spec.disaggregations
            ), (spec.code, period.code)


def test_the_reach_is_needed_a_resolution_moves_the_month_of_its_identification(hood):
    """Without FLOW_REACH_DAYS the bound would be wrong: a case identified in Mehr 1403 and resolved
    in Azar moves Mehr's harm_resolved_6m, a period that ended before the resolution."""
    base = refresh_module.load([hood.world.hood_a.pk])[hood.world.hood_a.pk]
    base.harms = [HarmRow(hood.p4.pk, "addiction", D(2024, 9, 25), [])]
    resolved = copy.deepcopy(base)
    resolved.harms[0].events.append((D(2024, 12, 1), "resolved"))
    mehr = next(p for p in refresh_module.fact_periods(TODAY) if p.code == "1403-07")
    assert mehr.last_day < D(2024, 12, 1)
    spec = REGISTRY["harm_resolved_6m"]
    assert evaluate(spec, base, mehr, mehr.last_day, ())[""] == (0.0, 1.0)
    assert evaluate(spec, resolved, mehr, mehr.last_day, ())[""] == (1.0, 1.0)
    assert mehr in periods_reached(refresh_module.fact_periods(TODAY), D(2024, 12, 1), TODAY)


# --------------------------------------------------------------------------- the marks


def since_of(hood_id):
    return DirtyNeighbourhood.objects.get(neighbourhood_id=hood_id).since


def test_a_dated_change_marks_the_earlier_of_its_old_and_new_dates(hood):
    here = hood.world.hood_a.pk
    event = HarmCaseEvent.objects.get(case=hood.c2, to_status="relapsed")  # 2024-12-25
    DirtyNeighbourhood.objects.all().delete()
    event.on = D(2024, 10, 1)  # moved earlier: the new date
    event.save()
    assert since_of(here) == D(2024, 10, 1)
    DirtyNeighbourhood.objects.all().delete()
    event.on = D(2024, 12, 30)  # moved later: the old date
    event.save()
    assert since_of(here) == D(2024, 10, 1)
    DirtyNeighbourhood.objects.all().delete()
    hood.s2.date = D(2024, 8, 1)  # a session moved: its attendance's old and new dates
    hood.s2.save()
    assert since_of(here) == D(2024, 8, 1)
    DirtyNeighbourhood.objects.all().delete()
    referral = Referral.objects.get(person=hood.p2)  # sent 2024-11-05
    referral.due_on = D(2025, 2, 1)
    referral.save()
    assert since_of(here) == D(2024, 11, 5)
    DirtyNeighbourhood.objects.all().delete()
    hood.c1.delete()  # identified 2024-04-10, its events with it
    assert since_of(here) == D(2024, 4, 10)
    DirtyNeighbourhood.objects.all().delete()
    Meeting.objects.create(group=hood.g2, date=D(2024, 7, 7))
    assert since_of(here) == D(2024, 7, 7)
    # A resident's breakdown field: every period.
    DirtyNeighbourhood.objects.all().delete()
    person = Person.objects.get(pk=hood.p3.pk)
    person.sex = "male"
    person.save()
    assert since_of(here) is None


def test_a_step_on_a_case_identified_long_ago_marks_the_step_not_the_identification(hood, monkeypatch):
    """A facilitator records a step: the service writes the event and saves the case's status. The
    event marks its date; the case's save (a status no figure reads) marks nothing, and the sweep
    finds the case saved since with that one step. Changing its identification marks both dates."""
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    refresh(full=True, today=TODAY)
    here = hood.world.hood_a.pk
    case = HarmCase.objects.get(pk=hood.c1.pk)  # identified 2024-04-10, in care 2024-05-01
    harm_case_transition(actor=hood.world.facilitator_a, case=case, to_status="resolved", on=D(2025, 1, 12))
    assert since_of(here) == D(2025, 1, 12)
    swept = refresh_module.sweep_since(RefreshState.objects.get().watermark)
    assert swept.since == {here: D(2025, 1, 12)}
    refresh(today=TODAY)
    case.refresh_from_db()
    case.identified_on = D(2024, 9, 1)
    case.save()
    assert since_of(here) == D(2024, 4, 10)


def test_marks_add_up_to_the_earliest_day_and_a_stock_only_mark_narrows_nothing(hood):
    here = hood.world.hood_a.pk
    DirtyNeighbourhood.objects.all().delete()  # the fixture's own marks
    mark_dirty([here], since=D(2024, 9, 1))
    mark_dirty([here], since=D(2024, 11, 1))
    assert since_of(here) == D(2024, 9, 1)
    assert DirtyNeighbourhood.objects.get(neighbourhood_id=here).stocks is False  # dated rows only
    mark_dirty([here], stock_only=True)
    mark = DirtyNeighbourhood.objects.get(neighbourhood_id=here)
    assert (mark.stock_only, mark.since, mark.stocks) == (False, D(2024, 9, 1), True)
    mark_dirty([here], since=D(2024, 5, 1))
    assert since_of(here) == D(2024, 5, 1)
    mark_dirty([here])
    mark_dirty([here], since=D(2024, 12, 1))
    assert since_of(here) is None  # every period, whatever comes later
    DirtyNeighbourhood.objects.all().delete()
    mark_dirty([here], stock_only=True)
    mark_dirty([here], since=D(2024, 12, 1))
    mark = DirtyNeighbourhood.objects.get(neighbourhood_id=here)
    assert (mark.stock_only, mark.since, mark.stocks) == (False, D(2024, 12, 1), True)


def stock_figures(hood_id):
    from mahalleh.indicators.refresh import stock_codes

    rows = Fact.objects.filter(neighbourhood_id=hood_id, indicator__code__in=stock_codes())
    return sorted(rows.values_list("indicator__code", "period", "disaggregation", "numerator", "denominator"))


def test_dated_rows_alone_leave_the_stock_facts_and_snapshots_and_a_resident_s_change_brings_them(
    hood, monkeypatch
):
    """A harm case identified today recomputes the flows it reaches and leaves the stock facts and
    the snapshots as they were: a resident's employment changed behind the refresh's back (no
    signal, no new time) stays unseen. A resident's change saved as a form saves it, its mark added
    up with the next case's, brings the stock facts and snapshots to the registry as it is, even
    when the sweep cannot see the row (committed late, with a time before the sweep's overlap)."""
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    here = hood.world.hood_a.pk
    refresh(full=True, today=TODAY)
    before, kept = stock_figures(here), snapshots()
    person = Person.objects.filter(household__neighbourhood_id=here, employment="unemployed").first()
    Person.objects.filter(pk=person.pk).update(employment="employed", updated_at=person.updated_at)
    harm(hood.p4, "addiction", TODAY)
    assert DirtyNeighbourhood.objects.get(neighbourhood_id=here).stocks is False
    refresh(today=TODAY)
    assert stock_figures(here) == before
    assert snapshots() == kept
    person.refresh_from_db()
    person.save()  # as a form saves it: a stock-only mark
    Person.objects.filter(pk=person.pk).update(updated_at=at(D(2024, 1, 1)))
    harm(hood.p4, "child_labour", TODAY)
    refresh(today=TODAY)
    assert stock_figures(here) != before
    incremental = table(), sums(), snapshots()
    refresh(full=True, today=TODAY)
    assert (table(), sums(), snapshots()) == incremental


# --------------------------------------------------------------------------- the refresh


def test_a_past_dated_change_recomputes_the_periods_it_reaches_and_keeps_the_others(hood, monkeypatch):
    """The facts of the periods that ended more than FLOW_REACH_DAYS before the change are not
    recomputed: a figure altered by hand there stays altered, one altered after it is put right."""
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    refresh(full=True, today=TODAY)
    here = hood.world.hood_a.pk

    def reached_children(period):
        return Fact.objects.filter(neighbourhood_id=here, period=period, indicator__code="reached_child")

    early, late = reached_children("1402-06"), reached_children("1403-09")  # Shahrivar 1402, Azar 1403
    right = {f.pk: f.numerator for f in late}
    assert early.exists() and late.exists()
    early.update(numerator=99.0)
    late.update(numerator=99.0)
    HarmCaseEvent.objects.create(case=hood.c2, to_status="resolved", on=D(2025, 1, 12))
    assert since_of(here) == D(2025, 1, 12)  # reaches back to 2024-07-13: Azar, not Shahrivar 1402
    refresh(today=TODAY)
    assert {f.numerator for f in early} == {99.0}
    assert {f.pk: f.numerator for f in late} == right
    assert not DirtyNeighbourhood.objects.exists()


DATED_EDITS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "harm",
                "resolve",
                "step",
                "move_event",
                "identified",
                "delete_event",
                "delete_case",
                "attend",
                "attend_bulk",
                "unattend",
                "move_session",
                "referral_due",
                "referral_close",
                "referral_cancel",
                "meeting",
                "move_meeting",
                "founded",
                "join",
                "leave",
                # Residents' and households' changes (test_refresh.apply), marked with no day and
                # adding up with the dated marks: their stock facts and snapshots must follow.
                "employment",
                "employment_bulk",
                "insurance",
                "vulnerability",
                "move_within",
                "birth",
            ]
        ),
        st.integers(0, 6),
        st.integers(0, DAYS),
    ),
    min_size=1,
    max_size=5,
)


def saved(row, **values):
    """Change ``row`` as a form would, and save it (its signals mark the change)."""
    if row is not None:
        for name, value in values.items():
            setattr(row, name, value)
        row.save()


UNDATED = {"employment", "employment_bulk", "insurance", "vulnerability", "move_within", "birth"}


def apply_dated(edit, hood):
    action, which, days = edit
    if action in UNDATED:
        apply((action, which, days), hood)
        return
    on = day(days)

    def one(rows):
        rows = list(rows.order_by("pk"))
        return rows[which % len(rows)] if rows else None

    person = one(Person.objects.filter(household__neighbourhood=hood.world.hood_a))
    session = [hood.s1, hood.s2][days % 2]
    group = one(CommunityGroup.objects.filter(pk__in=[hood.g1.pk, hood.g2.pk]))
    if action == "harm":
        harm(person, ["addiction", "child_labour", "school_dropout"][days % 3], on)
    elif action == "resolve" and HarmCase.objects.exists():
        statuses = ["resolved", "relapsed"]
        HarmCaseEvent.objects.create(case=one(HarmCase.objects), to_status=statuses[days % 2], on=on)
    elif action == "step" and HarmCase.objects.exists():
        # As a facilitator records it: the event, then the case's status (refused steps are skipped).
        try:
            with transaction.atomic():
                status = ["in_care", "resolved", "relapsed", "closed"][days % 4]
                harm_case_transition(
                    actor=hood.world.facilitator_a, case=one(HarmCase.objects), to_status=status, on=on
                )
        except ValidationError:
            pass
    elif action == "move_event":
        saved(one(HarmCaseEvent.objects), on=on)
    elif action == "identified":
        saved(one(HarmCase.objects), identified_on=on)
    elif action in ("delete_event", "delete_case"):
        steps = HarmCaseEvent.objects.exclude(to_status="identified")
        row = one(steps if action == "delete_event" else HarmCase.objects)
        if row is not None:
            row.delete()
    elif action == "attend":
        Attendance.objects.update_or_create(
            session=session, person=person, defaults={"present": bool(days % 3)}
        )
    elif action == "attend_bulk":
        # As the attendance sheet saves: one upsert, no signal (the sweep finds it).
        Attendance.objects.bulk_create(
            [Attendance(session=session, person=person, present=bool(days % 2))],
            update_conflicts=True,
            unique_fields=["session", "person"],
            update_fields=["present", "recorded_at"],
        )
    elif action == "unattend":
        for row in Attendance.objects.filter(person=person)[:1]:
            row.delete()
    elif action == "move_session":
        saved(one(Session.objects.filter(pk__in=[hood.s1.pk, hood.s2.pk])), date=on)
    elif action == "referral_due":
        saved(one(Referral.objects), due_on=on)
    elif action == "referral_close":
        saved(one(Referral.objects), status="completed", closed_at=at(on))
    elif action == "referral_cancel":
        saved(one(Referral.objects), status="cancelled")
    elif action == "meeting":
        Meeting.objects.create(group=group, date=on)
    elif action == "move_meeting":
        saved(one(Meeting.objects), date=on)
    elif action == "founded":
        saved(group, founded_on=on)
    elif action == "join":
        Membership.objects.get_or_create(
            group=group, person=person, defaults={"role": "member", "joined_on": on}
        )
    elif action == "leave":
        saved(Membership.objects.filter(person=person, left_on__isnull=True).first(), left_on=on)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(DATED_EDITS, min_size=1, max_size=2))
def test_dated_changes_recomputed_from_their_day_equal_a_full_rebuild(hood, monkeypatch, rounds):
    """Harm cases and events, attendance, sessions, referrals, meetings, groups and memberships
    changed with dates of any day, moved earlier or later, deleted, saved or written without a
    signal: the periods each change reaches are recomputed, and the facts and the provinces' sums
    equal a full rebuild's."""
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    incremental, full = incremental_then_full(hood, rounds, edit=apply_dated)
    assert incremental == full


@pytest.mark.django_db
def test_a_row_moved_far_later_puts_right_the_periods_it_left(hood, monkeypatch):
    """A session and a resolution dated long ago, then moved to last week: the periods of the old
    dates (beyond the reach of the new ones) are recomputed too, as a full rebuild has them."""
    monkeypatch.setattr(refresh_module, "WATERMARK_OVERLAP", datetime.timedelta(0))
    with transaction.atomic():
        session = Session.objects.get(pk=hood.s1.pk)
        session.date = D(2023, 6, 1)
        session.save()
        resolved = HarmCaseEvent.objects.create(case=hood.c1, to_status="resolved", on=D(2023, 6, 1))
        refresh(full=True, today=TODAY)
        session.date = D(2025, 1, 8)
        session.save()
        resolved.on = D(2025, 1, 8)
        resolved.save()
        refresh(today=TODAY)
        incremental = table(), sums(), snapshots()
        refresh(full=True, today=TODAY)
        full = table(), sums(), snapshots()
        transaction.set_rollback(True)
    assert incremental == full
