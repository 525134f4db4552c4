"""Template filters: Jalali dates and Persian digits in the Persian UI."""

import datetime

from django import template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils import formats, numberformat
from django.utils.html import format_html

from mahalleh.core.i18n import is_persian, list_separator
from mahalleh.core.jalali import format_jalali, format_jalali_long
from mahalleh.core.persian import to_persian_digits

register = template.Library()


@register.filter
def jdate(value, arg: str = "") -> str:
    """A Gregorian date or datetime shown as Jalali (Persian digits in the Persian UI)."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.date):
        return str(value)
    if arg == "long":
        text = format_jalali_long(value, lang="fa" if is_persian() else "en")
        return text
    return format_jalali(value, persian_digits=is_persian(), with_time=(arg == "time"))


@register.filter
def num(value) -> str:
    """A number with thousands separators, in Persian digits in the Persian UI."""
    if value in (None, ""):
        return ""
    if is_persian():
        # Django's fa locale sets no NUMBER_GROUPING, so formats.number_format would not group at all.
        text = numberformat.format(value, ".", grouping=3, thousand_sep="٬", force_grouping=True)
        return to_persian_digits(text)
    return formats.number_format(value, force_grouping=True)


@register.filter
def digits(value) -> str:
    """Any text with its digits shown as Persian digits in the Persian UI (codes, phones)."""
    if value in (None, ""):
        return ""
    return to_persian_digits(str(value)) if is_persian() else str(value)


@register.simple_tag(takes_context=True)
def nav_active(context, *prefixes: str) -> str:
    path = context["request"].path
    return "active" if any(path.startswith(p) for p in prefixes) else ""


@register.filter
def percent(value) -> str:
    """A whole percentage (0–100) as "۴۲٪" in the Persian UI, "42%" in the English one."""
    if value in (None, ""):
        return ""
    text = str(int(value))
    return f"{to_persian_digits(text)}٪" if is_persian() else f"{text}%"


@register.filter
def bdi(value) -> str:
    """A name or number put inside a translated sentence, isolated in <bdi> so a Persian name in the
    English UI (or a Latin one in the Persian UI) does not pull the words and digits around it into
    its own direction ("Household of ۲محمد رضایی")."""
    if value in (None, ""):
        return ""
    return format_html("<bdi>{}</bdi>", value)


@register.simple_tag
def list_sep() -> str:
    """Between the items of a list in running text: `{% if not forloop.last %}{% list_sep %}{% endif %}`."""
    return list_separator()


@register.simple_tag(takes_context=True)
def page_title(context) -> str:
    """The page's `title` block drawn once more: `core/page.html` puts it in the breadcrumb and the
    h1 too, so a page that extends it names itself once."""
    return context.render_context[BLOCK_CONTEXT_KEY].get_block("title").nodelist.render(context)
