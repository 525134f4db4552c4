"""The survey's items: what each indicator counts, person by person.

Each item turns one :class:`SurveyResponse` into 1, 0, or ``None`` (the person is not in the
item's population, or did not answer). The estimator works on these person-level outcomes.
``indicator_code`` is the code of the matching indicator in the catalogue, so reports can join
the two without this app importing the indicators app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from mahalleh.core.i18n import is_persian

EMPLOYED = "employed"
UNEMPLOYED = "unemployed"


@dataclass(frozen=True)
class SurveyItem:
    code: str
    name_fa: str
    name_en: str
    indicator_code: str
    population: object  # lazy text: who is counted
    outcome: Callable[[object], int | None]
    good_when: str = "up"  # "up" when a rise is good, "down" when a fall is

    @property
    def name(self) -> str:
        return self.name_fa if is_persian() else self.name_en


def _flag(value) -> int | None:
    return None if value is None else int(bool(value))


def _school(r) -> int | None:
    return _flag(r.in_school) if 6 <= r.age <= 18 else None


def _child_labour(r) -> int | None:
    return _flag(r.works) if 6 <= r.age <= 17 else None


def _employment(r) -> int | None:
    if not 18 <= r.age <= 59 or not r.employment:
        return None
    return int(r.employment == EMPLOYED)


def _training(r) -> int | None:
    if not 18 <= r.age <= 29 or r.employment != UNEMPLOYED:
        return None
    return _flag(r.job_training)


def _insurance(r) -> int | None:
    return _flag(r.insured)


FIXED_ITEMS: tuple[SurveyItem, ...] = (
    SurveyItem(
        "school_enrolment",
        "ثبت‌نام در مدرسه (۶ تا ۱۸ سال)",
        "School enrolment (age 6–18)",
        "school_enrolment_6_18",
        _("residents aged 6 to 18"),
        _school,
    ),
    SurveyItem(
        "child_labour",
        "کار کودک (۶ تا ۱۷ سال)",
        "Child labour (age 6–17)",
        "child_labour_6_17",
        _("residents aged 6 to 17"),
        _child_labour,
        good_when="down",
    ),
    SurveyItem(
        "employment",
        "اشتغال (۱۸ تا ۵۹ سال)",
        "Employment (age 18–59)",
        "employment_18_59",
        _("residents aged 18 to 59"),
        _employment,
    ),
    SurveyItem(
        "job_training",
        "آموزش مهارت شغلی بیکاران (۱۸ تا ۲۹ سال)",
        "Job training of the unemployed (age 18–29)",
        "job_training_unemployed_18_29",
        _("unemployed residents aged 18 to 29"),
        _training,
    ),
    SurveyItem(
        "health_insurance",
        "بیمه درمانی",
        "Health insurance",
        "health_insurance",
        _("all residents"),
        _insurance,
    ),
)


def _harm_item(code: str, name_fa: str, name_en: str) -> SurveyItem:
    def outcome(r) -> int | None:
        return int(code in (r.harms or []))

    return SurveyItem(
        f"harm_{code}",
        f"آسیب: {name_fa}",
        f"Harm: {name_en or name_fa}",
        f"harm_{code}",
        _("all residents"),
        outcome,
        good_when="down",
    )


def survey_items() -> list[SurveyItem]:
    """The fixed items, then one item per active harm type of the registry's taxonomy."""
    from mahalleh.registry.selectors import harm_types

    harms = [_harm_item(h.code, h.name_fa, h.name_en) for h in harm_types()]
    return [*FIXED_ITEMS, *harms]


def item_get(code: str) -> SurveyItem | None:
    return next((i for i in survey_items() if i.code == code), None)
