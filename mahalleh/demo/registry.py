"""Deterministic demo residents: about 3,000 households and 12,000 persons in the target
neighbourhoods, and a survey sample of about 150 households in each comparison neighbourhood.

Everything is drawn from the seeded ``random.Random`` and Faker ``fa_IR`` that ``loader.load``
passes in, with all dates relative to ``today``: the same people, ages and histories on every
run. Rows go in with ``bulk_create`` (a few seconds for the whole registry) and every field the
services derive is filled here too, by the functions the services use (``search.person_key``,
``search.household_key``, ``services.assessment_score``): ``Person.search_key``,
``Household.search_key``, ``Household.head``, ``Household.vulnerability`` (the latest assessment)
and, on SQLite, the FTS5 search rows.

The shape follows what offices in informal settlements report: households of 1–9 (mean ≈ 4),
one head in five a woman, about a quarter Afghan nationals (many undocumented or on refugee
cards), schooling and work that fit age and sex, high youth unemployment, housing and incomes
skewed poor. Names come from Faker with generational and Afghan additions, and compound first
names are written the ways real data has them (``محمدرضا``, ``محمد رضا``, ``محمد‌رضا``, Arabic
yeh and kaf), so the Persian-aware search has something to do.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from dataclasses import dataclass, field

import jdatetime
from django.db import connection, models
from django.utils import timezone
from faker import Faker

from mahalleh.accounts.models import Role, User
from mahalleh.core.national_code import make_national_code
from mahalleh.core.persian import ZWNJ, search_key, to_persian_digits
from mahalleh.geo.models import Neighbourhood, Office
from mahalleh.registry import search, services
from mahalleh.registry.models import (
    Assessment,
    AssessmentItem,
    Consent,
    HarmCase,
    HarmCaseEvent,
    HarmType,
    Household,
    Person,
)

__all__ = [
    "COMPARISON_HOUSEHOLDS",
    "SEARCH_DEMO_NAMES",
    "TARGET_HOUSEHOLDS",
    "Plan",
    "load_registry",
    "plan_registry",
]

SEED = 1403_0808
TARGET_HOUSEHOLDS = 3000
COMPARISON_HOUSEHOLDS = 150
BATCH = 1000

H = Household
P = Person
HS = HarmCase.Status

# Spellings of the same names, put in the first office (the demo facilitator's) so that typing
# any of them in the search box finds all of them.
SEARCH_DEMO_NAMES = [
    "محمدرضا",
    "محمد رضا",
    "محمد\u200cرضا",
    "علي",
    "محمدرضا",
    "محمد رضا",
    "علي",
    "محمد\u200cرضا",
    "علي",
    "علي\u200cرضا",
    "محمد رضا",
    "علي",
]

# Names by generation: Faker's fa_IR lists are today's baby names, so older people get older ones.
OLD_MALE = [
    "غلامرضا", "غلامحسین", "حسن", "حسین", "عباس", "علی‌اکبر", "محمود", "احمد", "رمضان", "قربان",
    "جعفر", "اسماعیل", "ابراهیم", "نصرالله", "حبیب‌الله", "محمدعلی", "علی", "رضا", "اکبر", "یدالله",
]  # fmt: skip
OLD_FEMALE = [
    "فاطمه", "کبری", "صغری", "زهرا", "خدیجه", "معصومه", "طاهره", "اشرف", "ربابه", "سکینه",
    "زینب", "رقیه", "بتول", "صدیقه", "مریم", "عصمت", "شهربانو", "گل‌اندام", "خاتون", "عفت",
]  # fmt: skip
MIDDLE_MALE = [
    "مهدی", "حمید", "سعید", "مجید", "وحید", "جواد", "محسن", "مسعود", "رضا", "علیرضا", "محمدرضا",
    "حسین", "امید", "ناصر", "محمد", "علی", "مصطفی", "مرتضی", "یاسر", "ایمان", "محمدعلی", "هادی",
]  # fmt: skip
MIDDLE_FEMALE = [
    "مریم", "زهرا", "فاطمه", "معصومه", "لیلا", "سمیه", "الهام", "مرضیه", "نرگس", "اعظم", "فرزانه",
    "سمانه", "راضیه", "منیژه", "زینب", "سمیرا", "مهناز", "طیبه", "اکرم", "ملیحه", "فاطمه زهرا",
]  # fmt: skip
AFGHAN_MALE = [
    "گل‌محمد", "عبدالله", "نورالله", "ذبیح‌الله", "محمدنبی", "عبدالرحیم", "حمیدالله", "سیدآغا",
    "شیرآغا", "غلام‌سخی", "محمدعلی", "علی‌احمد", "نجیب‌الله", "جمعه‌خان", "رحمت‌الله", "عبدالقادر",
    "محمدحسین", "قربان‌علی", "محمد", "علی", "حسین", "احمد", "رضا", "مهدی", "محمدرضا", "اسدالله",
]  # fmt: skip
AFGHAN_FEMALE = [
    "بی‌بی‌گل", "گل‌بی‌بی", "زرغونه", "شکریه", "فرشته", "نسرین", "ملالی", "نازنین", "مرضیه",
    "فاطمه", "زهرا", "معصومه", "گلثوم", "شیرین", "حلیمه", "رحیمه", "سمیرا", "پروانه", "حمیده",
    "ذکیه", "شریفه", "بس‌بی‌بی",
]  # fmt: skip
AFGHAN_LAST = [
    "احمدی", "حسینی", "رحیمی", "محمدی", "نوری", "حیدری", "رضایی", "کریمی", "صدیقی", "عزیزی",
    "هاشمی", "نظری", "جعفری", "سلطانی", "قربانی", "رسولی", "هزاره", "یعقوبی", "ابراهیمی", "اکبری",
    "خاوری", "مرادی", "شریفی", "سادات", "بلخی", "هراتی", "غزنوی",
]  # fmt: skip
# First halves of compound first names that people write joined, spaced or with a ZWNJ.
COMPOUND_PREFIXES = ("محمد", "علی", "امیر", "فاطمه", "نازنین", "غلام")

STREETS = [
    "خیابان اصلی", "بلوار امام رضا", "خیابان شهید بهشتی", "خیابان مدرس", "بلوار ولایت",
    "خیابان بهار", "خیابان شهید چمران", "بلوار جمهوری", "خیابان فرهنگ", "خیابان شهید رجایی",
    "خیابان بسیج", "خیابان شهید مطهری", "خیابان نبوت", "خیابان ابوذر", "خیابان گلستان",
]  # fmt: skip
ALLEYS = ["گلستان", "لاله", "نسترن", "بهار", "یاس", "شقایق", "ارغوان", "سرو"]
PHONE_PREFIX = {"KRM-C01": "0343", "KRM-C02": "0344"}
MOBILE_PREFIXES = [
    "0913", "0913", "0913", "0912", "0917", "0915", "0919", "0935", "0936", "0937", "0938",
    "0939", "0901", "0902", "0903", "0990", "0991", "0921", "0922",
]  # fmt: skip
# First three digits of national codes issued in Kerman and Sirjan, and elsewhere.
CODE_PREFIXES = {"KRM-C01": ["298", "299", "300"], "KRM-C02": ["317", "318"]}
OTHER_CODE_PREFIXES = ["001", "002", "007", "136", "228", "292", "361", "371", "391", "448", "640"]

# Household size 1–9: Afghan families are larger.
SIZES = range(1, 10)
SIZE_WEIGHTS_IRANIAN = [8, 14, 22, 26, 15, 8, 3, 2, 2]
SIZE_WEIGHTS_AFGHAN = [4, 8, 16, 22, 20, 13, 8, 5, 4]

TENURE = {
    "iranian": ([H.Tenure.RENTED, H.Tenure.INFORMAL, H.Tenure.OWNED, H.Tenure.MORTGAGE_RENT, H.Tenure.FREE,
                 H.Tenure.OTHER], [40, 24, 18, 10, 6, 2]),
    "afghan": ([H.Tenure.RENTED, H.Tenure.INFORMAL, H.Tenure.OWNED, H.Tenure.MORTGAGE_RENT, H.Tenure.FREE,
                H.Tenure.OTHER], [55, 28, 2, 6, 7, 2]),
}  # fmt: skip
INCOME = [H.Income.NONE, H.Income.VERY_LOW, H.Income.LOW, H.Income.MEDIUM, H.Income.HIGHER]
INCOME_WEIGHTS = {"iranian": [12, 33, 38, 15, 2], "afghan": [15, 42, 35, 8, 0], "female": [30, 45, 20, 5, 0]}
DISABILITIES = [
    P.Disability.PHYSICAL, P.Disability.VISUAL, P.Disability.HEARING, P.Disability.INTELLECTUAL,
    P.Disability.MENTAL, P.Disability.MULTIPLE,
]  # fmt: skip
DISABILITY_WEIGHTS = [35, 15, 12, 15, 15, 8]

# Adult education by age band: none, literacy, primary, lower, upper secondary, associate, bachelor, higher.
EDUCATION_LEVELS = [
    P.Education.NONE, P.Education.LITERACY, P.Education.PRIMARY, P.Education.LOWER_SECONDARY,
    P.Education.UPPER_SECONDARY, P.Education.ASSOCIATE, P.Education.BACHELOR, P.Education.HIGHER,
]  # fmt: skip
EDUCATION_WEIGHTS = {
    60: [45, 20, 24, 7, 3, 1, 0, 0],
    40: [14, 10, 34, 20, 17, 3, 2, 0],
    19: [4, 2, 18, 27, 36, 6, 6, 1],
}
EDUCATION_MIN_AGE = {P.Education.ASSOCIATE: 20, P.Education.BACHELOR: 22, P.Education.HIGHER: 24}

# Employment of people not in school, by sex and age band (15–17, 18–29, 30–59, 60+): {status: weight}.
E = P.Employment
EMPLOYMENT = {
    ("male", 15): {E.INFORMAL: 40, E.UNEMPLOYED: 40, E.EMPLOYED: 8, E.SELF_EMPLOYED: 2, E.UNABLE: 2},
    ("female", 15): {E.HOMEMAKER: 60, E.UNEMPLOYED: 25, E.INFORMAL: 12, E.UNABLE: 1},
    ("male", 18): {
        E.INFORMAL: 30,
        E.UNEMPLOYED: 30,
        E.EMPLOYED: 20,
        E.SELF_EMPLOYED: 6,
        E.STUDENT: 11,
        E.UNABLE: 2,
    },
    ("female", 18): {
        E.HOMEMAKER: 52,
        E.UNEMPLOYED: 18,
        E.STUDENT: 12,
        E.EMPLOYED: 8,
        E.INFORMAL: 8,
        E.UNABLE: 1,
    },
    ("male", 30): {
        E.INFORMAL: 34,
        E.EMPLOYED: 30,
        E.SELF_EMPLOYED: 15,
        E.UNEMPLOYED: 15,
        E.UNABLE: 5,
        E.RETIRED: 1,
    },
    ("female", 30): {
        E.HOMEMAKER: 74,
        E.INFORMAL: 9,
        E.EMPLOYED: 7,
        E.UNEMPLOYED: 6,
        E.SELF_EMPLOYED: 2,
        E.UNABLE: 2,
    },
    ("male", 60): {
        E.RETIRED: 32,
        E.UNABLE: 26,
        E.INFORMAL: 18,
        E.SELF_EMPLOYED: 12,
        E.UNEMPLOYED: 6,
        E.EMPLOYED: 6,
    },
    ("female", 60): {E.HOMEMAKER: 70, E.UNABLE: 22, E.RETIRED: 6, E.INFORMAL: 2},
}

# What facilitators write at each step of a harm case.
IDENTIFIED_NOTES = [
    "شناسایی در بازدید خانگی",
    "معرفی توسط شورای محله",
    "شناسایی در طرح سرشماری محله",
    "مراجعهٔ حضوری به دفتر",
    "معرفی توسط مدرسه",
    "معرفی توسط مرکز بهداشت",
]
CARE_NOTES = {
    "addiction": ["ارجاع به مرکز ترک اعتیاد", "معرفی به کمپ ماده ۱۶", "شروع درمان نگهدارنده با متادون"],
    "child_labour": ["ثبت‌نام در کلاس جبرانی", "معرفی به انجمن حمایت از کودکان کار", "جلسهٔ مشاوره با خانواده"],
    "school_dropout": [
        "پیگیری با مدرسه برای ثبت‌نام دوباره",
        "ثبت‌نام در نهضت سوادآموزی",
        "تأمین لوازم التحریر",
    ],
    "domestic_violence": ["ارجاع به اورژانس اجتماعی ۱۲۳", "جلسات مشاورهٔ خانواده", "معرفی به مددکار بهزیستی"],
    "early_marriage": ["جلسهٔ مشاوره با خانواده", "معرفی به مددکار بهزیستی"],
    "begging": ["معرفی به بهزیستی", "پیگیری حمایت کمیتهٔ امداد", "جلسهٔ مشاوره با خانواده"],
    "unemployment": [
        "معرفی به دورهٔ آموزش فنی و حرفه‌ای",
        "ثبت در سامانهٔ کاریابی",
        "معرفی برای وام خوداشتغالی",
    ],
    "homelessness": ["اسکان موقت در گرمخانه", "معرفی به بنیاد خیریه برای ودیعهٔ مسکن"],
    "prisoner_family": ["معرفی به انجمن حمایت از زندانیان", "دریافت بستهٔ معیشتی", "پیگیری بیمهٔ درمانی"],
}
RESOLVED_NOTES = {
    "addiction": ["پاک ماندن پس از شش ماه", "پایان دورهٔ درمان"],
    "child_labour": ["بازگشت کودک به مدرسه", "توقف کار کودک با حمایت معیشتی"],
    "school_dropout": ["ثبت‌نام دوباره در مدرسه"],
    "domestic_violence": ["پایان خشونت طبق گزارش مددکار", "جدایی و اسکان امن"],
    "early_marriage": ["پایان پیگیری"],
    "begging": ["توقف تکدی‌گری با مستمری بهزیستی"],
    "unemployment": ["اشتغال در کارگاه محلی", "شروع کسب‌وکار خانگی با وام", "استخدام پس از دورهٔ آموزشی"],
    "homelessness": ["اجارهٔ مسکن با کمک خیریه"],
    "prisoner_family": ["آزادی عضو زندانی خانواده"],
}
RELAPSED_NOTES = ["بازگشت مشکل در پیگیری سه‌ماهه", "گزارش همسایه‌ها", "پیگیری تلفنی"]


@dataclass
class _Member:
    """A resident before it becomes a Person row, with the facts the generator keeps."""

    person: Person
    age: int
    harms: list = field(default_factory=list)  # (code, chance) while drawn, then the codes kept


@dataclass
class _Family:
    household: Household
    members: list[_Member]
    registered: datetime.date
    users: list
    target: bool
    cases: list[tuple] = field(default_factory=list)  # (member, HarmCase, [HarmCaseEvent])


@contextlib.contextmanager
def _explicit_timestamps(*model_classes):
    """Let bulk_create keep the created/updated times set on the objects (registration dates in the
    past) instead of stamping every row with now. Demo loading only; restored on exit."""
    changed = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateTimeField | models.DateField) and (f.auto_now or f.auto_now_add):
                changed.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in changed:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _school_level(age: int):
    """The stage a pupil of `age` is in: primary to 12, lower secondary to 15, then upper."""
    if age <= 12:
        return P.Education.PRIMARY
    if age <= 15:
        return P.Education.LOWER_SECONDARY
    return P.Education.UPPER_SECONDARY


def _years_before(d: datetime.date, years: int) -> datetime.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


class _Generator:
    def __init__(self, *, rng: random.Random, fake: Faker, today: datetime.date):
        self.rng = rng
        self.fake = fake
        self.today = today  # ages are exact on this day
        self.until = today - datetime.timedelta(
            days=1
        )  # the last day anything happened, never later than now
        self.codes: set[str] = set(
            Person.objects.exclude(national_code=None).values_list("national_code", flat=True)
        )
        self.mobiles: set[str] = set(Person.objects.exclude(mobile="").values_list("mobile", flat=True))
        self.documents: set[str] = set(
            Person.objects.exclude(document_number="").values_list("document_number", flat=True)
        )
        self.forced_names: list[str] = []
        self.harm_types = {h.code: h for h in HarmType.objects.all()}
        self.items = list(AssessmentItem.objects.filter(active=True))
        self.tz = timezone.get_current_timezone()

    # ------------------------------------------------------------------ small draws

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def weighted(self, values, weights):
        return self.rng.choices(values, weights)[0]

    def moment(self, day: datetime.date) -> datetime.datetime:
        """An aware office-hours time on that day."""
        t = datetime.time(self.rng.randint(8, 15), self.rng.randint(0, 59), self.rng.randint(0, 59))
        return datetime.datetime.combine(day, t, tzinfo=self.tz)

    def day_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        if end <= start:
            return start
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def birth_date(self, age: int, *, nowruz: bool) -> datetime.date:
        """A birth date giving exactly ``age`` today; with ``nowruz``, 1 Farvardin of that year,
        as many older and foreign-card records have it."""
        latest = min(_years_before(self.today, age), self.today - datetime.timedelta(days=7))
        earliest = _years_before(self.today, age + 1) + datetime.timedelta(days=1)
        if nowruz:
            jy = jdatetime.date.fromgregorian(date=latest).year
            for year in (jy, jy - 1):
                d = jdatetime.date(year, 1, 1).togregorian()
                if earliest <= d <= latest:
                    return d
        return self.day_between(earliest, latest)

    def national_code(self, county_code: str) -> str:
        prefixes = CODE_PREFIXES.get(county_code, OTHER_CODE_PREFIXES)
        while True:
            prefix = self.rng.choice(prefixes) if self.chance(0.85) else self.rng.choice(OTHER_CODE_PREFIXES)
            code = make_national_code(prefix + str(self.rng.randrange(1_000_000)).zfill(6))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + str(self.rng.randrange(10_000_000)).zfill(7)
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def document(self, id_type: str) -> str:
        while True:
            if id_type == P.IdType.PASSPORT:
                number = f"P{self.rng.randrange(10_000_000):08d}"
            else:  # refugee (Amayesh) card
                number = str(self.rng.randrange(10**11, 10**12))
            if number not in self.documents:
                self.documents.add(number)
                return number

    # ------------------------------------------------------------------ names

    def first_name(self, sex: str, age: int, nationality: str, *, forced_ok: bool = False) -> str:
        if forced_ok and sex == "male" and self.forced_names and self.chance(0.12):
            return self.forced_names.pop(0)
        if nationality == "afghan" and self.chance(0.7 if age >= 25 else 0.4):
            name = self.rng.choice(AFGHAN_MALE if sex == "male" else AFGHAN_FEMALE)
        elif age >= 55:
            name = self.rng.choice(OLD_MALE if sex == "male" else OLD_FEMALE)
        elif age >= 30 and self.chance(0.75):
            name = self.rng.choice(MIDDLE_MALE if sex == "male" else MIDDLE_FEMALE)
        else:
            # Faker's lists mix in Arabic yeh and kaf; start from Persian letters, and let the household
            # decide (see ``arabic``) how its names are typed.
            name = self.persian(
                self.fake.first_name_male() if sex == "male" else self.fake.first_name_female()
            )
        return self.spell(name)

    def last_name(self, nationality: str) -> str:
        if nationality == "afghan" and self.chance(0.7):
            return self.rng.choice(AFGHAN_LAST)
        return self.persian(self.fake.last_name())

    def spell(self, name: str) -> str:
        """Write a compound first name joined, spaced or with a ZWNJ, as people do."""
        for prefix in COMPOUND_PREFIXES:
            rest = name[len(prefix) :].lstrip(" " + ZWNJ)
            if name.startswith(prefix) and len(rest) >= 3:
                # Nobody writes علیاکبر: a second half that starts with alef is never joined on.
                joined = 0 if rest[0] in "اآ" else 40
                joiner = self.weighted(["", " ", ZWNJ], [joined, 40, 20])
                return prefix + joiner + rest
        return name

    @staticmethod
    def persian(text: str) -> str:
        return text.replace("ي", "ی").replace("ك", "ک")

    @staticmethod
    def arabic(text: str) -> str:
        """Arabic yeh and kaf, as records typed on old systems have them."""
        return text.replace("ی", "ي").replace("ک", "ك")

    # ------------------------------------------------------------------ families

    def household_shape(self, size: int, afghan: bool) -> dict:
        """Who lives in a household of ``size``: head's sex and age, spouse, and the others."""
        rng = self.rng
        shape = {
            "size": size,
            "spouse": False,
            "parent": False,
            "married_son": False,
            "grandkids": 0,
            "sibling": False,
            "lodgers": 0,
            "early_bride": False,
        }
        if size == 1:
            if self.chance(0.6):
                shape["sex"] = "female" if self.chance(0.7) else "male"
                shape["age"] = rng.randint(60, 88)
            else:
                shape["sex"] = "female" if self.chance(0.25) else "male"
                shape["age"] = rng.randint(19, 45)
            return shape
        if afghan and size <= 4 and self.chance(0.06):
            # Young men sharing a room and working together.
            shape.update(sex="male", age=rng.randint(20, 35), lodgers=size - 1)
            return shape
        female = self.chance(0.17)
        shape["sex"] = "female" if female else "male"
        shape["spouse"] = self.chance(0.1) if female else self.chance(0.92)
        age = round(rng.triangular(22, 80, 46 if female else 38))
        rest = size - 1 - shape["spouse"]
        if size == 2 and shape["spouse"] and not female and age <= 32 and self.chance(0.12):
            shape.update(age=rng.randint(19, 28), early_bride=True)
            return shape
        if rest >= 3 and age >= 55 and self.chance(0.8):
            shape["married_son"] = True
            shape["grandkids"] = rng.randint(0, min(3, rest - 2))
            rest -= 1 + shape["grandkids"]  # the son's wife and their children; the son is one of the kids
        if rest >= 2 and age <= 60 and self.chance(0.12):
            shape["parent"] = True
            rest -= 1
        if rest >= 2 and self.chance(0.05):
            shape["sibling"] = True
            rest -= 1
        shape["kids"] = rest
        shape["age"] = age
        return shape

    def spouse_age(self, head_age: int) -> int:
        if self.chance(0.06):
            return head_age + self.rng.randint(1, 4)
        return head_age - self.rng.randint(0, 10)

    def kid_ages(self, parents: list[int], count: int, *, eldest_min: int = 0) -> list[int] | None:
        """Ages of ``count`` children, each 18–40 years younger than every parent; None if impossible."""
        if count == 0:
            return []
        floor = max(max(parents) - 40, 0)
        hi = min(parents) - 18
        lowest_eldest = max(floor + count - 1, eldest_min)
        if hi < lowest_eldest:
            return None
        mother = min(parents)
        eldest = min(max(mother - self.rng.randint(18, 30), lowest_eldest), hi)
        ages = [eldest]
        for remaining in range(count - 1, 0, -1):
            room = ages[-1] - floor - (remaining - 1)
            ages.append(ages[-1] - min(self.rng.choice([1, 2, 2, 3, 3, 4]), room))
        return ages


