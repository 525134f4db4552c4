"""A hand-counted neighbourhood: six residents of neighbourhood A in two households, their harm
cases, a class with two sessions, two skills courses, three referrals and two community groups.

Every figure the tests expect is counted by hand in the comments of test_computed.py. The rows are
written with the ORM (not the services) so that they can carry dates before today's services allow.
"""

import datetime
from types import SimpleNamespace

import pytest

from mahalleh.activities.models import Activity, Attendance, Enrolment, Session
from mahalleh.community.models import CommunityGroup, Meeting, Membership
from mahalleh.core.jalali import TEHRAN
from mahalleh.indicators.models import Plan
from mahalleh.referrals.models import Referral, Service
from mahalleh.registry.models import HarmCase, HarmCaseEvent, HarmType, Household, Person

D = datetime.date
TODAY = D(2025, 1, 15)  # 26 Dey 1403


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 10, 0, tzinfo=TEHRAN)


def make_person(household, first, sex, birth, **extra):
    return Person.objects.create(
        household=household,
        first_name=first,
        last_name="آزمون",
        sex=sex,
        birth_date=birth,
        relation=extra.pop("relation", Person.Relation.CHILD),
        **extra,
    )


def harm(person, code, identified, *steps):
    case = HarmCase.objects.create(
        person=person, harm_type=HarmType.objects.get(code=code), identified_on=identified
    )
    HarmCaseEvent.objects.create(case=case, to_status="identified", on=identified)
    for on, status in steps:
        HarmCaseEvent.objects.create(case=case, from_status=case.status, to_status=status, on=on)
        case.status = status
    case.save()
    return case


@pytest.fixture
def hood(world):
    w = world
    d = SimpleNamespace(world=w)
    Plan.objects.create(name_fa="برنامه", baseline_year=1402, first_year=1403, last_year=1406)
    d.h1 = Household.objects.create(neighbourhood=w.hood_a, vulnerability=40)
    d.h2 = Household.objects.create(neighbourhood=w.hood_a, vulnerability=70)
    d.p1 = make_person(d.h1, "مریم", "female", D(2012, 5, 1), school_enrolled=True, insurance="health")
    d.p2 = make_person(d.h2, "رضا", "male", D(2010, 1, 1), school_enrolled=False, nationality="afghan")
    d.p3 = make_person(
        d.h1, "زهرا", "female", D(1995, 1, 1), employment="employed", insurance="health", relation="head"
    )
    d.p4 = make_person(d.h2, "علی", "male", D(2000, 6, 1), employment="unemployed", insurance="none")
    d.p5 = make_person(d.h2, "حسن", "male", D(1960, 1, 1), employment="retired", insurance="health")
    d.p6 = make_person(d.h1, "سارا", "female", D(2018, 1, 1), school_enrolled=True, insurance="health")
    # Office B: one resident, so the tests can see what stays put.
    d.hb = Household.objects.create(neighbourhood=w.hood_b, vulnerability=10)
    d.pb = make_person(d.hb, "نرگس", "female", D(2014, 3, 3), school_enrolled=True)

    d.c1 = harm(d.p2, "school_dropout", D(2024, 4, 10), (D(2024, 5, 1), "in_care"))
    d.c2 = harm(d.p4, "addiction", D(2024, 6, 1), (D(2024, 9, 1), "resolved"), (D(2024, 12, 25), "relapsed"))
    d.c3 = harm(d.p1, "child_labour", D(2024, 7, 1), (D(2025, 1, 10), "resolved"))

    fa = w.facilitator_a
    d.klass = Activity.objects.create(
        office=w.office_a, kind="class", title="کلاس", facilitator=fa, starts_on=D(2024, 12, 1)
    )
    d.s1 = Session.objects.create(activity=d.klass, date=D(2024, 12, 25))
    d.s2 = Session.objects.create(activity=d.klass, date=D(2025, 1, 5))
    for session, marks in ((d.s1, [(d.p1, True), (d.p6, True), (d.p5, False)]),
                           (d.s2, [(d.p1, True), (d.p5, True), (d.p2, False)])):  # fmt: skip
        for person, present in marks:
            Attendance.objects.create(session=session, person=person, present=present)
    d.old_course = Activity.objects.create(
        office=w.office_a, kind="skills", title="خیاطی", facilitator=fa,
        starts_on=D(2024, 1, 1), ends_on=D(2024, 5, 1),
    )  # fmt: skip
    d.new_course = Activity.objects.create(
        office=w.office_a, kind="skills", title="برق", facilitator=fa,
        starts_on=D(2024, 12, 1), ends_on=D(2025, 3, 1),
    )  # fmt: skip
    Enrolment.objects.create(activity=d.old_course, person=d.p3, enrolled_on=D(2024, 1, 1))
    Enrolment.objects.create(activity=d.new_course, person=d.p4, enrolled_on=D(2024, 12, 1))

    service = Service.objects.create(partner=w.partner, name="مشاوره")

    def referral(person, sent, due, status, accepted=None, closed=None):
        r = Referral.objects.create(
            person=person, office=w.office_a, service=service, partner=w.partner, reason="نیاز",
            due_on=due, status=status, created_by=fa,
            accepted_at=accepted and at(accepted), closed_at=closed and at(closed),
        )  # fmt: skip
        Referral.objects.filter(pk=r.pk).update(created_at=at(sent))
        return r

    referral(d.p4, D(2024, 11, 1), D(2024, 11, 10), "completed", D(2024, 11, 4), D(2024, 11, 9))
    referral(d.p2, D(2024, 11, 5), D(2024, 11, 15), "completed", D(2024, 11, 11), D(2024, 11, 20))
    referral(d.p3, D(2024, 11, 6), D(2024, 11, 20), "cancelled", None, D(2024, 11, 7))

    d.g1 = CommunityGroup.objects.create(
        office=w.office_a, neighbourhood=w.hood_a, kind="women", name="گروه ۱", founded_on=D(2024, 4, 1)
    )
    d.g2 = CommunityGroup.objects.create(
        office=w.office_a, neighbourhood=w.hood_a, kind="elderly", name="گروه ۲", founded_on=D(2024, 5, 1)
    )
    Meeting.objects.create(group=d.g1, date=D(2024, 12, 1))
    Meeting.objects.create(group=d.g1, date=D(2025, 1, 10))
    Meeting.objects.create(group=d.g2, date=D(2024, 6, 1))
    Membership.objects.create(group=d.g1, person=d.p3, role="leader", joined_on=D(2024, 4, 1))
    Membership.objects.create(group=d.g1, person=d.p4, role="member", joined_on=D(2024, 4, 1))
    Membership.objects.create(group=d.g2, person=d.p5, role="leader", joined_on=D(2024, 5, 1))
    Membership.objects.create(group=d.g2, person=d.p3, role="member", joined_on=D(2024, 5, 1))
    return d


from tests.api.conftest import (  # noqa: E402, F401 — schema-checked API client
    api,
    openapi,
    session_api,
)
