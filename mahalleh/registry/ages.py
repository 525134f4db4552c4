"""Age groups (DESIGN §2), computed at a reference date: shared by every app that shows or counts them."""

import datetime

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

AGE_GROUPS = {
    # code: (min age, max age) inclusive, DESIGN §2
    "child": (0, 11),
    "adolescent": (12, 17),
    "youth": (18, 29),
    "adult": (30, 59),
    "elderly": (60, 200),
}

AGE_GROUP_NAMES = {
    "child": pgettext_lazy("age group", "child"),
    "adolescent": pgettext_lazy("age group", "adolescent"),
    "youth": pgettext_lazy("age group", "youth"),
    "adult": pgettext_lazy("age group", "adult"),
    "elderly": pgettext_lazy("age group", "elderly"),
}

#: The age groups to choose from, each with its ages ("children (0–11)"): an activity's target
#: groups, the dashboard's filter.
AGE_GROUP_CHOICES = [
    ("child", _("children (0–11)")),
    ("adolescent", _("adolescents (12–17)")),
    ("youth", _("youth (18–29)")),
    ("adult", _("adults (30–59)")),
    ("elderly", _("elderly (60+)")),
]


def age_on(birth: datetime.date | None, on: datetime.date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_group_label(birth: datetime.date | None, on: datetime.date) -> str:
    age = age_on(birth, on)
    if age is None:
        return ""
    for code, (low, high) in AGE_GROUPS.items():
        if low <= age <= high:
            return str(AGE_GROUP_NAMES[code])
    return ""


def person_row(person, on: datetime.date, **more) -> dict:
    """A resident's line in a list or a search result: the person, their age and age group on
    `on`, and the `more` a page shows beside them."""
    return {
        "person": person,
        "age": age_on(person.birth_date, on),
        "age_group": age_group_label(person.birth_date, on),
        **more,
    }
