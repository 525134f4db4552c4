"""Rates and day counts of the partner statistics, in the digits of the UI language; the status and
urgency badges of the referral lists."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

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


STATUS_COLOURS = {
    "sent": "text-bg-info",
    "accepted": "text-bg-primary",
    "in_progress": "text-bg-warning",
    "completed": "text-bg-success",
    "declined": "text-bg-danger",
}
URGENCY_COLOURS = {"urgent": "text-bg-danger", "high": "text-bg-warning"}


# Tags, not includes: the badges are drawn in every row of the referral lists.
@register.simple_tag
def referral_status(status, label, overdue=False) -> str:
    """A referral's (or a step's) status as a coloured badge with its name, and "overdue" beside it."""
    badge = format_html(
        '<span class="badge {}" data-status="{}">{}</span>',
        STATUS_COLOURS.get(status, "text-bg-secondary"),
        status,
        label,
    )
    if overdue:
        return format_html(
            '{} <span class="badge text-bg-danger" data-testid="overdue-badge">{}</span>', badge, _("overdue")
        )
    return badge


@register.simple_tag
def urgency_badge(urgency, label) -> str:
    return format_html(
        '<span class="badge {}">{}</span>', URGENCY_COLOURS.get(urgency, "text-bg-light"), label
    )
