"""Activity fixtures: office A runs a weekly class with three enrolled residents and three sessions
(two in the past, one next week); office B runs one of its own. Built through the services, as a
facilitator would."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from mahalleh.activities import services
from mahalleh.activities.models import Activity
from tests.registry.conftest import reg  # noqa: F401 — the registry fixture the activities build on


def tr(msgid: str, **params) -> str:
    """A message as the Persian UI and the API (Persian by default) show it: the catalogue's
    translation of the msgid, with its parameters (lazy ones among them) rendered in Persian."""
    with translation.override("fa"):
        text = translation.gettext(msgid)
        return text % {key: str(value) for key, value in params.items()} if params else text


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def act(reg, today):  # noqa: F811
    w = reg.world
    fa, fb = w.facilitator_a, w.facilitator_b
    a = SimpleNamespace(reg=reg, world=w, today=today)
    a.activity = services.activity_create(
        actor=fa,
        kind=Activity.Kind.CLASS,
        title="کلاس مهارت‌های زندگی",
        facilitator=fa,
        starts_on=today - days(30),
        ends_on=today + days(60),
        age_groups=["child", "adolescent"],
        place="سالن دفتر",
    )
    a.session_1 = services.session_create(
        actor=fa,
        activity=a.activity,
        date=today - days(14),
        start_time=datetime.time(16, 0),
        end_time=datetime.time(17, 30),
        topic="خودآگاهی",
    )
    a.session_2 = services.session_create(
        actor=fa, activity=a.activity, date=today - days(7), start_time=datetime.time(16, 0)
    )
    a.future = services.session_create(
        actor=fa, activity=a.activity, date=today + days(7), start_time=datetime.time(16, 0)
    )
    a.enrolled = [reg.head_a, reg.child_a, reg.daughter_a]
    for person in a.enrolled:
        services.enrol(actor=fa, activity=a.activity, person=person, on=today - days(30))
    a.activity_b = services.activity_create(
        actor=fb,
        kind=Activity.Kind.SPORT,
        title="فوتبال محله ب",
        facilitator=fb,
        starts_on=today - days(30),
    )
    a.session_b = services.session_create(actor=fb, activity=a.activity_b, date=today - days(3))
    a.enrolment_b = services.enrol(actor=fb, activity=a.activity_b, person=reg.head_b)
    return a
