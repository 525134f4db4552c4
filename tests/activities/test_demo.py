"""The demo activities: twelve months of activities in every demo office, with weekly sessions,
enrolments of the office's own residents fitting the target group, and realistic attendance.

The whole demo is loaded once for the module (inside a transaction rolled back at the end)."""

import datetime
import random
import time
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mahalleh.activities import selectors
from mahalleh.activities.models import Activity, Attendance, Enrolment, Session
from mahalleh.demo import loader
from mahalleh.demo.activities import demo_offices, load_activities
from mahalleh.referrals.models import Partner
from mahalleh.registry.selectors import AGE_GROUPS

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        assert loader.load() is True
        started = time.perf_counter()
        counts = load_activities(random.Random(1403), None)  # {} if the loader already did it
        seconds = time.perf_counter() - started
        print(f"\nload_activities: {counts} in {seconds:.2f} s")  # noqa: T201 - shown with -s
        yield
        transaction.set_rollback(True)


@pytest.fixture
def today():
    return timezone.localdate()


def test_every_demo_office_runs_four_to_eight_activities():
    offices = demo_offices()
    assert len(offices) >= 2
    per_office = Counter(Activity.objects.values_list("office_id", flat=True))
    for office in offices:
        assert 4 <= per_office[office.pk] <= 8, office
    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert {"class", "skills", "sport", "counselling", "campaign"} <= kinds


def test_loading_again_adds_nothing():
    before = Attendance.objects.count()
    assert load_activities(random.Random(1), None) == {}
    assert Attendance.objects.count() == before


def test_the_womens_training_is_with_the_vocational_training_agency():
    skills = Activity.objects.filter(kind="skills", sex="female")
    assert skills.exists()
    partners = {a.partner for a in skills}
    assert len(partners) == 1
    partner = partners.pop()
    assert partner.kind == Partner.Kind.GOVERNMENT and "فنی و حرفه" in partner.name


def test_sessions_are_weekly_and_attendance_only_up_to_yesterday(today):
    for activity in Activity.objects.exclude(kind="campaign"):
        dates = list(activity.sessions.values_list("date", flat=True))
        gaps = {(b - a).days for a, b in zip(dates, dates[1:], strict=False)}
        assert gaps <= {7, 14, 21}, (activity, gaps)  # weekly; the Nowruz holidays skipped
        assert all(activity.starts_on <= d <= (activity.ends_on or d) for d in dates)
    assert not Attendance.objects.filter(session__date__gte=today).exists()
    assert Session.objects.filter(date__lt=today - datetime.timedelta(days=300)).exists()  # a year back


def test_enrolled_residents_live_in_the_office_neighbourhoods_and_fit_the_target_group():
    rows = Enrolment.objects.select_related("activity", "person__household__neighbourhood")
    assert rows.count() > 200
    for e in rows:
        assert e.person.household.neighbourhood.office_id == e.activity.office_id
        a = e.activity
        if a.sex != "any":
            assert e.person.sex == a.sex
        if a.age_groups:
            on, b = a.starts_on, e.person.birth_date
            age = on.year - b.year - ((on.month, on.day) < (b.month, b.day))
            assert any(AGE_GROUPS[g][0] <= age <= AGE_GROUPS[g][1] for g in a.age_groups), (a, age)


def test_attendance_rates_are_realistic_with_some_dropouts():
    activities = list(Activity.objects.exclude(kind="campaign"))
    rates = selectors.activity_rates([a.pk for a in activities])
    held = [r for r in rates.values() if r.expected >= 20]
    assert held
    overall = sum(r.attended for r in held) / sum(r.expected for r in held)
    assert 0.7 <= overall <= 0.9, overall
    enrolments = Enrolment.objects.exclude(activity__kind="campaign")
    dropouts = enrolments.filter(left_on__isnull=False).count() / enrolments.count()
    assert 0.03 <= dropouts <= 0.25, dropouts
    assert not Enrolment.objects.filter(left_on__lte=F("enrolled_on")).exists()


def test_no_one_is_marked_after_they_left_and_campaigns_are_walk_ins():
    left = dict(Enrolment.objects.filter(left_on__isnull=False).values_list("pk", "left_on"))
    by_pair = {(e.activity_id, e.person_id): e.left_on for e in Enrolment.objects.filter(pk__in=list(left))}
    late = [
        a
        for a in Attendance.objects.filter(walk_in=False).select_related("session")
        if (a.session.activity_id, a.person_id) in by_pair
        and a.session.date >= by_pair[(a.session.activity_id, a.person_id)]
    ]
    assert late == []
    campaign = Attendance.objects.filter(session__activity__kind="campaign")
    assert campaign.exists() and not campaign.filter(walk_in=False).exists()
    assert not Enrolment.objects.filter(activity__kind="campaign").exists()


def test_walk_ins_are_not_enrolled_and_nobody_is_marked_twice():
    enrolled = defaultdict(set)
    for activity_id, person_id in Enrolment.objects.values_list("activity_id", "person_id"):
        enrolled[activity_id].add(person_id)
    for activity_id, person_id in Attendance.objects.filter(walk_in=True).values_list(
        "session__activity_id", "person_id"
    ):
        assert person_id not in enrolled[activity_id]
    pairs = list(Attendance.objects.values_list("session_id", "person_id"))
    assert len(pairs) == len(set(pairs))