class _Builder(_Generator):
    def build_household(
        self,
        *,
        nb: Neighbourhood,
        index: int,
        users: list,
        registered: datetime.date,
        target: bool,
        afghan_share: float,
    ) -> _Family:
        rng = self.rng
        afghan = self.chance(afghan_share)
        nationality = P.Nationality.AFGHAN if afghan else P.Nationality.IRANIAN
        if not afghan and self.chance(0.01):
            nationality = P.Nationality.PAKISTANI
            afghan = True  # documents and names like other foreign nationals
        foreign = nationality != P.Nationality.IRANIAN
        size = self.weighted(SIZES, SIZE_WEIGHTS_AFGHAN if afghan else SIZE_WEIGHTS_IRANIAN)
        shape = self.household_shape(size, afghan)
        if foreign:
            doc = self.weighted([P.IdType.FOREIGN_ID, P.IdType.PASSPORT, P.IdType.NONE], [45, 15, 40])
        else:
            doc = P.IdType.NATIONAL_CODE if self.chance(0.985) else P.IdType.NONE
        arabic_letters = self.chance(0.06)
        forced_ok = bool(self.forced_names)
        county = nb.county.code

        # Household facts.
        female_head = shape["sex"] == "female"
        income = self.weighted(
            INCOME, INCOME_WEIGHTS["female" if female_head else ("afghan" if foreign else "iranian")]
        )
        tenure = self.weighted(*TENURE["afghan" if foreign else "iranian"])
        if doc == P.IdType.NONE:
            insurance = P.Insurance.NONE if self.chance(0.85) else P.Insurance.HEALTH
        elif foreign:
            insurance = self.weighted([P.Insurance.NONE, P.Insurance.HEALTH, P.Insurance.OTHER], [50, 45, 5])
        else:
            insurance = self.weighted(
                [
                    P.Insurance.HEALTH,
                    P.Insurance.SOCIAL_SECURITY,
                    P.Insurance.RELIEF,
                    P.Insurance.NONE,
                    P.Insurance.ARMED_FORCES,
                    P.Insurance.OTHER,
                ],
                [44, 20, 18 if female_head else 10, 16, 2, 2],
            )

        family_name = self.last_name(nationality)
        # The head's own father (alive in the household or not) and, for children, their father.
        grandfather = self.first_name("male", 80, nationality)

        used_names: set[str] = set()

        def make(relation, sex, age, *, first=None, last=None, father="", nat=nationality, id_type=doc):
            if first is None:
                for _try in range(8):  # brothers and sisters don't share a first name
                    first = self.first_name(sex, age, nat, forced_ok=forced_ok)
                    if search_key(first) not in used_names:
                        break
            used_names.add(search_key(first))
            last = last or self.last_name(nat)
            if arabic_letters:
                first, last, father = self.arabic(first), self.arabic(last), self.arabic(father)
            person = self.person(
                relation=relation,
                sex=sex,
                age=age,
                first=first,
                last=last,
                father=father,
                nationality=nat,
                id_type=id_type,
                insurance=insurance,
                county=county,
            )
            return _Member(person, age)

        members: list[_Member] = []
        head_age = shape["age"]
        spouse_age = None
        kids = shape.get("kids", 0)
        son_eldest = 0
        if shape["married_son"]:
            son_eldest = 21 + shape["grandkids"]
        # Make the head old enough for the children (18–40 years between each child and each parent).
        for _ in range(80):
            spouse_age = None
            if shape["spouse"]:
                spouse_age = head_age + rng.randint(0, 10) if female_head else self.spouse_age(head_age)
            if shape["early_bride"]:
                spouse_age = rng.randint(15, 17)
            parents = [head_age] + ([spouse_age] if spouse_age is not None else [])
            ages = self.kid_ages(parents, kids, eldest_min=son_eldest)
            if ages is not None and (spouse_age is None or spouse_age >= 15):
                break
            head_age += 1
        else:  # pragma: no cover - the loop always finds room within 80 years
            raise AssertionError("no room for the children")

        head = make(P.Relation.HEAD, shape["sex"], head_age, last=family_name, father=grandfather)
        members.append(head)
        spouse = None
        if spouse_age is not None:
            spouse_sex = "male" if female_head else "female"
            spouse_nat = nationality
            spouse_doc = doc
            if foreign and not female_head and self.chance(0.08):
                spouse_nat, spouse_doc = P.Nationality.IRANIAN, P.IdType.NATIONAL_CODE  # a mixed marriage
            spouse = make(
                P.Relation.SPOUSE,
                spouse_sex,
                spouse_age,
                father=self.first_name("male", 80, spouse_nat),
                nat=spouse_nat,
                id_type=spouse_doc,
            )
            if female_head:  # she heads the household because her husband cannot work
                if spouse.person.disability == P.Disability.NONE:
                    spouse.person.disability = rng.choice(DISABILITIES)
                spouse.person.employment = E.UNABLE
            members.append(spouse)
            if shape["early_bride"]:
                spouse.harms.append(("early_marriage", 0.9))
        # Children's father: the head, the head's husband, or an absent father.
        if female_head and spouse is not None:
            father, kid_last = spouse.person.first_name, spouse.person.last_name
        elif female_head:  # widowed, divorced, or the husband is away
            father, kid_last = self.first_name("male", head_age + 5, nationality), self.last_name(nationality)
            if arabic_letters:
                father, kid_last = self.arabic(father), self.arabic(kid_last)
        else:
            father, kid_last = head.person.first_name, head.person.last_name
        children = []
        for i, age in enumerate(ages):
            sex = "male" if (i == 0 and shape["married_son"]) or self.chance(0.51) else "female"
            child = make(P.Relation.CHILD, sex, age, last=kid_last, father=father)
            children.append(child)
            members.append(child)
        if shape["married_son"]:
            son = children[0]
            wife_age = son.age - rng.randint(0, 7)
            if shape["grandkids"] == 0 and son.age <= 26 and self.chance(0.35):
                wife_age = rng.randint(15, 17)
            wife_age = max(wife_age, 15, 17 + shape["grandkids"] if shape["grandkids"] else 15)
            wife = make(
                P.Relation.OTHER_RELATIVE, "female", wife_age, father=self.first_name("male", 70, nationality)
            )
            members.append(wife)
            if wife_age < 18:
                wife.harms.append(("early_marriage", 0.9))
            for age in self.kid_ages([son.age, wife_age], shape["grandkids"]) or []:
                members.append(
                    make(
                        P.Relation.GRANDCHILD,
                        "male" if self.chance(0.51) else "female",
                        age,
                        last=son.person.last_name,
                        father=son.person.first_name,
                    )
                )
        if shape["parent"]:
            sex = "female" if self.chance(0.7) else "male"
            age = min(head_age + rng.randint(20, 34), 96)
            great_grandfather = self.first_name("male", 95, nationality)
            if sex == "male":  # the head's father, whose name the head carries
                parent = make(
                    P.Relation.PARENT, sex, age, first=grandfather, last=family_name, father=great_grandfather
                )
            else:
                parent = make(P.Relation.PARENT, sex, age, father=great_grandfather)
            members.append(parent)
            if self.chance(0.08):
                parent.person.status = P.Status.DECEASED
                parent.person.status_changed_on = self.day_between(registered, self.until)
        if shape["sibling"]:
            age = max(15, head_age + rng.randint(-8, 8))
            members.append(
                make(
                    P.Relation.SIBLING,
                    "male" if self.chance(0.5) else "female",
                    age,
                    last=family_name,
                    father=grandfather,
                )
            )
        for _ in range(shape["lodgers"]):
            members.append(make(P.Relation.NON_RELATIVE, "male", rng.randint(18, 35)))

        # Adult children who have since left home.
        for child in children[1:] if shape["married_son"] else children:
            if child.age >= 20 and self.chance(0.04):
                child.person.status = P.Status.MOVED_AWAY
                child.person.status_changed_on = self.day_between(registered, self.until)

        street = (
            STREETS[(index * 7 + len(nb.code)) % len(STREETS)] if self.chance(0.6) else rng.choice(STREETS)
        )
        number = to_persian_digits(rng.randint(1, 40))
        alley = self.weighted(
            [
                f"کوچهٔ {number}",
                f"کوچهٔ شهید {self.fake.last_name()}",
                f"بن‌بست {number}",
                f"کوچهٔ {rng.choice(ALLEYS)}",
            ],
            [55, 20, 15, 10],
        )
        city = nb.county.name_fa.replace("شهرستان", "").strip()
        address = f"{city}، {nb.name_fa}، {street}، {alley}، پلاک {to_persian_digits(rng.randint(1, 180))}"
        if self.chance(0.15):
            address += f"، طبقهٔ {rng.choice(['اول', 'دوم', 'همکف'])}"
        phone = ""
        if self.chance(0.3):
            phone = PHONE_PREFIX.get(county, "0343") + str(rng.randint(2_000_000, 3_999_999))
        elif head.person.mobile:
            phone = head.person.mobile
        creator = rng.choice(users) if users else None
        created = self.moment(registered)
        household = Household(
            neighbourhood=nb,
            address=address,
            phone=phone,
            tenure=tenure,
            income_band=income,
            external_id=f"{'H' if target else 'S'}{index + 1:05d}",
            search_key=search.household_key(head=head.person, address=address),
            created_by=creator,
            created_at=created,
            updated_at=created,
        )
        for m in members:
            m.person.household = household
            m.person.created_by = creator
            added = registered
            if m.person.birth_date > registered:  # born since, and added to the household later
                added = min(m.person.birth_date + datetime.timedelta(days=rng.randint(10, 60)), self.until)
            m.person.created_at = m.person.updated_at = self.moment(added)
            if m.person.status_changed_on:
                m.person.updated_at = self.moment(m.person.status_changed_on)
        family = _Family(household, members, registered, users, target)
        self.mark_harms(family)
        return family

    def person(
        self, *, relation, sex, age, first, last, father, nationality, id_type, insurance, county
    ) -> Person:
        rng = self.rng
        foreign = nationality != P.Nationality.IRANIAN
        if id_type != P.IdType.NONE and foreign and age < 12 and self.chance(0.15):
            id_type = P.IdType.NONE  # children born here and never registered
        nowruz = (age >= 50 and self.chance(0.25)) or (foreign and self.chance(0.3))
        birth = self.birth_date(age, nowruz=nowruz)

        # Schooling.
        enrolled = None
        if age < 6:
            education = ""
        elif age <= 18:
            p_enrolled = 0.96 if age <= 11 else (0.9 if age <= 14 else 0.78)
            if foreign:
                p_enrolled -= 0.08 if id_type != P.IdType.NONE else 0.25
            if sex == "female" and age >= 13:
                p_enrolled -= 0.05
            enrolled = self.chance(p_enrolled) if age >= 7 else self.chance(0.9)
            if enrolled:
                education = _school_level(age)
            else:
                left_at = rng.randint(6, age)
                education = (
                    P.Education.NONE
                    if left_at <= 7
                    else P.Education.PRIMARY
                    if left_at <= 13
                    else P.Education.LOWER_SECONDARY
                )
        else:
            band = 60 if age >= 60 else 40 if age >= 40 else 19
            weights = list(EDUCATION_WEIGHTS[band])
            if sex == "female" and age >= 40:
                weights[0] += 12
            if foreign:
                weights[0] += 15
                weights[1] += 5
            education = self.weighted(EDUCATION_LEVELS, weights)
            if age < EDUCATION_MIN_AGE.get(education, 0):
                education = P.Education.UPPER_SECONDARY

        # Disability, more common with age.
        disability = P.Disability.NONE
        if self.chance(0.025 if age < 40 else 0.05 if age < 60 else 0.12):
            disability = self.weighted(DISABILITIES, DISABILITY_WEIGHTS)

        # Work.
        if age < 6:
            employment = E.CHILD
        elif enrolled:
            employment = E.STUDENT
        elif age < 15:
            employment = E.CHILD
        else:
            band = 60 if age >= 60 else 30 if age >= 30 else 18 if age >= 18 else 15
            options = EMPLOYMENT[(sex, band)]
            employment = self.weighted(list(options), list(options.values()))
            if employment == E.STUDENT and (
                age > 29
                or education not in {P.Education.UPPER_SECONDARY, P.Education.ASSOCIATE, P.Education.BACHELOR}
            ):
                employment = E.UNEMPLOYED if sex == "male" else E.HOMEMAKER
            if employment == E.RETIRED and (foreign or age < 50):
                employment = E.UNABLE if age >= 60 else E.INFORMAL
            if disability in {P.Disability.MULTIPLE, P.Disability.INTELLECTUAL} or (
                disability != P.Disability.NONE and self.chance(0.5)
            ):
                employment = E.UNABLE
            if foreign and employment == E.EMPLOYED and self.chance(0.7):
                employment = E.INFORMAL

        person_insurance = insurance
        if self.chance(0.05):
            person_insurance = P.Insurance.NONE
        mobile = ""
        if age >= 15:
            p_mobile = 0.3 if age < 18 else 0.55 if age >= 65 else 0.9 if sex == "male" else 0.75
            if id_type == P.IdType.NONE:
                p_mobile -= 0.3  # no SIM card without a document
            if self.chance(p_mobile):
                mobile = self.mobile()
        if id_type == P.IdType.NATIONAL_CODE:
            code, document = self.national_code(county), ""
        elif id_type in {P.IdType.FOREIGN_ID, P.IdType.PASSPORT}:
            code, document = None, self.document(id_type)
        else:
            code, document = None, ""
        return Person(
            id_type=id_type,
            national_code=code,
            document_number=document,
            first_name=first,
            last_name=last,
            father_name=father,
            sex=sex,
            birth_date=birth,
            relation=relation,
            nationality=nationality,
            education=education,
            school_enrolled=enrolled,
            employment=employment,
            disability=disability,
            insurance=person_insurance,
            mobile=mobile,
            search_key=search.person_key(first_name=first, last_name=last, father_name=father),
        )

    # ------------------------------------------------------------------ harms

    def mark_harms(self, family: _Family) -> None:
        """Which residents have which harm (and with what chance), from what the household looks like."""
        rng = self.rng
        members = [m for m in family.members if m.person.status == P.Status.ACTIVE]
        head = family.members[0]
        men = [m for m in members if m.person.sex == "male" and 20 <= m.age <= 65]
        has_addict = False
        for m in members:
            p, age = m.person, m.age
            if p.employment == E.UNEMPLOYED and 18 <= age <= 64:
                m.harms.append(("unemployment", 0.55))
            if 8 <= age <= 17 and p.school_enrolled is False:
                if p.employment in {E.CHILD, E.INFORMAL} and self.chance(0.5):
                    p.employment = E.INFORMAL if age >= 10 or self.chance(0.5) else p.employment
                    m.harms.append(("child_labour", 0.95))
                if age >= 9:
                    m.harms.append(("school_dropout", 0.6))
                if age <= 14:
                    m.harms.append(("begging", 0.12))
            if p.sex == "female" and age >= 65 and self.chance(0.02):
                m.harms.append(("begging", 1.0))
        for m in men:
            if self.chance(0.06):
                m.harms.append(("addiction", 1.0))
                has_addict = True
        women = [
            m
            for m in members
            if m.person.sex == "female"
            and 16 <= m.age <= 60
            and m.person.relation in {P.Relation.SPOUSE, P.Relation.OTHER_RELATIVE, P.Relation.HEAD}
        ]
        for m in women:
            if m.person.relation != P.Relation.HEAD and self.chance(0.12 if has_addict else 0.03):
                m.harms.append(("domestic_violence", 1.0))
        if head.person.sex == "female" and len(family.members) > 1 and self.chance(0.12):
            head.harms.append(("prisoner_family", 1.0))
        elif self.chance(0.005):
            head.harms.append(("prisoner_family", 1.0))
        if family.household.tenure == H.Tenure.INFORMAL and self.chance(0.01):
            head.harms.append(("homelessness", 1.0))
        # Keep each harm once per resident, drawn with its chance.
        for m in family.members:
            seen, kept = set(), []
            for code, p in m.harms:
                if code not in seen and code in self.harm_types and rng.random() < p:
                    seen.add(code)
                    kept.append(code)
            m.harms = kept

    def cases(self, family: _Family) -> None:
        """Harm cases with their status history; what happened shows in the resident's record too."""
        rng = self.rng
        for m in family.members:
            drawn: dict[str, list[HarmCaseEvent]] = {}
            for code in m.harms:
                by = rng.choice(family.users) if family.users else None
                identified = family.registered
                if family.target:
                    latest = min(family.registered + datetime.timedelta(120), self.until)
                    identified = self.day_between(family.registered, latest)
                events = [
                    HarmCaseEvent(
                        to_status=HS.IDENTIFIED, on=identified, note=rng.choice(IDENTIFIED_NOTES), by=by
                    )
                ]
                if family.target:
                    self.history(events, code, identified, by)
                drawn[code] = events
            # A child is back at school only when child labour and dropout are both over: never one
            # of them resolved while the other is still open.
            school = [drawn[c] for c in ("child_labour", "school_dropout") if c in drawn]
            if len(school) == 2 and sum(events[-1].to_status == HS.RESOLVED for events in school) == 1:
                for events in school:
                    while len(events) > 1 and events[-1].to_status in {HS.RESOLVED, HS.RELAPSED}:
                        events.pop()
            for code, events in drawn.items():
                case = HarmCase(
                    person=m.person,
                    harm_type=self.harm_types[code],
                    status=events[-1].to_status,
                    identified_on=events[0].on,
                    note=events[0].note,
                    created_at=self.moment(events[0].on),
                    updated_at=self.moment(events[-1].on),
                )
                for e in events:
                    e.at = self.moment(e.on)
                family.cases.append((m, case, events))
            self.apply_resolutions(m, {code: events[-1].to_status for code, events in drawn.items()})

    def history(self, events: list, code: str, start: datetime.date, by) -> str:
        """Append the steps after "identified" (in care → resolved, some relapsed; none after
        ``until``) and return the final status."""
        rng = self.rng
        status, on = HS.IDENTIFIED, start

        def step(to, days, notes):
            nonlocal status, on
            when = on + datetime.timedelta(days=rng.randint(*days))
            if when > self.until:
                return False
            events.append(
                HarmCaseEvent(from_status=status, to_status=to, on=when, note=rng.choice(notes), by=by)
            )
            status, on = to, when
            return True

        if code == "unemployment" and self.chance(0.08):
            step(HS.RESOLVED, (20, 150), RESOLVED_NOTES[code])  # found work on their own
            return status
        if not self.chance(0.72) or not step(HS.IN_CARE, (3, 60), CARE_NOTES[code]):
            return status
        for _round in range(3):
            if self.chance(0.5 if code not in {"addiction", "domestic_violence"} else 0.4):
                if not step(HS.RESOLVED, (30, 240), RESOLVED_NOTES[code]):
                    return status
                if not (
                    self.chance(0.3 if code == "addiction" else 0.1)
                    and step(HS.RELAPSED, (30, 200), RELAPSED_NOTES)
                ):
                    return status
            elif self.chance(0.15):
                if not step(HS.RELAPSED, (20, 150), RELAPSED_NOTES):
                    return status
            else:
                return status
            if not (self.chance(0.6) and step(HS.IN_CARE, (3, 45), CARE_NOTES[code])):
                return status
        return status

    def apply_resolutions(self, m: _Member, statuses: dict[str, str]) -> None:
        """A resolved harm shows in the record: work found, or the child back at school (once
        every school-related case of the child is resolved)."""
        p = m.person
        if statuses.get("unemployment") == HS.RESOLVED and p.employment == E.UNEMPLOYED:
            p.employment = self.weighted([E.INFORMAL, E.EMPLOYED, E.SELF_EMPLOYED], [50, 30, 20])
        school = [statuses[c] for c in ("child_labour", "school_dropout") if c in statuses]
        if school and all(s == HS.RESOLVED for s in school) and m.age <= 18:
            p.school_enrolled = True
            p.employment = E.STUDENT
            p.education = _school_level(m.age)

    # ------------------------------------------------------------------ consent and assessments

    def consents(self, family: _Family) -> list[Consent]:
        rng = self.rng
        out = []
        head = family.members[0].person
        by = family.users

        def add(person, purpose, on, given=True, given_by="", note=""):
            out.append(
                Consent(
                    person=person,
                    purpose=purpose,
                    given=given,
                    on=on,
                    given_by=given_by or person.full_name,
                    note=note,
                    recorded_by=rng.choice(by) if by else None,
                    recorded_at=self.moment(on),
                )
            )

        def withdraw_later(purpose, since, note):
            """The head takes back the consent to `purpose` given on `since`, some day after."""
            add(head, purpose, self.day_between(since, self.until), given=False, note=note)

        if self.chance(0.97):
            add(head, Consent.Purpose.REGISTRY, family.registered)
        if not family.target:
            return out
        # Referral consent comes before anyone in the household is taken into care.
        first_care: dict[int, datetime.date] = {}
        for m, _case, events in family.cases:
            for e in events:
                if e.to_status == HS.IN_CARE:
                    key = id(m.person)
                    first_care[key] = min(first_care.get(key, e.on), e.on)
        head_care = first_care.pop(id(head), None)
        if head_care is not None or self.chance(0.6):
            referral_on = self.day_between(
                family.registered, min(family.registered + datetime.timedelta(60), self.until)
            )
            if head_care is not None:
                referral_on = min(referral_on, head_care)
            add(head, Consent.Purpose.REFERRAL, referral_on)
            if head_care is None and self.chance(0.03):
                withdraw_later(Consent.Purpose.REFERRAL, referral_on, "انصراف از ارجاع")
        if self.chance(0.15):
            photos_on = self.day_between(family.registered, self.until)
            add(head, Consent.Purpose.PHOTOS, photos_on)
            if self.chance(0.08):
                withdraw_later(Consent.Purpose.PHOTOS, photos_on, "درخواست حذف عکس‌ها")
        # Other residents in care were referred with their own consent, or their guardian's.
        for m in family.members:
            on = first_care.get(id(m.person))
            if on is not None:
                add(
                    m.person,
                    Consent.Purpose.REFERRAL,
                    on,
                    given_by=f"ولی: {head.full_name}" if m.age < 18 else "",
                )
        return out

    def answers(self, family: _Family, *, follow_up: bool, earlier: dict | None) -> dict:
        hh = family.household
        active = [m for m in family.members if m.person.status == P.Status.ACTIVE]
        head = family.members[0].person
        food_p = {"none": 0.8, "very_low": 0.6, "low": 0.35, "medium": 0.1, "higher": 0.0}[hh.income_band]
        facts = {
            "no_income": hh.income_band == H.Income.NONE
            or (hh.income_band == H.Income.VERY_LOW and self.chance(0.25)),
            "female_head": head.sex == "female",
            "disabled_member": any(m.person.disability != P.Disability.NONE for m in active)
            or self.chance(0.06),
            "child_out_of_school": any(
                6 <= m.age <= 18 and m.person.school_enrolled is False for m in active
            ),
            "no_insurance": head.insurance == P.Insurance.NONE,
            "informal_housing": hh.tenure == H.Tenure.INFORMAL
            or (hh.tenure == H.Tenure.FREE and self.chance(0.3)),
            "food_insecurity": self.chance(food_p),
            "undocumented": any(m.person.id_type == P.IdType.NONE for m in active),
            "debt": self.chance(0.55 if hh.income_band in {"none", "very_low"} else 0.3),
        }
        answers = {}
        for item in self.items:
            value = facts[item.code] if item.code in facts else self.chance(0.2)
            if follow_up and earlier is not None and item.code in {"food_insecurity", "debt", "no_income"}:
                # Between two visits some households get better, a few worse.
                value = not self.chance(0.35) if earlier.get(item.code) else self.chance(0.05)
            answers[item.code] = bool(value)
        return answers

    def assessments(self, family: _Family) -> list[Assessment]:
        if not family.target or not self.items or not self.chance(0.85):
            return []
        rng = self.rng
        out = []
        on = self.day_between(family.registered, min(family.registered + datetime.timedelta(45), self.until))
        earlier = None
        while on <= self.until and len(out) < 3:
            answers = self.answers(family, follow_up=bool(out), earlier=earlier)
            out.append(
                Assessment(
                    household=family.household,
                    on=on,
                    assessor=rng.choice(family.users) if family.users else None,
                    answers=answers,
                    score=services.assessment_score(answers, items=self.items),
                    created_at=self.moment(on),
                )
            )
            earlier = answers
            if not self.chance(0.35):
                break
            on += datetime.timedelta(days=rng.randint(180, 365))
        if out:
            family.household.vulnerability = out[-1].score
        return out


