"""The columns of the households-and-members sheet, their header spellings and value aliases.

One sheet, one row per person. Household columns (neighbourhood, address, phone, tenure,
income) are read from the head's row, or else from the first row of the household key that
fills them. Headers and values are matched after folding (:func:`fold`): Arabic/Persian
letters and digits unified, spaces, ZWNJ, case and punctuation ignored, so «کد ملی»,
«کدملی», "National Code" and "national_code" are the same header.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from mahalleh.core.persian import search_key
from mahalleh.registry.models import Household, Person

_PUNCTUATION = str.maketrans(dict.fromkeys("*_-–—.,،;؛:'’‘\"()[]{}/\\#?؟!"))


def fold(text: str) -> str:
    """The comparison form of a header or a choice value."""
    return search_key(text).translate(_PUNCTUATION)


@dataclass(frozen=True)
class Column:
    key: str
    fa: str  # the header of the Persian template
    en: str  # the header of the English template
    help: object  # lazy text for the template's second sheet
    kind: str = "text"  # text | choice | date | bool | code | mobile | phone | neighbourhood
    required: bool = False
    household: bool = False  # a household column (read from the head's row)
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    choices: object = None  # a TextChoices class for kind == "choice"
    values: dict = field(default_factory=dict)  # code -> extra accepted spellings


YES_NO = {
    "yes": ("بله", "بلی", "آری", "آره", "دارد", "هست", "✓", "√", "y", "true", "1", "x"),
    "no": ("خیر", "نه", "ندارد", "نیست", "n", "false", "0"),
}

COLUMNS: tuple[Column, ...] = (
    Column(
        "household_key", "کد خانوار", "household key",
        _("Any code that is the same on every row of one household (for example the file number). "
          "Re-importing with the same key updates the household instead of adding it again."),
        required=True, max_length=64,
        aliases=("شناسه خانوار", "شماره خانوار", "کلید خانوار", "شماره پرونده خانوار", "شماره پرونده",
                 "household id", "household code", "household", "family id", "external id"),
    ),
    Column(
        "neighbourhood", "کد محله", "neighbourhood code",
        _("The code of one of your office's neighbourhoods (the name is accepted too). "
          "Needed on at least one row of each household."),
        kind="neighbourhood", required=True, household=True,
        aliases=("محله", "نام محله", "neighbourhood", "neighborhood", "neighborhood code"),
    ),
    Column("address", "نشانی", "address", _("Household address."), household=True, max_length=400,
           aliases=("آدرس", "نشانی منزل")),
    Column("phone", "تلفن ثابت", "phone", _("Household landline."), kind="phone", household=True,
           aliases=("تلفن", "شماره تلفن", "تلفن منزل", "landline", "telephone", "phone number")),
    Column("tenure", "وضعیت مسکن", "housing tenure", _("Housing tenure."), kind="choice", household=True,
           choices=Household.Tenure, aliases=("نوع مالکیت مسکن", "مالکیت مسکن", "مسکن", "tenure", "housing"),
           values={
               "owned": ("ملکی", "شخصی", "مالک", "ملک شخصی"),
               "rented": ("استیجاری", "اجاره", "اجاره‌ای", "مستاجر", "rent"),
               "mortgage": ("رهن", "رهنی", "رهن و اجاره", "رهن‌واجاره", "rahn"),
               "free": ("رایگان", "مجانی", "سازمانی", "منزل اقوام", "بدون اجاره"),
               "informal": ("غیررسمی", "قولنامه‌ای", "بدون سند", "تصرفی"),
               "other": ("سایر", "دیگر"),
           }),
    Column("income_band", "سطح درآمد", "income band", _("Monthly household income band."), kind="choice",
           household=True, choices=Household.Income,
           aliases=("درآمد", "درآمد ماهانه", "درآمد خانوار", "income"),
           values={
               "none": ("بدون درآمد ثابت", "بدون درآمد", "فاقد درآمد", "ندارد"),
               "very_low": ("کمتر از ۱۰ میلیون ریال", "خیلی کم", "بسیار کم"),
               "low": ("۱۰ تا ۵۰ میلیون ریال", "کم"),
               "medium": ("۵۰ تا ۱۵۰ میلیون ریال", "متوسط"),
               "higher": ("بیش از ۱۵۰ میلیون ریال", "بیشتر", "بالا", "زیاد"),
           }),
    Column("relation", "نسبت با سرپرست", "relation to head",
           _("Relation to the head of household; the head's own row says “head”."), kind="choice",
           required=True, choices=Person.Relation,
           aliases=("نسبت", "نسبت با سرپرست خانوار", "relation", "relationship", "relation to the head"),
           values={
               "head": ("سرپرست", "سرپرست خانوار", "خود سرپرست", "خود", "خودش", "self"),
               "spouse": ("همسر", "همسر سرپرست", "زوجه", "زوج", "wife", "husband"),
               "child": ("فرزند", "پسر", "دختر", "son", "daughter"),
               "parent": ("پدر", "مادر", "والد", "والدین", "پدر یا مادر", "father", "mother"),
               "sibling": ("برادر", "خواهر", "خواهر یا برادر", "برادر یا خواهر", "brother", "sister"),
               "grandchild": ("نوه",),
               "relative": ("سایر بستگان", "سایر خویشاوندان", "خویشاوند", "بستگان", "عروس", "داماد",
                            "عمو", "عمه", "دایی", "خاله", "پدربزرگ", "مادربزرگ", "relative"),
               "other": ("غیر خویشاوند", "بدون نسبت", "بی‌نسبت", "not related", "unrelated"),
           }),
    Column("first_name", "نام", "first name", _("First name."), required=True, max_length=100,
           aliases=("name", "given name", "firstname")),
    Column("last_name", "نام خانوادگی", "last name", _("Last name."), required=True, max_length=100,
           aliases=("فامیلی", "نام فامیل", "surname", "family name", "lastname")),
    Column("father_name", "نام پدر", "father's name", _("Father's name."), max_length=100,
           aliases=("father name", "fathers name")),
    Column("sex", "جنسیت", "sex", _("Sex."), kind="choice", required=True, choices=Person.Sex,
           aliases=("جنس", "gender"),
           values={
               "female": ("زن", "مونث", "مؤنث", "خانم", "دختر", "f", "woman", "girl"),
               "male": ("مرد", "مذکر", "آقا", "پسر", "m", "man", "boy"),
           }),
    Column("birth_date", "تاریخ تولد", "birth date",
           _("Jalali, e.g. 1402/05/03, ۱۴۰۲/۰۵/۰۳ or 1402-05-03; ISO Gregorian 2023-07-25 is accepted too."),
           kind="date", aliases=("تولد", "date of birth", "dob", "birthdate", "birthday")),
    Column("id_type", "نوع مدرک", "ID type",
           _("Leave empty to infer it: a national code means “Iranian national code”, a card number "
             "alone means “refugee or foreign-national card”, neither means “no document”."),
           kind="choice", choices=Person.IdType,
           aliases=("نوع مدرک هویتی", "مدرک هویتی", "نوع مدرک شناسایی", "document type", "id type"),
           values={
               "national_code": ("کد ملی", "کارت ملی", "ملی", "national", "national id", "iranian"),
               "foreign_id": ("کارت آمایش", "آمایش", "کارت اتباع", "اتباع", "کارت پناهندگی",
                              "برگ سرشماری", "refugee card", "foreign id", "amayesh"),
               "passport": ("گذرنامه", "پاسپورت"),
               "none": ("بدون مدرک", "فاقد مدرک", "ندارد", "undocumented", "no document"),
           }),
    Column("national_code", "کد ملی", "national code",
           _("10 digits; leading zeros lost by Excel are put back."), kind="code",
           aliases=("کدملی", "شماره ملی", "national id", "nationalcode")),
    Column("document_number", "شماره کارت یا گذرنامه", "document number",
           _("Refugee or foreign-national card number, or passport number."), max_length=32,
           aliases=("شماره مدرک", "شماره کارت", "شماره کارت آمایش", "شماره گذرنامه", "شماره پاسپورت",
                    "card or passport number", "card number", "passport number")),
    Column("nationality", "ملیت", "nationality",
           _("Empty means Iranian when a national code is given, otherwise unknown."), kind="choice",
           choices=Person.Nationality, aliases=("تابعیت",),
           values={
               "iranian": ("ایرانی", "ایران", "iran"),
               "afghan": ("افغانستانی", "افغانی", "افغان", "افغانستان", "afghanistan", "afghani"),
               "iraqi": ("عراقی", "عراق", "iraq"),
               "pakistani": ("پاکستانی", "پاکستان", "pakistan"),
               "other": ("سایر", "دیگر", "غیره"),
               "unknown": ("نامعلوم", "نامشخص", "نمی‌دانم"),
           }),
    Column("education", "تحصیلات", "education", _("Highest education level."), kind="choice",
           choices=Person.Education,
           aliases=("میزان تحصیلات", "مدرک تحصیلی", "سطح تحصیلات", "education level"),
           values={
               "none": ("بی‌سواد", "بدون سواد", "فاقد سواد", "بدون تحصیلات", "illiterate"),
               "literacy": ("نهضت", "نهضت سوادآموزی", "سوادآموزی", "سواد خواندن و نوشتن"),
               "primary": ("ابتدایی", "ابتدائی", "دبستان"),
               "lower_secondary": ("متوسطه اول", "راهنمایی", "سیکل"),
               "upper_secondary": ("متوسطه دوم", "دبیرستان", "دیپلم", "پیش‌دانشگاهی", "diploma"),
               "associate": ("کاردانی", "فوق دیپلم"),
               "bachelor": ("کارشناسی", "لیسانس", "bachelor"),
               "higher": ("کارشناسی ارشد", "فوق لیسانس", "ارشد", "دکتری", "دکترا", "master", "phd"),
           }),
    Column("school_enrolled", "در حال تحصیل", "enrolled in school",
           _("Yes or no; only kept for ages 6 to 18."), kind="bool",
           aliases=("اشتغال به تحصیل", "محصل", "ثبت‌نام در مدرسه", "school enrolment", "school enrollment",
                    "in school", "enrolled")),
    Column("employment", "وضعیت شغلی", "employment", _("Employment status."), kind="choice",
           choices=Person.Employment, aliases=("شغل", "وضعیت اشتغال", "employment status", "job"),
           values={
               "employed": ("شاغل", "کارمند", "دارای شغل"),
               "self_employed": ("خویش‌فرما", "آزاد", "شغل آزاد", "کاسب"),
               "informal": ("روزمزد", "کارگر روزمزد", "کارگر فصلی", "غیررسمی", "کار روزمزد", "daily work"),
               "unemployed": ("بیکار", "جویای کار", "بیکار جویای کار"),
               "homemaker": ("خانه‌دار",),
               "student": ("محصل", "دانش‌آموز", "دانشجو"),
               "retired": ("بازنشسته",),
               "unable": ("از کار افتاده", "ناتوان از کار"),
               "child": ("کودک", "خردسال", "زیر سن کار"),
           }),
    Column("disability", "معلولیت", "disability", _("Disability, if any."), kind="choice",
           choices=Person.Disability, aliases=("نوع معلولیت",),
           values={
               "none": ("ندارد", "بدون معلولیت", "سالم", "خیر", "no"),
               "physical": ("جسمی", "حرکتی", "جسمی حرکتی"),
               "visual": ("بینایی", "نابینا", "کم‌بینا"),
               "hearing": ("شنوایی", "ناشنوا", "کم‌شنوا"),
               "intellectual": ("ذهنی", "کم‌توان ذهنی"),
               "mental": ("روانی", "اعصاب و روان", "روان"),
               "multiple": ("چندگانه", "چند معلولیتی"),
           }),
    Column("insurance", "بیمه درمانی", "health insurance", _("Health insurance."), kind="choice",
           choices=Person.Insurance, aliases=("بیمه", "نوع بیمه", "insurance"),
           values={
               "none": ("ندارد", "بدون بیمه", "فاقد بیمه", "no"),
               "health": ("سلامت", "بیمه سلامت", "سلامت ایرانیان", "خدمات درمانی", "روستایی", "بیمه روستایی"),
               "social_security": ("تامین اجتماعی", "بیمه تامین اجتماعی"),
               "armed_forces": ("نیروهای مسلح", "خدمات درمانی نیروهای مسلح"),
               "relief": ("کمیته امداد", "کمیته", "امداد", "امداد امام"),
               "other": ("سایر", "دیگر"),
           }),
    Column("mobile", "تلفن همراه", "mobile", _("Iranian mobile number, e.g. 0912 123 4567."), kind="mobile",
           aliases=("موبایل", "شماره همراه", "همراه", "شماره موبایل", "mobile number", "cell", "cellphone")),
)  # fmt: skip

BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = tuple(c.key for c in COLUMNS if c.required)


@functools.cache
def header_index() -> dict[str, str]:
    """Folded header spelling -> column key."""
    index: dict[str, str] = {}
    for column in COLUMNS:
        for spelling in (column.fa, column.en, column.key, *column.aliases):
            folded = fold(spelling)
            owner = index.setdefault(folded, column.key)
            if owner != column.key:  # pragma: no cover - a mistake in the table above
                raise AssertionError(f"header {spelling!r} is claimed by {owner} and {column.key}")
    return index


def _labels(choices, code: str) -> list[str]:
    label = choices(code).label
    out = [str(label)]
    for language in ("fa", "en"):
        with translation.override(language):
            out.append(str(label))
    return out


@functools.cache
def value_index(key: str) -> dict[str, object]:
    """Folded accepted spelling -> stored value, for a choice or yes/no column."""
    column = BY_KEY[key]
    index: dict[str, object] = {}
    if column.kind == "bool":
        for answer, spellings in YES_NO.items():
            for s in (answer, *spellings):
                index[fold(s)] = answer == "yes"
        for language in ("fa", "en"):
            with translation.override(language):
                index.setdefault(fold(str(_("yes"))), True)
                index.setdefault(fold(str(_("no"))), False)
        return index
    # Explicit spellings first (they win over a translated label that happens to collide),
    # then the codes, then the model's labels in both languages.
    for code, spellings in column.values.items():
        for s in spellings:
            folded = fold(s)
            owner = index.setdefault(folded, code)
            if owner != code:  # pragma: no cover - a mistake in the table above
                raise AssertionError(f"{key}: {s!r} is claimed by {owner} and {code}")
    for code in column.choices.values:
        index.setdefault(fold(code), code)
        for label in _labels(column.choices, code):
            index.setdefault(fold(label), code)
    return index


def allowed_values(key: str, language: str | None = None) -> list[str]:
    """What to show as the accepted values of a column: one spelling per value, in the language."""
    column = BY_KEY[key]
    persian = (language or translation.get_language() or "fa").startswith("fa")
    if column.kind == "bool":
        return ["بله", "خیر"] if persian else ["yes", "no"]
    out = []
    for code in column.choices.values:
        if persian:
            spellings = column.values.get(code) or ()
            out.append(spellings[0] if spellings else str(column.choices(code).label))
        else:
            out.append(code)
    return out


def all_spellings(key: str, code) -> list[str]:
    """Every accepted spelling of one value (for the template's help sheet)."""
    column = BY_KEY[key]
    if column.kind == "bool":
        answer = "yes" if code else "no"
        return [*YES_NO[answer][:3], answer]
    return [*column.values.get(code, ()), code]
