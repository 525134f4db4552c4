"""Badges drawn in every row of the registry's tables, and the rows of its two busiest tables: tags,
not includes (an include per row costs a template lookup and a context push; the household search
draws up to 50 rows of each table)."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from mahalleh.core.templatetags.mahalleh import digits, jdate, num

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


# The rows of the household list and of its search results, drawn in Python: the template engine
# spends about 0.15 ms resolving a row's dozen variables and filters, which made these two tables
# most of the search page's time (every value below is escaped).
HOUSEHOLD_ROW = (
    '<tr data-testid="household-row"><td>{pk}</td><td><a href="{url}">{head}</a></td><td>{place}</td>'
    '<td>{members}</td><td>{vulnerability}</td><td><span dir="ltr">{phone}</span></td></tr>\n'
)
PERSON_ROW = (
    '<tr data-testid="search-result"><td><a href="{url}">{name}</a> {status}</td><td>{father}</td>'
    '<td><span dir="ltr">{code}</span></td><td>{born}</td><td><span dir="ltr">{mobile}</span></td>'
    '<td><a href="{household_url}" data-testid="search-result-household">{household}</a></td>'
    "<td>{place}</td></tr>\n"
)
DASH = "—"


@register.simple_tag
def household_rows(households) -> str:
    """The household table's rows (each household with .url and .members_count set by the view)."""
    no_head = escape(_("(no head recorded)"))
    return mark_safe(  # noqa: S308 — every value is escaped
        "".join(
            HOUSEHOLD_ROW.format(
                pk=digits(h.pk),
                url=escape(h.url),
                head=escape(h.head.full_name) if h.head_id else no_head,
                place=escape(h.neighbourhood.name),
                members=num(h.members_count),
                vulnerability=num(h.vulnerability) if h.vulnerability is not None else DASH,
                phone=escape(digits(h.phone) or DASH),
            )
            for h in households
        )
    )


@register.simple_tag
def person_result_rows(people) -> str:
    """The rows of the residents a search found (each with .url and .household_url set by the view)."""
    return mark_safe(  # noqa: S308 — every value is escaped
        "".join(
            PERSON_ROW.format(
                url=escape(p.url),
                name=escape(p.full_name),
                status=person_status(p),
                father=escape(p.father_name or DASH),
                code=escape(digits(p.national_code or p.document_number) or DASH),
                born=escape(jdate(p.birth_date) or DASH),
                mobile=escape(digits(p.mobile) or DASH),
                household_url=escape(p.household_url),
                household=escape(_("Household no. %(n)s") % {"n": digits(p.household_id)}),
                place=escape(p.household.neighbourhood.name),
            )
            for p in people
        )
    )
