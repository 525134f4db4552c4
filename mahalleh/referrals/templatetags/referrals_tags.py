"""Rates and day counts of the partner statistics, in the digits of the UI language."""

from django import template

from mahalleh.core.i18n import is_persian
from mahalleh.core.persian import to_persian_digits

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.667 → ۶۷٪ (Persian UI) or 67% (English UI); None → —."""
    if value is None or value == "":
        return "—"
    text = str(round(float(value) * 100))
    return to_persian_digits(text) + "٪" if is_persian() else text + "%"


@register.filter
def days(value) -> str:
    """A number of days with one decimal (3.5 → ۳٫۵); None → —."""
    if value is None or value == "":
        return "—"
    text = f"{float(value):.1f}"
    return to_persian_digits(text.replace(".", "٫")) if is_persian() else text
