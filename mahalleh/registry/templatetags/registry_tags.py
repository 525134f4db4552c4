"""Badges drawn in every row of the registry's tables: tags, not includes (an include per row costs
a template lookup and a context push; the household search draws up to 50 rows)."""

from django import template
from django.utils.html import format_html

from mahalleh.core.templatetags.mahalleh import jdate

register = template.Library()

HARM_COLOURS = {"identified": "text-bg-warning", "in_care": "text-bg-info", "resolved": "text-bg-success"}


@register.simple_tag
def person_status(person) -> str:
    """A resident who moved away or died: the status and since when; nothing for an active one."""
    if person.status == "active":
        return ""
    colour = "text-bg-dark" if person.status == "deceased" else "text-bg-secondary"
    since = format_html(" · {}", jdate(person.status_changed_on)) if person.status_changed_on else ""
    return format_html(
        '<span class="badge {}" data-testid="person-status">{}{}</span>',
        colour,
        person.get_status_display(),
        since,
    )


@register.simple_tag
def harm_status(case) -> str:
    """A harm case's status as a coloured badge with its name (the colour is never the only sign)."""
    colour = HARM_COLOURS.get(case.status, "text-bg-danger")
    return format_html(
        '<span class="badge {}" data-testid="harm-status">{}</span>', colour, case.get_status_display()
    )
