"""Deterministic demo activities: twelve months of classes, training, sport, counselling and campaigns
in every demo office, with weekly sessions up to yesterday, enrolments and attendance.

Each office runs 4–8 activities: always a weekly life-skills class for adolescents, a women's
skills training (with the technical and vocational training agency when the demo has it), a
children's sport, a counselling group for mothers and an awareness campaign, plus up to three of
the others. Residents are drawn from the office's own neighbourhoods by the activity's sex and age
groups (as they were on its first day). Attendance follows what offices report: each person has
their own habit (most come 70–95% of the time), about one in eight drops out part-way, a few join
late, sessions in the Nowruz holidays (1–13 Farvardin) are skipped, the odd session has no
attendance recorded, and walk-ins turn up. Campaigns have no enrolment: everyone there is a walk-in.

Everything is drawn from the ``random.Random`` the loader passes in, with dates relative to
``today``, and written with ``bulk_create`` (about 20k attendance rows in two seconds).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

import jdatetime
from django.utils import timezone

from mahalleh.accounts.models import Role, User
from mahalleh.activities.models import Activity, Attendance, Enrolment, Session
from mahalleh.demo.registry import _explicit_timestamps, demo_neighbourhoods
from mahalleh.geo.models import Neighbourhood, Office
from mahalleh.referrals.models import Partner
from mahalleh.registry.models import Person
from mahalleh.registry.selectors import AGE_GROUPS

__all__ = ["ACTIVITY_PLANS", "load_activities"]

BATCH = 2000
K = Activity.Kind


@dataclass(frozen=True)
class _Plan:
    key: str
    kind: str
    title: str
    age_groups: tuple[str, ...]
    sex: str
    weeks: int | None  # None: runs the whole year
    size: tuple[int, int]  # how many enrolled
    place: str
    start: datetime.time
    minutes: int
    partner: str = ""  # "tvto" or "welfare": the matching demo partner, if there is one
    description: str = ""
    always: bool = False


ACTIVITY_PLANS = [
    _Plan(
        "teen_class", K.CLASS, "کلاس هفتگی مهارت‌های زندگی نوجوانان", ("adolescent",), "any", None, (16, 26),
        "سالن دفتر تسهیلگری", datetime.time(16, 0), 90,
        description="مهارت‌های خودآگاهی، حل مسئله، نه گفتن و مدیریت خشم؛ هر هفته یک موضوع.", always=True,
    ),
    _Plan(
        "women_skills", K.SKILLS, "دوره آموزش خیاطی و مهارت‌های شغلی زنان", ("youth", "adult"), "female", 16,
        (12, 20), "کارگاه آموزشی محله", datetime.time(9, 30), 150, partner="tvto",
        description="دوره مهارتی با گواهی فنی و حرفه‌ای؛ پس از پایان، معرفی به صندوق خرد محله.", always=True,
    ),
    _Plan(
        "kids_sport", K.SPORT, "فوتبال کودکان محله", ("child",), "male", 24, (18, 28),
        "زمین ورزشی مدرسه", datetime.time(17, 0), 60, always=True,
    ),
    _Plan(
        "mothers_counselling", K.COUNSELLING, "گروه حمایت روانی-اجتماعی مادران", ("adult",), "female", 10,
        (8, 12), "اتاق مشاوره دفتر", datetime.time(10, 0), 90, partner="welfare", always=True,
    ),
    _Plan(
        "campaign", K.CAMPAIGN, "پویش آگاهی‌بخشی پیشگیری از اعتیاد", (), "any", 3, (0, 0),
        "میدان اصلی محله", datetime.time(17, 30), 120, partner="welfare", always=True,
    ),
    _Plan(
        "girls_volleyball", K.SPORT, "والیبال دختران نوجوان", ("adolescent",), "female", 20, (12, 18),
        "سالن ورزشی مسجد محله", datetime.time(15, 30), 75,
    ),
    _Plan(
        "painting", K.CULTURE, "کارگاه نقاشی و قصه‌گویی کودکان", ("child",), "any", 8, (12, 20),
        "کتابخانه محله", datetime.time(10, 0), 90,
    ),
    _Plan(
        "finance", K.WORKSHOP, "کارگاه سواد مالی و پس‌انداز خانوار", ("youth", "adult"), "any", 6, (10, 16),
        "سالن دفتر تسهیلگری", datetime.time(18, 0), 90,
    ),
    _Plan(
        "literacy", K.CLASS, "کلاس سوادآموزی بزرگسالان", ("adult", "elderly"), "any", None, (8, 14),
        "مسجد محله", datetime.time(9, 0), 90,
    ),
    _Plan(
        "elderly_walk", K.SPORT, "پیاده‌روی و ورزش صبحگاهی سالمندان", ("elderly",), "any", 30, (8, 14),
        "پارک محله", datetime.time(7, 0), 45,
    ),
]  # fmt: skip

TOPICS = {
    "teen_class": [
        "خودآگاهی", "همدلی", "ارتباط مؤثر", "حل مسئله", "تصمیم‌گیری", "مدیریت خشم", "نه گفتن",
        "تفکر نقاد", "مقابله با استرس", "پیشگیری از اعتیاد", "برنامه‌ریزی تحصیلی", "امنیت در فضای مجازی",
    ],
    "women_skills": ["آشنایی با چرخ خیاطی", "الگوسازی", "برش", "دوخت", "دوخت لباس کودک", "قیمت‌گذاری و فروش"],
    "mothers_counselling": [
        "آشنایی اعضا", "فرزندپروری مثبت", "مدیریت استرس", "ارتباط با نوجوان", "خشونت خانگی و راه‌های کمک",
        "حمایت اجتماعی", "جمع‌بندی",
    ],
    "campaign": ["ایستگاه اطلاع‌رسانی", "نمایش خیابانی", "جشن پایانی پویش"],
    "finance": ["بودجه خانوار", "پس‌انداز", "صندوق‌های خرد", "وام و بدهی", "کسب‌وکار خانگی", "جمع‌بندی"],
}  # fmt: skip


def _years_before(d: datetime.date, years: int) -> datetime.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _age_ok(birth: datetime.date | None, groups: tuple[str, ...], on: datetime.date) -> bool:
    if not groups:
        return True
    if birth is None:
        return False
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return any(AGE_GROUPS[g][0] <= age <= AGE_GROUPS[g][1] for g in groups)


def _nowruz_holiday(d: datetime.date) -> bool:
    j = jdatetime.date.fromgregorian(date=d)
    return j.month == 1 and j.day <= 13


def _partners() -> dict[str, Partner]:
    government = list(Partner.objects.filter(kind=Partner.Kind.GOVERNMENT).order_by("pk"))
    tvto = next((p for p in government if "فنی" in p.name or "vocational" in p.name.lower()), None)
    welfare = next((p for p in government if "بهزیستی" in p.name or "welfare" in p.name.lower()), None)
    out = {}
    if tvto is not None:
        out["tvto"] = tvto
    if welfare is not None:
        out["welfare"] = welfare
    return out


def _staff(office: Office) -> list[User]:
    return list(
        User.objects.filter(
            office=office, role__in=[Role.FACILITATOR, Role.OFFICE_MANAGER], is_active=True
        ).order_by("role", "username")
    )


class _Office:
    """Everything drawn for one office, before it is written."""

    def __init__(self, *, office: Office, rng: random.Random, today: datetime.date, partners: dict):
        self.office = office
        self.rng = rng
        self.today = today
        self.yesterday = today - datetime.timedelta(days=1)
        self.partners = partners
        self.staff = _staff(office)
        self.people = list(
            Person.objects.filter(
                household__neighbourhood__office=office,
                household__neighbourhood__kind=Neighbourhood.Kind.TARGET,
                status=Person.Status.ACTIVE,
            )
            .order_by("pk")
            .values_list("pk", "sex", "birth_date")
        )
        opened = office.opened_on or today - datetime.timedelta(days=400)
        self.first_day = max(opened, today - datetime.timedelta(days=365))
        self.activities: list[Activity] = []
        self.sessions: list[tuple[Activity, Session]] = []
        self.enrolments: list[tuple[Activity, Enrolment]] = []
        self.marks: list[tuple[Session, Attendance]] = []

    def candidates(self, plan: _Plan, on: datetime.date) -> list[int]:
        return [
            pk
            for pk, sex, birth in self.people
            if (plan.sex == "any" or sex == plan.sex) and _age_ok(birth, plan.age_groups, on)
        ]

    def dates(self, plan: _Plan) -> tuple[datetime.date, datetime.date | None]:
        rng, today = self.rng, self.today
        span = (today - self.first_day).days
        if plan.weeks is None:  # all year: started near the beginning, still running
            start = self.first_day + datetime.timedelta(days=rng.randint(0, min(30, span)))
            return start, today + datetime.timedelta(days=rng.randint(30, 120))
        length = 7 * (plan.weeks - 1)
        if plan.kind == K.CAMPAIGN:
            # A campaign over two weeks, somewhere in the year (once in a while, next week).
            if rng.random() < 0.2:
                start = today + datetime.timedelta(days=rng.randint(5, 12))
            else:
                start = today - datetime.timedelta(days=rng.randint(20, max(21, span - 14)))
            return start, start + datetime.timedelta(days=14)
        # Some finished, some running now.
        latest_start = today - datetime.timedelta(days=7)
        earliest_start = self.first_day
        if (latest_start - earliest_start).days <= 0:
            start = earliest_start
        else:
            start = earliest_start + datetime.timedelta(
                days=rng.randint(0, (latest_start - earliest_start).days)
            )
        return start, start + datetime.timedelta(days=length)

    def build(self) -> None:
        rng = self.rng
        if not self.staff or not self.people:
            return
        chosen = [p for p in ACTIVITY_PLANS if p.always]
        others = [p for p in ACTIVITY_PLANS if not p.always]
        chosen += rng.sample(others, rng.randint(0, 3))
        for plan in chosen:
            self.activity(plan)

    def activity(self, plan: _Plan) -> None:
        rng = self.rng
        starts_on, ends_on = self.dates(plan)
        facilitator = rng.choice(self.staff)
        activity = Activity(
            office=self.office,
            kind=plan.kind,
            title=plan.title,
            description=plan.description,
            age_groups=list(plan.age_groups),
            sex=plan.sex,
            partner=self.partners.get(plan.partner),
            facilitator=facilitator,
            place=plan.place,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        created = datetime.datetime.combine(
            starts_on - datetime.timedelta(days=rng.randint(7, 21)),
            datetime.time(rng.randint(8, 14), rng.randint(0, 59)),
            tzinfo=timezone.get_current_timezone(),
        )
        activity.created_at = activity.updated_at = created
        self.activities.append(activity)

        # Weekly sessions on the start's weekday; the campaign has three events in two weeks.
        if plan.kind == K.CAMPAIGN:
            days = [
                starts_on,
                starts_on + datetime.timedelta(days=6),
                starts_on + datetime.timedelta(days=14),
            ]
        else:
            days, d = [], starts_on
            # Planned sessions up to two weeks ahead; the rest are added as the activity goes on.
            last = min(ends_on or self.today, self.today + datetime.timedelta(days=14))
            while d <= last:
                days.append(d)
                d += datetime.timedelta(days=7)
        days = [d for d in days if not _nowruz_holiday(d)]
        topics = TOPICS.get(plan.key, [])
        end = (
            datetime.datetime.combine(starts_on, plan.start) + datetime.timedelta(minutes=plan.minutes)
        ).time()
        sessions = []
        for i, day in enumerate(days):
            session = Session(
                activity=activity,
                date=day,
                start_time=plan.start,
                end_time=end,
                topic=topics[i % len(topics)] if topics else "",
            )
            session.created_at = created
            sessions.append(session)
            self.sessions.append((activity, session))
        held = [s for s in sessions if s.date <= self.yesterday and rng.random() > 0.03]

        if plan.kind == K.CAMPAIGN:
            pool = self.candidates(plan, starts_on)
            for session in held:
                for pk in rng.sample(pool, min(len(pool), rng.randint(25, 60))):
                    self.mark(session, pk, present=True, walk_in=True, by=facilitator)
            return

        pool = self.candidates(plan, starts_on)
        if not pool:
            return
        size = min(len(pool), rng.randint(*plan.size))
        members = rng.sample(pool, size)
        roster: list[tuple[int, datetime.date, datetime.date | None, float]] = []
        for pk in members:
            enrolled_on = max(self.first_day, starts_on - datetime.timedelta(days=rng.randint(0, 10)))
            enrolled_on = min(enrolled_on, self.today)
            # A few join once it is running.
            if len(sessions) > 6 and rng.random() < 0.08:
                enrolled_on = sessions[rng.randint(2, len(sessions) // 2)].date - datetime.timedelta(days=1)
                enrolled_on = min(enrolled_on, self.today)
            left_on = None
            if len(held) > 4 and rng.random() < 0.13:  # drops out part-way
                left_on = held[rng.randint(2, len(held) - 2)].date + datetime.timedelta(days=1)
                left_on = min(left_on, self.yesterday)
                if left_on <= enrolled_on:  # a late joiner cannot have left before joining
                    left_on = None
            habit = min(0.98, max(0.45, rng.gauss(0.82, 0.1)))
            enrolment = Enrolment(
                activity=activity,
                person_id=pk,
                enrolled_on=enrolled_on,
                left_on=left_on,
                enrolled_by=facilitator,
            )
            self.enrolments.append((activity, enrolment))
            roster.append((pk, enrolled_on, left_on, habit))
        taken = set(members)
        outsiders = [pk for pk in pool if pk not in taken]
        for session in held:
            for pk, enrolled_on, left_on, habit in roster:
                if session.date < enrolled_on or (left_on is not None and session.date >= left_on):
                    continue
                # The weeks before someone drops out, they come less and less.
                p = habit
                if left_on is not None and (left_on - session.date).days < 28:
                    p *= 0.5
                self.mark(session, pk, present=rng.random() < p, walk_in=False, by=facilitator)
            if outsiders and rng.random() < 0.25:
                for pk in rng.sample(outsiders, min(len(outsiders), rng.randint(1, 2))):
                    self.mark(session, pk, present=True, walk_in=True, by=facilitator)

    def mark(self, session: Session, pk: int, *, present: bool, walk_in: bool, by) -> None:
        at = datetime.datetime.combine(
            session.date, session.end_time or datetime.time(18, 0), tzinfo=timezone.get_current_timezone()
        )
        mark = Attendance(person_id=pk, present=present, walk_in=walk_in, recorded_by=by)
        mark.recorded_at = at
        self.marks.append((session, mark))


def demo_offices() -> list[Office]:
    """The offices of the demo neighbourhoods that serve a target neighbourhood."""
    hoods = [n for n in demo_neighbourhoods() if n.kind == Neighbourhood.Kind.TARGET and n.office_id]
    return list(Office.objects.filter(pk__in={n.office_id for n in hoods}).order_by("code"))


def _under(parent: str, pairs) -> list:
    """The rows of (parent, row) pairs, each given its saved parent's id (`<parent>_id`)."""
    rows = []
    for owner, row in pairs:
        setattr(row, f"{parent}_id", owner.pk)
        rows.append(row)
    return rows