def _shares(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), summing exactly to ``total``."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def _facilitators() -> dict[int, list]:
    by_office: dict[int, list] = {}
    for user in User.objects.filter(role=Role.FACILITATOR, office__isnull=False, is_active=True).order_by(
        "username"
    ):
        by_office.setdefault(user.office_id, []).append(user)
    return by_office


@dataclass
class Plan:
    """Everything the demo registry will write, before it is written."""

    families: list[_Family]
    consents: list[Consent]
    assessments: list[Assessment]

    @property
    def persons(self) -> list[Person]:
        return [m.person for f in self.families for m in f.members]

    def counts(self) -> dict[str, int]:
        target = [f for f in self.families if f.target]
        comparison = [f for f in self.families if not f.target]
        return {
            "households": len(target),
            "persons": sum(len(f.members) for f in target),
            "comparison_households": len(comparison),
            "comparison_persons": sum(len(f.members) for f in comparison),
            "harm_cases": sum(len(f.cases) for f in self.families),
            "harm_case_events": sum(len(events) for f in self.families for _m, _c, events in f.cases),
            "consents": len(self.consents),
            "assessments": len(self.assessments),
        }


def demo_neighbourhoods() -> list[Neighbourhood]:
    return list(
        Neighbourhood.objects.filter(county__province__code="KRM")
        .select_related("county", "office")
        .order_by("code")
    )


