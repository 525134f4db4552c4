"""The dashboards' own tags."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from mahalleh.core.templatetags.mahalleh import num

register = template.Library()

# status: (badge class, the sign that says it without colour)
BADGES = {
    "reached": ("text-bg-success", "✓"),
    "on_track": ("text-bg-warning", "→"),
    "behind": ("text-bg-danger", "↓"),
}


@register.simple_tag
def progress_badge(progress) -> str:
    """A place's or an indicator's progress to target as a badge: its colour, a sign and the words
    (colour is never the only signal). A tag, not an include: a province's dashboard shows a
    hundred of them."""
    css, sign = BADGES.get(progress.status, (None, None))
    if css is None:
        return format_html('<span class="text-body-secondary small">{}</span>', progress.status_label)
    return format_html(
        '<span class="badge {}" data-status="{}"><span aria-hidden="true">{} </span>{}</span>',
        css,
        progress.status,
        sign,
        progress.status_label,
    )


@register.filter
def capped(count) -> str:
    """A tile's count that stopped at its cap (dashboards.Capped): "more than 10,000" above it."""
    return _("more than %(n)s") % {"n": num(count.n)} if count.more else num(count.n)