def load_activities(
    rng: random.Random | None = None, fake=None, *, today: datetime.date | None = None
) -> dict[str, int]:
    """Add twelve months of demo activities to the demo offices (call inside a transaction, after
    the demo registry). Does nothing and returns ``{}`` when those offices already have activities;
    otherwise returns the counts of what was added. ``fake`` is accepted for symmetry with the other
    demo loaders (titles and topics are fixed Persian text)."""
    offices = demo_offices()
    if not offices or Activity.objects.filter(office__in=offices).exists():
        return {}
    rng = rng or random.Random(1403_0901)
    today = today or timezone.localdate()
    partners = _partners()
    drawn = []
    for office in offices:
        plan = _Office(office=office, rng=rng, today=today, partners=partners)
        plan.build()
        drawn.append(plan)
    activities = [a for d in drawn for a in d.activities]
    with _explicit_timestamps(Activity, Session, Attendance):
        Activity.objects.bulk_create(activities, batch_size=BATCH)
        sessions = _under("activity", (pair for d in drawn for pair in d.sessions))
        Session.objects.bulk_create(sessions, batch_size=BATCH)
        enrolments = _under("activity", (pair for d in drawn for pair in d.enrolments))
        Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
        marks = _under("session", (pair for d in drawn for pair in d.marks))
        Attendance.objects.bulk_create(marks, batch_size=BATCH)
    return {
        "activities": len(activities),
        "sessions": len(sessions),
        "enrolments": len(enrolments),
        "attendance": len(marks),
        "walk_ins": sum(1 for m in marks if m.walk_in),
    }
