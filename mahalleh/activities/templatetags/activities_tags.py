"""Template filters of the activity pages: rates as percentages, session times, target groups."""

import datetime

from django import template
from django.utils.translation import gettext as _

from mahalleh.core.i18n import is_persian
from mahalleh.core.persian import to_persian_digits
from mahalleh.registry.ages import AGE_GROUP_CHOICES

register = template.Library()

_AGE_GROUP_LABELS = dict(AGE_GROUP_CHOICES)


@register.filter
def percent(rate) -> str:
    """A Rate (or a whole number) as "۸۳٪" / "83%"; "—" when there is nothing to measure yet."""
    value = getattr(rate, "percent", rate)
    if value is None or value == "":
        return "—"
    return f"{to_persian_digits(value)}٪" if is_persian() else f"{value}%"


@register.filter
def hm(value) -> str:
    """A time as HH:MM, in Persian digits in the Persian UI."""
    if not isinstance(value, datetime.time):
        return ""
    text = f"{value.hour:02d}:{value.minute:02d}"
    return to_persian_digits(text) if is_persian() else text


@register.filter
def target_groups(activity) -> str:
    """ "adolescents (12–17), youth (18–29) · women and girls", or "all ages"."""
    groups = [str(_AGE_GROUP_LABELS[g]) for g in activity.age_groups if g in _AGE_GROUP_LABELS]
    text = "، ".join(groups) if is_persian() else ", ".join(groups)
    text = text or _("all ages")
    if activity.sex != activity.Sex.ANY:
        text = f"{text} · {activity.get_sex_display()}"
    return to_persian_digits(text) if is_persian() else text
