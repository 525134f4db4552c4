"""The event-study chart as inline SVG: points and 95% whiskers, with no text inside the SVG
(labels and figures are in the table beside it, which is also the chart's text alternative;
WeasyPrint, used by the reports, does not shape Persian text inside SVG)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

WIDTH, HEIGHT, PAD = 320, 140, 16


def _n(value: float) -> str:
    return f"{value:.1f}"


def event_chart(fit) -> str:
    points = fit.event if fit else []
    if len(points) < 2:
        return ""
    lows = [p.ci_low for p in points] + [0.0]
    highs = [p.ci_high for p in points] + [0.0]
    low, high = min(lows), max(highs)
    span = (high - low) or 1.0

    def y(v):
        return PAD + (high - v) / span * (HEIGHT - 2 * PAD)

    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    xs = [PAD + i * step for i in range(len(points))]
    zero = y(0.0)
    whiskers = format_html_join(
        "",
        '<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#212529" stroke-width="2"/>',
        (
            (_n(x), _n(y(p.ci_low)), _n(y(p.ci_high)))
            for x, p in zip(xs, points, strict=True)
            if not p.reference
        ),
    )
    dots = format_html_join(
        "",
        '<{0} cx="{1}" cy="{2}" r="5" x="{3}" y="{4}" width="10" height="10" fill="{5}"/>',
        (
            (
                "rect" if p.reference else "circle",
                _n(x),
                _n(y(p.estimate)),
                _n(x - 5),
                _n(y(p.estimate) - 5),
                "#6c757d" if p.reference else ("#0d6efd" if p.event_time > 0 else "#212529"),
            )
            for x, p in zip(xs, points, strict=True)
        ),
    )
    svg = format_html(
        '<svg viewBox="0 0 {w} {h}" width="100%" height="{h}" aria-hidden="true" focusable="false" '
        'class="event-chart" data-testid="event-chart">'
        '<line x1="0" x2="{w}" y1="{z}" y2="{z}" stroke="#6c757d" stroke-dasharray="4 3"/>'
        "{whiskers}{dots}</svg>",
        w=WIDTH,
        h=HEIGHT,
        z=_n(zero),
        whiskers=whiskers,
        dots=dots,
    )
    return mark_safe(svg)  # noqa: S308 - built with format_html from numbers only