def plan_registry(
    *,
    rng: random.Random,
    fake: Faker,
    today: datetime.date,
    households: int = TARGET_HOUSEHOLDS,
    comparison_households: int = COMPARISON_HOUSEHOLDS,
) -> Plan:
    """Draw the demo residents of the demo neighbourhoods in memory (reads, never writes)."""
    neighbourhoods = demo_neighbourhoods()
    gen = _Builder(rng=rng, fake=fake, today=today)
    staff = _facilitators()
    offices = list(Office.objects.filter(neighbourhoods__in=neighbourhoods).distinct().order_by("code"))
    first_office = offices[0] if offices else None
    targets = [n for n in neighbourhoods if n.kind == Neighbourhood.Kind.TARGET and n.office_id]
    comparisons = [n for n in neighbourhoods if n.kind == Neighbourhood.Kind.COMPARISON]
    # Comparison neighbourhoods have no office: the survey is done by the county's offices.
    county_staff: dict[int, list] = {}
    for office in offices:
        county_staff.setdefault(office.county_id, []).extend(staff.get(office.pk, [])[:1])

    families: list[_Family] = []
    two_years_ago = today - datetime.timedelta(days=730)
    counts = _shares(households, [max(n.est_households or 1, 1) for n in targets]) if targets else []
    for nb, count in zip(targets, counts, strict=True):
        users = staff.get(nb.office_id, [])
        gen.forced_names = list(SEARCH_DEMO_NAMES) if first_office and nb.office_id == first_office.pk else []
        opened = nb.office.opened_on or two_years_ago
        start = min(max(opened, two_years_ago), today - datetime.timedelta(days=60))
        afghan_share = rng.uniform(0.12, 0.3)
        for i in range(count):
            registered = gen.day_between(start, today - datetime.timedelta(days=3))
            families.append(
                gen.build_household(
                    nb=nb, index=i, users=users, registered=registered, target=True, afghan_share=afghan_share
                )
            )
    # A baseline survey of about 150 households in each comparison neighbourhood, some 20 months ago.
    survey_start = today - datetime.timedelta(days=610)
    for nb in comparisons:
        users = county_staff.get(nb.county_id, [])
        count = comparison_households
        if count >= 20:
            count += rng.randint(-10, 10)
        afghan_share = rng.uniform(0.12, 0.3)
        for i in range(count):
            registered = gen.day_between(survey_start, survey_start + datetime.timedelta(days=45))
            families.append(
                gen.build_household(
                    nb=nb,
                    index=i,
                    users=users,
                    registered=registered,
                    target=False,
                    afghan_share=afghan_share,
                )
            )
    for family in families:
        gen.cases(family)
    consents = [c for family in families for c in gen.consents(family)]
    assessments = [a for family in families for a in gen.assessments(family)]
    return Plan(families, consents, assessments)


