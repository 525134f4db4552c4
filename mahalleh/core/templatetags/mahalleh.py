"""Template filters: Jalali dates and Persian digits in the Persian UI."""

import datetime

from django import template
from django.template.base import token_kwargs
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils import formats, numberformat
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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


class TableNode(template.Node):
    def __init__(self, head, body, options):
        self.head, self.body, self.options = head, body, options

    def render(self, context) -> str:
        o = {name: value.resolve(context) for name, value in self.options.items()}
        testid = format_html(' data-testid="{}"', o["testid"]) if o.get("testid") else ""
        opening = format_html(
            '<div class="table-responsive{}">\n<table class="table {}"{}>',
            f" {o['wrap']}" if o.get("wrap") else "",
            o.get("class", "table-sm align-middle"),
            testid,
        )
        head, body = self.head.render(context), self.body.render(context)
        return mark_safe(f"{opening}{head}<tbody>{body}</tbody>\n</table>\n</div>")  # noqa: S308 — parts escaped above


@register.tag("table")
def table(parser, token):
    """A data table in one shape: the scrolling wrapper, the `table` classes, the head, the body.

        {% table testid="household-table" class="table-sm table-hover align-middle" %}
          <thead>…</thead>
        {% tbody %}
          {% for h in households %}<tr>…</tr>{% empty %}<tr><td colspan="6">…</td></tr>{% endfor %}
        {% endtable %}

    `class` (after "table"; "table-sm align-middle" when not given), `testid` (the table's
    data-testid) and `wrap` (more classes of the wrapper) are optional."""
    options = token_kwargs(token.split_contents()[1:], parser)
    head = parser.parse(("tbody",))
    parser.delete_first_token()
    body = parser.parse(("endtable",))
    parser.delete_first_token()
    return TableNode(head, body, options)
