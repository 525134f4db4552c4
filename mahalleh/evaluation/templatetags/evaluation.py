"""Numbers of the evaluation page: percentage points, p-values and 2×2 cells, in the UI's digits."""

from django import template

from mahalleh.core.i18n import is_persian
from mahalleh.core.persian import to_persian_digits

register = template.Library()


def localized_digits(text) -> str:
    """Persian digits and the Persian decimal separator (٫) in the Persian UI."""
    text = str(text)
    return to_persian_digits(text).replace(".", "٫") if is_persian() else text


def isolated(text: str) -> str:
    """A signed number kept left-to-right inside right-to-left text (Unicode isolates), so
    "+16.3" is not shown as "16.3+" in the Persian UI."""
    return f"\u2066{text}\u2069"


def _pp(value: float) -> str:
    text = f"{value * 100:+.1f}".replace("-", "−")
    return isolated(localized_digits(text))


@register.filter
def points(value) -> str:
    """A share difference (0–1 scale) as signed percentage points, 1 decimal."""
    if value is None:
        return "—"
    return _pp(float(value))


@register.filter
def pvalue(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    text = "< 0.001" if value < 0.001 else f"{value:.3f}"
    return str(localized_digits(text))


@register.filter
def cell(value) -> str:
    """A 2×2 cell: mean in % and the number of respondents."""
    if value is None or value.mean is None:
        return "—"
    return str(localized_digits(f"{value.mean * 100:.1f}")) + f" (n={localized_digits(value.n)})"


@register.filter
def change(table, group: str) -> str:
    base, latest = table.get(f"{group}_base"), table.get(f"{group}_latest")
    if not base or not latest or base.mean is None or latest.mean is None:
        return "—"
    return _pp(latest.mean - base.mean)