def _set_heads(households: list[Household]) -> None:
    """Household.head for every new household in one executemany (bulk_update's CASE is slow here)."""
    table = connection.ops.quote_name(Household._meta.db_table)
    head = connection.ops.quote_name(Household._meta.get_field("head").column)
    with connection.cursor() as cur:
        cur.executemany(
            f"UPDATE {table} SET {head} = %s WHERE id = %s",  # noqa: S608 - names from the model
            [(h.head_id, h.pk) for h in households],
        )


def _save(plan: Plan) -> None:
    households = [f.household for f in plan.families]
    persons = plan.persons
    cases = [case for f in plan.families for _m, case, _events in f.cases]
    events = []
    with _explicit_timestamps(Household, Person, HarmCase, HarmCaseEvent, Consent, Assessment):
        for h in households:
            h.office_id = h.neighbourhood.office_id
        Household.objects.bulk_create(households, batch_size=BATCH)
        for p in persons:
            p.household_id = p.household.pk
            p.neighbourhood_id, p.office_id = p.household.neighbourhood_id, p.household.office_id
        Person.objects.bulk_create(persons, batch_size=BATCH)
        for f in plan.families:
            f.household.head_id = f.members[0].person.pk
        _set_heads(households)
        search.fts_upsert((p.pk, p.search_key) for p in persons)
        for case in cases:
            case.person_id, case.office_id = case.person.pk, case.person.office_id
        HarmCase.objects.bulk_create(cases, batch_size=BATCH)
        for f in plan.families:
            for _m, case, case_events in f.cases:
                for e in case_events:
                    e.case_id = case.pk
                    events.append(e)
        HarmCaseEvent.objects.bulk_create(events, batch_size=BATCH)
        for c in plan.consents:
            c.person_id = c.person.pk
        Consent.objects.bulk_create(plan.consents, batch_size=BATCH)
        services.registry_consent_sync()
        for a in plan.assessments:
            a.household_id = a.household.pk
        Assessment.objects.bulk_create(plan.assessments, batch_size=BATCH)


def load_registry(
    *,
    rng: random.Random | None = None,
    fake: Faker | None = None,
    today: datetime.date | None = None,
    households: int = TARGET_HOUSEHOLDS,
    comparison_households: int = COMPARISON_HOUSEHOLDS,
) -> dict[str, int]:
    """Add the demo residents to the demo neighbourhoods (call inside a transaction).

    Does nothing (and returns ``{}``) when those neighbourhoods already have households; otherwise
    returns the counts of what was added. ``rng`` and ``fake`` default to fresh instances seeded
    with :data:`SEED`; ``today`` (the date every age and history is relative to) to the local date.
    """
    if (
        not demo_neighbourhoods()
        or Household.objects.filter(neighbourhood__county__province__code="KRM").exists()
    ):
        return {}
    if rng is None:
        rng = random.Random(SEED)
    if fake is None:
        fake = Faker("fa_IR")
        fake.seed_instance(SEED)
    plan = plan_registry(
        rng=rng,
        fake=fake,
        today=today or timezone.localdate(),
        households=households,
        comparison_households=comparison_households,
    )
    _save(plan)
    return plan.counts()
