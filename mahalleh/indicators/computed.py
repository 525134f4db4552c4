"""The computed indicators, defined once in code.

Each indicator is a function of one neighbourhood's rows (:class:`HoodData`, loaded by
``indicators.refresh``) and one Jalali period. Person-level indicators yield, per resident, how
much they add to the numerator and the denominator; the refresh then adds them up for the total
and every breakdown (sex, age group, nationality) at the period's end. The others return their
cells directly.

Two kinds of figure (``stock``):

* **flows** come from dated rows (harm-case histories, attendance, referrals, group meetings) and
  are computed for every period of the plan;
* **stocks** describe residents as the registry holds them now (school enrolment, employment,
  insurance, vulnerability): the registry keeps no history of those fields, so they are computed
  for the periods containing today only, and a closed period keeps the figure it had when it
  closed (a snapshot).

The national admin edits names, definitions and units in the catalogue; the formulas stay here.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import statistics
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from mahalleh.core.jalali import Period
from mahalleh.registry.ages import AGE_GROUPS, age_on

# DESIGN §2: age groups at a reference date (registry.ages holds them for every app).
AGE_GROUP_CODES = tuple(AGE_GROUPS)
SEXES = ("female", "male")
NATIONALITIES = ("iranian", "foreign")
DIMENSIONS = ("sex", "age", "nationality")

OPEN_HARM = {"identified", "in_care", "relapsed"}
WORKING = {"employed", "self_employed", "informal"}
EMPLOYED_FOR_READY = {"employed", "self_employed"}
INSURED_NOT = {"", "none"}
RESOLVED_WITHIN_DAYS = 183
READY_AFTER_DAYS = 183
GROUP_ACTIVE_DAYS = 60  # community.models.ACTIVE_WITHIN_DAYS
# How far a flow indicator's figure for a period reads dated rows past the period's end: a row dated
# D (a harm case's event, a session, a referral's dates, a meeting, a membership) moves only the
# periods ending on or after D less this many days. Every flow figure reads rows dated up to its
# reference day, except harm_resolved_6m: a resolution up to RESOLVED_WITHIN_DAYS after the
# identification moves the period of the identification. The refresh recomputes from there on only
# (indicators.refresh); a test checks every flow indicator against it with rows of every date.
FLOW_REACH_DAYS = RESOLVED_WITHIN_DAYS


def age_group(birth: datetime.date | None, on: datetime.date) -> str | None:
    return group_of_age(age_on(birth, on))


def _group_by_loop(age: int) -> str | None:
    for code, (low, high) in AGE_GROUPS.items():
        if low <= age <= high:
            return code
    return None


# Ages 0–200 looked up, not searched: the refresh asks for every resident of every neighbourhood.
_GROUP_BY_AGE = tuple(_group_by_loop(age) for age in range(201))


def group_of_age(age: int | None) -> str | None:
    if age is None or age < 0:
        return None
    return _GROUP_BY_AGE[age] if age <= 200 else _group_by_loop(age)


# --------------------------------------------------------------------------- the rows of a neighbourhood


@dataclass
class PersonRow:
    id: int
    household_id: int
    sex: str
    birth_date: datetime.date | None
    nationality: str
    status: str
    status_changed_on: datetime.date | None
    school_enrolled: bool | None
    employment: str
    insurance: str

    def lives_here_on(self, day: datetime.date) -> bool:
        """A resident who has since moved away or died still counts for periods before that."""
        if self.status == "active":
            return True
        return self.status_changed_on is not None and self.status_changed_on > day

    def age(self, on: datetime.date) -> int | None:
        return age_on(self.birth_date, on)


# What the incremental refresh may skip (indicators.refresh): a change to a resident's
# STOCK_ONLY_FIELDS, or to a household's vulnerability, or a move between two households of the
# same neighbourhood, can only move stock indicators, which are computed for the current periods
# only. FLOW_FIELDS are read by flow indicators or by the breakdowns (sex, age, nationality) and
# decide who lived in the neighbourhood on a day: changing one recomputes every period. Every field
# of PersonRow is in one of the two (a test checks it), and test_computed checks that no flow
# indicator moves when only the stock-only fields change. Stock indicators read the persons, the
# households and the skills enrolments only (STOCK_PARTS of HoodData).
FLOW_FIELDS = ("sex", "birth_date", "nationality", "status", "status_changed_on")
STOCK_ONLY_FIELDS = ("household_id", "school_enrolled", "employment", "insurance")
STOCK_PARTS = ("persons", "households", "skills")
# A resident's row without its id, in PersonRow's order: what the refresh loads and what its
# snapshot (indicators.models.PersonSnapshot) keeps.
ROW_FIELDS = ("household_id", *FLOW_FIELDS, "school_enrolled", "employment", "insurance")


@dataclass
class HarmRow:
    person_id: int
    harm: str
    identified_on: datetime.date
    # (date, status) in the order they happened.
    events: list[tuple[datetime.date, str]] = field(default_factory=list)

    def status_on(self, day: datetime.date) -> str | None:
        if self.identified_on > day:
            return None
        status = "identified"
        for on, to_status in self.events:
            if on > day:
                break
            status = to_status
        return status

    def first(self, status: str, after: datetime.date | None = None) -> datetime.date | None:
        for on, to_status in self.events:
            if to_status == status and (after is None or on >= after):
                return on
        return None


@dataclass
class HoodData:
    neighbourhood_id: int
    persons: dict[int, PersonRow] = field(default_factory=dict)
    households: dict[int, int | None] = field(default_factory=dict)  # id → vulnerability
    harms: list[HarmRow] = field(default_factory=list)
    # (person id, session date, present)
    attendance: list[tuple[int, datetime.date, bool]] = field(default_factory=list)
    # (person id, enrolled on, left on, activity starts on, activity ends on) — skills activities only
    skills: list[tuple[int, datetime.date, datetime.date | None, datetime.date, datetime.date | None]] = (
        field(default_factory=list)
    )
    # (person id, sent on, due on, status, accepted on, closed on)
    referrals: list[
        tuple[int, datetime.date, datetime.date, str, datetime.date | None, datetime.date | None]
    ] = field(default_factory=list)
    # groups of this neighbourhood: (founded on, [meeting dates])
    groups: list[tuple[datetime.date, list[datetime.date]]] = field(default_factory=list)
    # memberships of its residents: (person id, role, joined on, left on)
    memberships: list[tuple[int, str, datetime.date, datetime.date | None]] = field(default_factory=list)
    # Per reference date: the residents with their age group; per period: the attendance rows.
    _cache: dict = field(default_factory=dict, repr=False)

    def residents(self, day: datetime.date) -> list[tuple[PersonRow, int | None, str | None]]:
        key = ("residents", day)
        if key not in self._cache:
            rows = []
            for p in self.persons.values():
                if p.lives_here_on(day):
                    age = age_on(p.birth_date, day)
                    rows.append((p, age, group_of_age(age)))
            self._cache[key] = rows
        return self._cache[key]

    def attendance_in(self, period: Period) -> list[tuple[int, datetime.date, bool]]:
        if "attendance" not in self._cache:
            rows = sorted(self.attendance, key=lambda r: r[1])
            self._cache["attendance"] = (rows, [r[1] for r in rows])
        rows, dates = self._cache["attendance"]
        return rows[bisect.bisect_left(dates, period.first_day) : bisect.bisect_right(dates, period.last_day)]

    def keys(self, day: datetime.date, dims: tuple[str, ...]) -> dict[int, list[str]]:
        """Filled as residents contribute (see :func:`evaluate`)."""
        return self._cache.setdefault(("keys", day, dims), {})

    def group_on(self, pid: int, day: datetime.date) -> str | None:
        """The age group on ``day`` of resident ``pid``, None if they did not live here then (or
        have no birth date)."""
        p = self.persons.get(pid)
        return age_group(p.birth_date, day) if p is not None and p.lives_here_on(day) else None

    def census(self, day: datetime.date) -> dict[tuple[str, str, bool], int]:
        """How many residents on ``day`` there are of each sex, age group and nationality (iranian
        or not): the denominators of the shares of whole age groups (see :func:`evaluate`).

        Counted without a walk over the residents: those who live here on every day (status
        active) are sorted once by birth date, and the residents of an age group on a day are those
        born between two dates, found by bisection. The few who moved away or died are walked."""
        key = ("census", day)
        if key in self._cache:
            return self._cache[key]
        if "births" not in self._cache:
            births: dict[tuple[str, bool], list[int]] = {}
            gone = []
            for p in self.persons.values():
                if p.birth_date is None:
                    continue
                if p.status == "active":
                    b = p.birth_date
                    births.setdefault((p.sex, p.nationality == "iranian"), []).append(
                        b.year * 10_000 + b.month * 100 + b.day
                    )
                else:
                    gone.append(p)
            for keys in births.values():
                keys.sort()
            self._cache["births"] = (births, gone)
        births, gone = self._cache["births"]
        # age_on(birth, day) >= k exactly when (birth's year, month, day) <= (day's year - k,
        # day's month, day's day): compared as one number, which needs no date (29 Esfand, 29 Feb).
        bound = {k: (day.year - k) * 10_000 + day.month * 100 + day.day for k in _AGE_BOUNDS}
        census: dict[tuple[str, str, bool], int] = {}
        for (sex, iranian), keys in births.items():
            for group, (low, high) in AGE_GROUPS.items():
                n = bisect.bisect_right(keys, bound[low]) - bisect.bisect_right(keys, bound[high + 1])
                if n:
                    census[(sex, group, iranian)] = n
        for p in gone:
            if p.lives_here_on(day):
                group = group_of_age(age_on(p.birth_date, day))
                if group is not None:
                    kind = (p.sex, group, p.nationality == "iranian")
                    census[kind] = census.get(kind, 0) + 1
        self._cache[key] = census
        return census


_AGE_BOUNDS = {bound for low, high in AGE_GROUPS.values() for bound in (low, high + 1)}


# --------------------------------------------------------------------------- the catalogue in code

# A person-level indicator yields (person id, numerator, denominator) contributions; a cell-level
# one returns {disaggregation key: (numerator, denominator)} itself.
Contributions = Iterator[tuple[int, float, float]]
Cells = dict[str, tuple[float, float | None]]


@dataclass(frozen=True)
class Computed:
    code: str
    name_fa: str
    name_en: str
    definition_fa: str
    definition_en: str
    unit: str
    direction: str
    source: str
    disaggregations: tuple[str, ...]
    stock: bool
    per_person: Callable[[HoodData, Period, datetime.date], Contributions] | None = None
    cells: Callable[[HoodData, Period, datetime.date], Cells] | None = None
    # A stock whose cells depend on the reference day only, not on the period (all but
    # youth_in_training): the refresh evaluates it once for the month, season and year containing
    # today. A test checks the flag against the figures.
    period_free: bool = False
    # A share of whole age groups (a flow indicator read for every resident of the plan's periods):
    # ``among`` the age groups of its denominator, every resident of them on the reference day;
    # ``counted`` the ids of those who count in its numerator. ``per_person`` is built from the
    # two, and :func:`evaluate` counts the denominator from the day's census instead of walking
    # every resident for every period. A test checks both ways give the same cells.
    among: frozenset[str] = frozenset()
    counted: Callable[[HoodData, Period, datetime.date], Iterable[int]] | None = None


REGISTRY: dict[str, Computed] = {}


def indicator(**spec):
    def register(fn):
        kind = "per_person" if spec.pop("per_person", True) else "cells"
        among = frozenset(spec.pop("among", ()))
        if among:
            if not among <= set(AGE_GROUP_CODES):
                raise ValueError(f"{spec['code']}: unknown age groups {sorted(among - set(AGE_GROUP_CODES))}")
            fns = {"counted": fn, "per_person": _share_per_person(fn, among)}
        else:
            fns = {kind: fn}
        REGISTRY[spec["code"]] = Computed(**spec, among=among, **fns)
        return fn

    return register


def _share_per_person(counted, among: frozenset[str]):
    """Each resident of the age groups ``among`` on the day: 1 of the denominator, and 1 of the
    numerator if ``counted`` names them."""

    def per_person(data, period, day):
        hits = set(counted(data, period, day))
        for p, _age, group in data.residents(day):
            if group in among:
                yield p.id, 1.0 if p.id in hits else 0.0, 1.0

    return per_person


def _residents(data: HoodData, day: datetime.date) -> Iterable[PersonRow]:
    return (p for p, _age, _group in data.residents(day))


def _aged(data: HoodData, day: datetime.date, low: int, high: int) -> Iterable[PersonRow]:
    return (p for p, age, _group in data.residents(day) if age is not None and low <= age <= high)


def _in_period(day: datetime.date | None, period: Period) -> bool:
    return day is not None and period.first_day <= day <= period.last_day


# --- education and harms


@indicator(
    code="school_enrolment",
    name_fa="ثبت‌نام در مدرسه (۶ تا ۱۸ سال)",
    name_en="School enrolment of 6–18-year-olds",
    definition_fa="سهم ساکنان ۶ تا ۱۸ ساله که در مدرسه ثبت‌نام شده‌اند، از همهٔ ساکنان ۶ تا ۱۸ ساله.",
    definition_en="Residents aged 6–18 enrolled in school, as a share of all residents aged 6–18.",
    unit="percent",
    direction="higher",
    source="registry",
    disaggregations=("sex", "age", "nationality"),
    stock=True,
    period_free=True,
)
def school_enrolment(data, period, day):
    for p in _aged(data, day, 6, 18):
        yield p.id, 1.0 if p.school_enrolled else 0.0, 1.0


def _open_cases(data, harm, day):
    for case in data.harms:
        if case.harm == harm and case.status_on(day) in OPEN_HARM:
            yield case


@indicator(
    code="dropout_open",
    name_fa="موارد باز ترک تحصیل",
    name_en="Open school-dropout cases",
    definition_fa="تعداد موارد آسیب «ترک تحصیل» که در پایان دوره هنوز باز هستند (شناسایی‌شده، در حال مراقبت یا عود).",
    definition_en="School-dropout harm cases still open at the end of the period (identified, in care or relapsed).",
    unit="count",
    direction="lower",
    source="registry",
    disaggregations=("sex", "age", "nationality"),
    stock=False,
)
def dropout_open(data, period, day):
    for case in _open_cases(data, "school_dropout", day):
        if case.person_id in data.persons:
            yield case.person_id, 1.0, 0.0


def _harm_rate(code: str, harm: str, among: tuple[str, ...], **texts):
    """Register `code`: residents of the age groups `among` with an open case of `harm` at the end
    of the period, per 1,000 residents of those groups (`texts`: the bilingual names and
    definitions)."""

    def counted(data, period, day):
        return {case.person_id for case in _open_cases(data, harm, day)}

    counted.__name__ = counted.__qualname__ = code
    spec = {"unit": "per_1000", "direction": "lower", "source": "registry", "stock": False}
    return indicator(code=code, disaggregations=DIMENSIONS, among=among, **spec, **texts)(counted)


child_labour_rate = _harm_rate(
    "child_labour_rate",
    "child_labour",
    ("child", "adolescent"),  # 0–17
    name_fa="کار کودک در هر هزار کودک",
    name_en="Child-labour cases per 1,000 children",
    definition_fa="کودکان زیر ۱۸ سال با مورد باز «کار کودک» در پایان دوره، در هر هزار کودک ساکن.",
    definition_en="Children under 18 with an open child-labour case at the end of the period, per 1,000 children.",
)
addiction_rate = _harm_rate(
    "addiction_rate",
    "addiction",
    ("youth", "adult", "elderly"),  # 18 and over
    name_fa="اعتیاد در هر هزار بزرگسال",
    name_en="Addiction cases per 1,000 adults",
    definition_fa="بزرگسالان ۱۸ سال و بیشتر با مورد باز «اعتیاد» در پایان دوره، در هر هزار بزرگسال ساکن.",
    definition_en="Residents aged 18 or more with an open addiction case at the end of the period, per 1,000 adults.",
)


@indicator(
    code="harm_resolved_6m",
    name_fa="آسیب‌های رفع‌شده در ۶ ماه",
    name_en="Harm cases resolved within 6 months",
    definition_fa="از موارد آسیبی که در دوره شناسایی شده‌اند، سهمی که ظرف ۱۸۳ روز از شناسایی «رفع‌شده» ثبت شده‌اند.",
    definition_en="Of the harm cases identified in the period, the share marked resolved within 183 days.",
    unit="percent",
    direction="higher",
    source="registry",
    disaggregations=("sex", "age", "nationality"),
    stock=False,
)
def harm_resolved_6m(data, period, day):
    for case in data.harms:
        if case.person_id in data.persons and _in_period(case.identified_on, period):
            resolved = case.first("resolved")
            quick = resolved is not None and (resolved - case.identified_on).days <= RESOLVED_WITHIN_DAYS
            yield case.person_id, 1.0 if quick else 0.0, 1.0


@indicator(
    code="relapse_rate",
    name_fa="نرخ عود",
    name_en="Relapse rate",
    definition_fa="از موارد آسیبی که در آغاز دوره رفع‌شده بودند یا در دوره رفع شدند، سهمی که در دوره عود کرده‌اند.",
    definition_en="Of the harm cases resolved at the start of the period or during it, the share that relapsed in the period.",
    unit="percent",
    direction="lower",
    source="registry",
    disaggregations=("sex", "age", "nationality"),
    stock=False,
)
def relapse_rate(data, period, day):
    before = period.first_day - datetime.timedelta(days=1)
    for case in data.harms:
        if case.person_id not in data.persons:
            continue
        resolved_before = case.status_on(before) == "resolved"
        resolved_in = any(s == "resolved" and _in_period(on, period) for on, s in case.events)
        if resolved_before or resolved_in:
            relapsed = any(s == "relapsed" and _in_period(on, period) for on, s in case.events)
            yield case.person_id, 1.0 if relapsed else 0.0, 1.0


# --- work


@indicator(
    code="employment_rate",
    name_fa="نرخ اشتغال ۱۸ تا ۵۹ سال",
    name_en="Employment rate of 18–59-year-olds",
    definition_fa="سهم ساکنان ۱۸ تا ۵۹ سالهٔ غیر محصل که شاغل، خویش‌فرما یا کارگر روزمزد هستند.",
    definition_en="Residents aged 18–59 and not in education who are employed, self-employed or in informal work.",
    unit="percent",
    direction="higher",
    source="registry",
    disaggregations=("sex", "age", "nationality"),
    stock=True,
    period_free=True,
)
def employment_rate(data, period, day):
    for p in _aged(data, day, 18, 59):
        if p.employment and p.employment != "student":
            yield p.id, 1.0 if p.employment in WORKING else 0.0, 1.0


@indicator(
    code="youth_in_training",
    name_fa="جوانان بیکار در آموزش مهارت",
    name_en="Unemployed 18–29-year-olds in skills or job training",
    definition_fa="سهم ساکنان بیکار ۱۸ تا ۲۹ ساله که در یک دورهٔ آموزش مهارت یا شغلی در جریانِ دوره ثبت‌نام دارند.",
    definition_en="Unemployed residents aged 18–29 enrolled in a skills or job course running in the period.",
    unit="percent",
    direction="higher",
    source="registry, activities",
    disaggregations=("sex", "nationality"),
    stock=True,
)
def youth_in_training(data, period, day):
    training = {
        pid
        for pid, enrolled, left, _starts, ends in data.skills
        if enrolled <= period.last_day
        and (left is None or left >= period.first_day)
        and (ends is None or ends >= period.first_day)
    }
    for p in _aged(data, day, 18, 29):
        if p.employment == "unemployed":
            yield p.id, 1.0 if p.id in training else 0.0, 1.0


@indicator(
    code="ready_for_work",
    name_fa="آمادهٔ کار",
    name_en="Ready for work",
    definition_fa="از ساکنانی که دست‌کم ۶ ماه پیش یک دورهٔ مهارت یا شغلی را تا پایان گذرانده‌اند، سهمی که اکنون شاغل یا خویش‌فرما هستند.",
    definition_en="Of the residents who finished a skills or job course at least 6 months ago, the share now employed or self-employed.",
    unit="percent",
    direction="higher",
    source="registry, activities",
    disaggregations=("sex", "age", "nationality"),
    stock=True,
    period_free=True,
)
def ready_for_work(data, period, day):
    finished = {
        pid
        for pid, _enrolled, left, _starts, ends in data.skills
        if ends is not None and (left is None or left >= ends) and (day - ends).days >= READY_AFTER_DAYS
    }
    for pid in finished:
        p = data.persons.get(pid)
        if p is not None and p.lives_here_on(day):
            yield pid, 1.0 if p.employment in EMPLOYED_FOR_READY else 0.0, 1.0


# --- activities


def _present(data, period, day):
    return {pid for pid, _on, here in data.attendance_in(period) if here}


for _group, _fa, _en, _fa_group in (
    ("child", "کودکان", "children", "کودک (۰ تا ۱۱ سال)"),
    ("adolescent", "نوجوانان", "adolescents", "نوجوان (۱۲ تا ۱۷ سال)"),
    ("elderly", "سالمندان", "elderly", "سالمند (۶۰ سال و بیشتر)"),
):
    indicator(
        code=f"reached_{_group}",
        name_fa=f"{_fa} تحت پوشش فعالیت‌ها",
        name_en=f"Unique {_en} reached by activities",
        definition_fa=f"سهم ساکنان {_fa_group} که دست‌کم در یک جلسهٔ فعالیت در دوره حاضر بوده‌اند.",
        definition_en=f"Share of resident {_en} present at one activity session or more in the period; the count is the numerator.",
        unit="percent",
        direction="higher",
        source="activities",
        disaggregations=("sex", "nationality"),
        stock=False,
        among=(_group,),
    )(_present)


@indicator(
    code="attendance_rate",
    name_fa="نرخ حضور در جلسات",
    name_en="Attendance rate",
    definition_fa="از حضور و غیاب‌های ثبت‌شده برای جلسات دوره، سهم حاضران.",
    definition_en="Of the attendance marks recorded for the period's sessions, the share marked present.",
    unit="percent",
    direction="higher",
    source="activities",
    disaggregations=("sex", "age", "nationality"),
    stock=False,
)
def attendance_rate(data, period, day):
    for pid, _on, here in data.attendance_in(period):
        if pid in data.persons:
            yield pid, 1.0 if here else 0.0, 1.0


# --- referrals


@indicator(
    code="referrals_on_time",
    name_fa="ارجاع‌های انجام‌شده تا موعد",
    name_en="Referrals completed by their due date",
    definition_fa="از ارجاع‌هایی که موعد پاسخشان در دوره است (جز لغوشده‌ها)، سهمی که تا موعد انجام شده‌اند.",
    definition_en="Of the referrals due in the period (cancelled ones aside), the share completed by the due date.",
    unit="percent",
    direction="higher",
    source="referrals",
    disaggregations=("sex", "age", "nationality"),
    stock=False,
)
def referrals_on_time(data, period, day):
    for pid, _sent, due, status, _accepted, closed in data.referrals:
        if pid in data.persons and status != "cancelled" and _in_period(due, period):
            done = status == "completed" and closed is not None and closed <= due
            yield pid, 1.0 if done else 0.0, 1.0


@indicator(
    code="partner_accept_days",
    name_fa="میانهٔ روزهای پذیرش ارجاع",
    name_en="Median days for a partner to accept",
    definition_fa="میانهٔ روزهای میان ارسال ارجاع و پذیرش آن، برای ارجاع‌هایی که در دوره پذیرفته شده‌اند.",
    definition_en="Median days between sending a referral and its acceptance, for referrals accepted in the period.",
    unit="days",
    direction="lower",
    source="referrals",
    disaggregations=(),
    stock=False,
    per_person=False,
)
def partner_accept_days(data, period, day) -> Cells:
    days = [
        (accepted - sent).days
        for pid, sent, _due, _status, accepted, _closed in data.referrals
        if pid in data.persons and _in_period(accepted, period)
    ]
    if not days:
        return {}
    # Stored as median × n over n so that places add up to a count-weighted mean of medians.
    return {"": (statistics.median(days) * len(days), float(len(days)))}


# --- community groups


@indicator(
    code="active_groups",
    name_fa="گروه‌های محلی فعال",
    name_en="Active community groups",
    definition_fa="گروه‌های محلهٔ که در ۶۰ روز پایانی دوره دست‌کم یک جلسه داشته‌اند.",
    definition_en="The neighbourhood's community groups that met at least once in the last 60 days of the period.",
    unit="count",
    direction="higher",
    source="community groups",
    disaggregations=(),
    stock=False,
    per_person=False,
)
def active_groups(data, period, day) -> Cells:
    since = day - datetime.timedelta(days=GROUP_ACTIVE_DAYS)
    count = sum(
        1 for founded, meetings in data.groups if founded <= day and any(since < m <= day for m in meetings)
    )
    return {"": (float(count), None)}


def _members_on(data, day, role=None):
    seen = set()
    for pid, member_role, joined, left in data.memberships:
        if joined <= day and (left is None or left > day) and (role is None or member_role == role):
            if pid not in seen:
                seen.add(pid)
                yield pid


@indicator(
    code="group_members",
    name_fa="ساکنان عضو گروه‌های محلی",
    name_en="Residents in community groups",
    definition_fa="تعداد ساکنانی که در پایان دوره عضو دست‌کم یک گروه محلی هستند.",
    definition_en="Residents who are members of at least one community group at the end of the period.",
    unit="count",
    direction="higher",
    source="community groups",
    disaggregations=("sex", "age", "nationality"),
    stock=False,
)
def group_members(data, period, day):
    for pid in _members_on(data, day):
        if pid in data.persons:
            yield pid, 1.0, 0.0


@indicator(
    code="women_leaders",
    name_fa="سهم زنان در رهبری گروه‌ها",
    name_en="Share of women among group leaders",
    definition_fa="از ساکنانی که در پایان دوره رهبر یک گروه محلی هستند، سهم زنان.",
    definition_en="Of the residents leading a community group at the end of the period, the share who are women.",
    unit="percent",
    direction="higher",
    source="community groups",
    disaggregations=(),
    stock=False,
)
def women_leaders(data, period, day):
    for pid in _members_on(data, day, role="leader"):
        p = data.persons.get(pid)
        if p is not None:
            yield pid, 1.0 if p.sex == "female" else 0.0, 1.0


# --- households


@indicator(
    code="insured_households",
    name_fa="خانوارهای دارای بیمهٔ درمانی",
    name_en="Households with health insurance",
    definition_fa="سهم خانوارهایی که همهٔ اعضای ساکنشان بیمهٔ درمانی دارند.",
    definition_en="Share of households whose resident members all have health insurance.",
    unit="percent",
    direction="higher",
    source="registry",
    disaggregations=(),
    stock=True,
    period_free=True,
    per_person=False,
)
def insured_households(data, period, day) -> Cells:
    members: dict[int, list[bool]] = {}
    for p in _residents(data, day):
        members.setdefault(p.household_id, []).append(p.insurance not in INSURED_NOT)
    if not members:
        return {}
    insured = sum(1 for flags in members.values() if all(flags))
    return {"": (float(insured), float(len(members)))}


@indicator(
    code="vulnerability_mean",
    name_fa="میانگین امتیاز آسیب‌پذیری خانوار",
    name_en="Mean household vulnerability score",
    definition_fa="میانگین امتیاز نیازسنجی (۰ تا ۱۰۰) خانوارهایی که نیازسنجی شده‌اند؛ بیشتر یعنی آسیب‌پذیرتر.",
    definition_en="Mean needs-assessment score (0–100) of the assessed households; higher means more vulnerable.",
    unit="score",
    direction="lower",
    source="registry",
    disaggregations=(),
    stock=True,
    period_free=True,
    per_person=False,
)
def vulnerability_mean(data, period, day) -> Cells:
    scores = [v for v in data.households.values() if v is not None]
    if not scores:
        return {}
    return {"": (float(sum(scores)), float(len(scores)))}


# --------------------------------------------------------------------------- evaluation


@functools.cache
def _keys_of(sex: str, group: str | None, iranian: bool, dims: tuple[str, ...]) -> tuple[str, ...]:
    """The breakdowns a resident of this sex, age group and nationality counts in: always the total
    "", then one per dimension of ``dims``. A handful of combinations, so each is built once (the
    refresh asks for hundreds of thousands)."""
    keys = [""]
    if "sex" in dims:
        keys.append(f"sex={sex}")
    if "age" in dims and group:
        keys.append(f"age={group}")
    if "nationality" in dims:
        keys.append("nat=" + ("iranian" if iranian else "foreign"))
    if "sex" in dims and "age" in dims and group:
        keys.append(f"sex={sex}&age={group}")
    return tuple(keys)


def evaluate(
    spec: Computed, data: HoodData, period: Period, day: datetime.date, dims: Iterable[str]
) -> Cells:
    """The cells of one indicator for one neighbourhood and period; ``day`` is the reference date."""
    if spec.cells is not None:
        return spec.cells(data, period, day)
    dims = tuple(dims)
    # Residents are added up per set of breakdowns first (a few dozen sets, each one tuple from
    # _keys_of), then each set into its breakdowns: one dictionary step a resident instead of one a
    # breakdown. The contributions are counts (0 or 1), so the sums are exact in either order.
    by_cells: dict[tuple[str, ...], list[float]] = {}
    if spec.among:
        _add_share(spec, data, period, day, dims, by_cells)
    else:
        _add_per_person(spec, data, period, day, dims, by_cells)
    if not by_cells:
        # A count of nothing is a figure (0); a share of nobody is not.
        return {"": (0.0, None)} if spec.unit == "count" else {}
    out: dict[str, list[float]] = {}
    for person_cells, (num, den) in by_cells.items():
        for key in person_cells:
            cell = out.setdefault(key, [0.0, 0.0])
            cell[0] += num
            cell[1] += den
    rate = spec.unit != "count"
    return {key: (num, den if rate else None) for key, (num, den) in out.items()}


def _add_share(spec, data, period, day, dims, by_cells) -> None:
    """A share of whole age groups: the denominator from the day's census (a few dozen kinds of
    resident), the numerator from the residents ``counted`` names. A walk over every resident
    instead would cost, in a neighbourhood of 100,000, that many steps for each of the five such
    indicators and every period."""
    for (sex, group, iranian), n in data.census(day).items():
        if group in spec.among:
            sums = by_cells.setdefault(_keys_of(sex, group, iranian, dims), [0.0, 0.0])
            sums[1] += n
    for pid in set(spec.counted(data, period, day)):
        group = data.group_on(pid, day)
        if group in spec.among:
            person = data.persons[pid]
            by_cells[_keys_of(person.sex, group, person.nationality == "iranian", dims)][0] += 1.0


def _add_per_person(spec, data, period, day, dims, by_cells) -> None:
    keys = data.keys(day, dims)
    for pid, num, den in spec.per_person(data, period, day):
        person_cells = keys.get(pid)
        if person_cells is None:
            person = data.persons[pid]
            group = age_group(person.birth_date, day)
            person_cells = keys[pid] = _keys_of(person.sex, group, person.nationality == "iranian", dims)
        sums = by_cells.get(person_cells)
        if sums is None:
            sums = by_cells[person_cells] = [0.0, 0.0]
        sums[0] += num
        sums[1] += den
