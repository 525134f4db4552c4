"""Deterministic demo community groups: a neighbourhood council in every office, women's
micro-savings funds, youth football teams, children's clubs, elderly groups and more, with
members drawn from the office's residents, leaders, 6–12 months of meetings, who attended and
what was decided (in Persian).

Some groups lapsed months ago, so the list shows inactive groups next to active ones (a group is
active if it met in the last 60 days). Everything comes from the seeded ``random.Random`` that
``loader.load`` passes in, with dates relative to ``today``; rows go in with ``bulk_create``.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from mahalleh.accounts.models import Role, User
from mahalleh.community.models import ACTIVE_WITHIN_DAYS, CommunityGroup, Meeting, Membership
from mahalleh.geo.models import Office
from mahalleh.registry.models import Person

__all__ = ["load_community", "KIND_PLAN"]

SEED = 1403_0909
BATCH = 2000
K = CommunityGroup.Kind
LEADER = Membership.Role.LEADER
MEMBER = Membership.Role.MEMBER

# kind: (name pattern, who may join (sex or None, min age, max age), members (min, max),
#        leaders, days between meetings (min, max))
KIND_PLAN = {
    K.COUNCIL: ("شورای محلهٔ {hood}", (None, 30, 80), (7, 11), 2, (26, 35)),
    K.SAVINGS: ("صندوق خرد زنان {hood}", ("female", 18, 59), (10, 18), 1, (13, 17)),
    K.SPORTS: ("تیم فوتبال جوانان {hood}", ("male", 15, 29), (12, 18), 1, (10, 15)),
    K.CHILDREN: ("باشگاه کودکان {hood}", (None, 7, 11), (10, 16), 1, (7, 10)),
    K.ELDERLY: ("کانون سالمندان {hood}", (None, 60, 95), (8, 14), 1, (14, 21)),
    K.WOMEN: ("گروه زنان سرپرست خانوار {hood}", ("female", 20, 59), (8, 14), 1, (14, 21)),
    K.VOLUNTEERS: ("تیم داوطلبان {hood}", (None, 18, 45), (6, 12), 1, (21, 32)),
    K.YOUTH: ("انجمن جوانان {hood}", (None, 15, 29), (8, 14), 1, (14, 21)),
}

# Every office has a council and a savings fund; the third group goes round these kinds.
ROTATION = [K.SPORTS, K.CHILDREN, K.ELDERLY, K.WOMEN, K.SPORTS, K.YOUTH, K.CHILDREN, K.VOLUNTEERS, K.ELDERLY]

DESCRIPTIONS = {
    K.COUNCIL: "نمایندگان ساکنان محله برای پیگیری مشکلات عمومی و همکاری با دفتر تسهیلگری.",
    K.SAVINGS: "صندوق پس‌انداز و وام خرد بانوان؛ هر عضو ماهانه مبلغ ثابتی می‌گذارد و به نوبت وام می‌گیرد.",
    K.SPORTS: "تیم فوتبال نوجوانان و جوانان محله با تمرین هفتگی و شرکت در مسابقات محلی.",
    K.CHILDREN: "فعالیت‌های آموزشی، کتاب‌خوانی و بازی برای کودکان محله با همراهی مادران داوطلب.",
    K.ELDERLY: "دورهمی سالمندان محله، پیاده‌روی گروهی و پیگیری امور درمانی و بیمه.",
    K.WOMEN: "گروه هم‌یاری زنان سرپرست خانوار برای آموزش مهارت و پیدا کردن کار.",
    K.VOLUNTEERS: "جوانان داوطلب برای پاک‌سازی محله، کمک در توزیع بسته‌ها و برگزاری مراسم.",
    K.YOUTH: "جوانان محله برای برنامه‌های فرهنگی، آموزش مهارت و مشارکت در تصمیم‌های محله.",
}

PLACES = {
    K.COUNCIL: ["دفتر تسهیلگری", "مسجد محله", "سرای محله"],
    K.SAVINGS: ["دفتر تسهیلگری", "خانهٔ یکی از اعضا", "سرای محله"],
    K.SPORTS: ["زمین فوتبال محله", "سالن ورزشی مدرسه", "دفتر تسهیلگری"],
    K.CHILDREN: ["کتابخانهٔ محله", "دفتر تسهیلگری", "پارک محله"],
    K.ELDERLY: ["پارک محله", "مسجد محله", "دفتر تسهیلگری"],
    K.WOMEN: ["دفتر تسهیلگری", "سرای محله"],
    K.VOLUNTEERS: ["دفتر تسهیلگری", "سرای محله", "مسجد محله"],
    K.YOUTH: ["سرای محله", "دفتر تسهیلگری", "کتابخانهٔ محله"],
}

DECISIONS = {
    K.COUNCIL: [
        "پیگیری لوله‌کشی آب کوچهٔ {n} از طریق شهرداری منطقه",
        "درخواست نصب روشنایی در مسیر مدرسه به شهرداری فرستاده شود",
        "برگزاری جلسهٔ مشترک با نیروی انتظامی دربارهٔ ناامنی شبانه",
        "فهرست خانوارهای نیازمند بستهٔ معیشتی تا هفتهٔ آینده تکمیل شود",
        "پاک‌سازی زمین بایر انتهای محله با کمک تیم داوطلبان",
        "پیگیری ثبت‌نام کودکان بازمانده از تحصیل با آموزش و پرورش",
        "دعوت از نمایندهٔ بهزیستی برای معرفی خدمات توانبخشی",
        "تشکیل کارگروه پیگیری سند مالکیت خانه‌ها",
    ],
    K.SAVINGS: [
        "سهم ماهانهٔ هر عضو {amount} هزار تومان تعیین شد",
        "وام این دوره به {count} نفر از اعضا به قید قرعه پرداخت شد",
        "بازپرداخت اقساط در {count} قسط ماهانه تصویب شد",
        "دفتر حساب صندوق توسط دو عضو بازبینی شد",
        "پذیرش {count} عضو تازه از ماه آینده",
        "معرفی اعضا به دورهٔ آموزش خیاطی فنی و حرفه‌ای",
    ],
    K.SPORTS: [
        "تمرین‌ها روزهای {day} ساعت ۱۷ برگزار شود",
        "ثبت‌نام در مسابقات جام محلات شهرستان",
        "خرید لباس یکدست تیم با کمک خیرین",
        "انتخاب کاپیتان تیم برای فصل جدید",
        "دیدار دوستانه با تیم محلهٔ مجاور",
    ],
    K.CHILDREN: [
        "برنامهٔ کتاب‌خوانی هفتگی با همراهی مادران داوطلب",
        "برگزاری جشن روز کودک در پارک محله",
        "کلاس نقاشی از هفتهٔ آینده شروع شود",
        "بازدید گروهی از موزهٔ شهر با هماهنگی دفتر",
        "تهیهٔ لوازم‌التحریر برای کودکان نیازمند",
    ],
    K.ELDERLY: [
        "پیاده‌روی گروهی صبح‌های {day} در پارک محله",
        "پیگیری تمدید دفترچهٔ بیمهٔ {count} نفر از اعضا",
        "دعوت از پزشک مرکز سلامت برای معاینهٔ فشار خون",
        "برگزاری مراسم دورهمی ماهانه در مسجد محله",
    ],
    K.WOMEN: [
        "ثبت‌نام اعضا در دورهٔ آموزش قالی‌بافی",
        "راه‌اندازی بازارچهٔ فروش دست‌ساخته‌های اعضا",
        "معرفی {count} نفر از اعضا به کارفرمای محلی",
        "جلسهٔ آموزشی حقوق خانواده با مشاور حقوقی",
    ],
    K.VOLUNTEERS: [
        "پاک‌سازی کوچه‌های محله در روز {day}",
        "کمک در توزیع {count} بستهٔ معیشتی",
        "آماده‌سازی مراسم جشن نیمهٔ شعبان",
        "رنگ‌آمیزی دیوارهای مدرسهٔ محله",
    ],
    K.YOUTH: [
        "برگزاری کارگاه مهارت‌های شغلی با همکاری فنی و حرفه‌ای",
        "راه‌اندازی گروه تئاتر جوانان محله",
        "مسابقهٔ کتاب‌خوانی با جایزهٔ خیرین",
        "پیگیری فضای ورزشی برای دختران محله",
    ],
}

DAYS = ["شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه"]
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@dataclass
class _Resident:
    pk: int
    sex: str
    age: int
    registered: datetime.date


@dataclass
class _Plan:
    group: CommunityGroup
    end: datetime.date  # the last meeting is on or before this day
    memberships: list[Membership] = field(default_factory=list)
    meetings: list[tuple[Meeting, list[int]]] = field(default_factory=list)


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _fa(value) -> str:
    return str(value).translate(PERSIAN_DIGITS)


class _Builder:
    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        self.until = today - datetime.timedelta(days=1)  # nothing is dated today or later

    def day_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        if end <= start:
            return start
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def decisions(self, kind: str) -> str:
        lines = self.rng.sample(DECISIONS[kind], k=min(len(DECISIONS[kind]), self.rng.randint(1, 3)))
        params = {
            "n": _fa(self.rng.randint(2, 24)),
            "amount": _fa(self.rng.choice([200, 300, 500, 1000])),
            "count": _fa(self.rng.randint(2, 6)),
            "day": self.rng.choice(DAYS),
        }
        return "\n".join(line.format(**params) for line in lines)

    def group(self, *, office: Office, hood, kind: str, creator, lapsed: bool) -> _Plan:
        rng = self.rng
        pattern, (_sex, _low, _high), _size, _leaders, _gap = KIND_PLAN[kind]
        if lapsed:
            # Stopped meeting two to five months ago: inactive on the list.
            end = self.until - datetime.timedelta(days=rng.randint(75, 150))
            founded = end - datetime.timedelta(days=rng.randint(120, 240))
        else:
            end = self.until
            founded = self.today - datetime.timedelta(days=rng.randint(185, 365))
        group = CommunityGroup(
            office=office,
            neighbourhood=hood,
            kind=kind,
            name=pattern.format(hood=hood.name_fa),
            founded_on=founded,
            description=DESCRIPTIONS[kind],
            created_by=creator,
        )
        return _Plan(group=group, end=end)

    def members(self, plan: _Plan, pool: list[_Resident]) -> None:
        rng = self.rng
        group = plan.group
        kind = group.kind
        _pattern, (sex, low, high), (least, most), leaders, _gap = KIND_PLAN[kind]
        # Residents registered before the group started meeting (nobody joins before they are known).
        latest_registration = group.founded_on + datetime.timedelta(days=30)
        eligible = [
            r
            for r in pool
            if low <= r.age <= high and (sex is None or r.sex == sex) and r.registered <= latest_registration
        ]
        chosen = rng.sample(eligible, k=min(len(eligible), rng.randint(least, most)))
        if kind == K.CHILDREN:
            # A mother who volunteers leads the children's club.
            mothers = [
                r
                for r in pool
                if r.sex == "female" and 25 <= r.age <= 50 and r.registered <= latest_registration
            ]
            chosen = rng.sample(mothers, k=1) + chosen if mothers else chosen
        for index, resident in enumerate(chosen):
            role = LEADER if index < leaders else MEMBER
            late = role == MEMBER and rng.random() < 0.2
            joined = (
                self.day_between(group.founded_on, plan.end - datetime.timedelta(days=30)) if late else None
            )
            joined = max(joined or group.founded_on, resident.registered)
            membership = Membership(group=group, person_id=resident.pk, role=role, joined_on=joined)
            plan.memberships.append(membership)
            if role == MEMBER and rng.random() < 0.12 and (plan.end - joined).days > 45:
                membership.left_on = self.day_between(joined + datetime.timedelta(days=30), plan.end)
                # Some come back: a new membership after the old one (the history keeps both).
                back = membership.left_on + datetime.timedelta(days=rng.randint(20, 60))
                if rng.random() < 0.35 and back < plan.end:
                    plan.memberships.append(
                        Membership(group=group, person_id=resident.pk, role=MEMBER, joined_on=back)
                    )

    def meetings(self, plan: _Plan, recorder) -> None:
        rng = self.rng
        group = plan.group
        gap = KIND_PLAN[group.kind][4]
        propensity = {
            m.person_id: (0.95 if m.role == LEADER else rng.uniform(0.55, 0.9)) for m in plan.memberships
        }
        places = PLACES[group.kind]
        day = group.founded_on + datetime.timedelta(days=rng.randint(2, 10))
        while day <= plan.end:
            present = sorted(
                {
                    m.person_id
                    for m in plan.memberships
                    if m.joined_on <= day
                    and (m.left_on is None or m.left_on >= day)
                    and rng.random() < propensity[m.person_id]
                }
            )
            meeting = Meeting(
                group=group,
                date=day,
                place=rng.choice(places),
                decisions=self.decisions(group.kind) if rng.random() < 0.85 else "",
                recorded_by=recorder,
            )
            plan.meetings.append((meeting, present))
            day += datetime.timedelta(days=rng.randint(*gap))


def _residents(office: Office, today: datetime.date) -> list[_Resident]:
    rows = (
        Person.objects.filter(
            household__neighbourhood__office=office, status=Person.Status.ACTIVE, birth_date__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "sex", "birth_date", "created_at")
    )
    return [
        _Resident(pk=pk, sex=sex, age=_age(birth, today), registered=timezone.localdate(created))
        for pk, sex, birth, created in rows
    ]


def load_community(
    rng: random.Random | None = None, fake=None, *, today: datetime.date | None = None
) -> dict[str, int]:
    """Add the demo groups to the demo offices (call inside a transaction, after the registry).

    Does nothing (and returns ``{}``) when the offices have no residents or already have groups;
    otherwise returns the counts of what was added. ``fake`` is accepted for symmetry with the other
    demo loaders (the names here are Persian templates, not Faker's).
    """
    del fake
    offices = list(
        Office.objects.filter(county__province__code="KRM", neighbourhoods__isnull=False)
        .distinct()
        .order_by("code")
        .prefetch_related("neighbourhoods")
    )
    if not offices or CommunityGroup.objects.filter(office__in=offices).exists():
        return {}
    rng = rng or random.Random(SEED)
    today = today or timezone.localdate()
    builder = _Builder(rng, today)
    staff = {}
    for user in User.objects.filter(
        office__in=offices, role__in=[Role.FACILITATOR, Role.OFFICE_MANAGER]
    ).order_by("pk"):
        staff.setdefault(user.office_id, []).append(user)

    plans: list[_Plan] = []
    for index, office in enumerate(offices):
        pool = _residents(office, today)
        if not pool:
            continue
        hoods = sorted(office.neighbourhoods.all(), key=lambda n: n.code)
        kinds = [K.COUNCIL, K.SAVINGS, ROTATION[index % len(ROTATION)]]
        if index == 0:
            # The demo facilitator's office has one group of every kind.
            kinds = [K.COUNCIL, K.SAVINGS, K.SPORTS, K.CHILDREN, K.ELDERLY, K.WOMEN, K.VOLUNTEERS, K.YOUTH]
        users = staff.get(office.pk) or [None]
        for n, kind in enumerate(kinds):
            # About one group in four stopped meeting (never a council); the demo facilitator's
            # office always has one, so its list shows an inactive group.
            lapsed = n > 0 and (rng.random() < 0.25 or (index == 0 and kind == K.VOLUNTEERS))
            plan = builder.group(
                office=office, hood=hoods[n % len(hoods)], kind=kind, creator=rng.choice(users), lapsed=lapsed
            )
            builder.members(plan, pool)
            builder.meetings(plan, rng.choice(users))
            plans.append(plan)

    groups = CommunityGroup.objects.bulk_create([p.group for p in plans], batch_size=BATCH)
    memberships = []
    meetings = []
    for plan in plans:
        for m in plan.memberships:
            m.group_id = plan.group.pk
            memberships.append(m)
        for meeting, _present in plan.meetings:
            meeting.group_id = plan.group.pk
            meetings.append(meeting)
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    Meeting.objects.bulk_create(meetings, batch_size=BATCH)
    through = Meeting.attendees.through
    attendance = [
        through(meeting_id=meeting.pk, person_id=person_id)
        for plan in plans
        for meeting, present in plan.meetings
        for person_id in present
    ]
    through.objects.bulk_create(attendance, batch_size=BATCH)
    cutoff = today - datetime.timedelta(days=ACTIVE_WITHIN_DAYS)
    inactive = sum(1 for p in plans if not p.meetings or p.meetings[-1][0].date < cutoff)
    return {
        "groups": len(groups),
        "memberships": len(memberships),
        "meetings": len(meetings),
        "attendances": len(attendance),
        "inactive_groups": inactive,
    }
