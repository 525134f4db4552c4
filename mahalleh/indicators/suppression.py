"""Small-count suppression for aggregate-only roles and the public (DESIGN §8).

Primary: a cell whose count of people is under 5 is hidden («کمتر از ۵» / "fewer than 5").
For a share or a rate both the numerator and the denominator are counts of people; for a mean or
a median the denominator is how many people or households it was taken over.

Complementary: a published total minus the other cells of its group would reveal a lone hidden
cell, so in every group (the rows of a table with their total, or the sexes / age groups /
nationalities of one place with the place's total) with exactly one hidden member the smallest
visible member is hidden too, until no group has exactly one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

THRESHOLD = 5
# Counts of things, not people: nothing personal to protect.
NOT_PEOPLE = {"active_groups"}


@dataclass
class Cell:
    place: object  # a place id (or None for the whole scope)
    key: str  # the disaggregation
    numerator: float | None
    denominator: float | None
    suppressed: bool = False
    primary: bool = False
    extra: dict = field(default_factory=dict)


def is_small(indicator, numerator, denominator) -> bool:
    if indicator.code in NOT_PEOPLE:
        return False
    if indicator.kind == "manual" and indicator.unit != "count":
        # A rate another agency published (police, education office): no people to count here.
        return False
    unit = indicator.unit
    if unit == "count":
        return (numerator or 0) < THRESHOLD
    if unit in ("percent", "per_1000"):
        return (numerator or 0) < THRESHOLD or (denominator or 0) < THRESHOLD
    # A mean or a median: the denominator is how many it was taken over.
    return (denominator or 0) < THRESHOLD


def suppress(indicator, cells: Iterable[Cell], groups: Iterable[list[Cell]]) -> None:
    """Mark primary and complementary suppression on the cells, in place."""
    cells = list(cells)
    for cell in cells:
        if cell.numerator is not None and is_small(indicator, cell.numerator, cell.denominator):
            cell.suppressed = cell.primary = True
    groups = [g for g in groups if len(g) > 1]
    changed = True
    while changed:
        changed = False
        for group in groups:
            hidden = [c for c in group if c.suppressed]
            if len(hidden) != 1:
                continue
            visible = [c for c in group if not c.suppressed and c.numerator is not None]
            if not visible:
                continue
            victim = min(visible, key=lambda c: (c.numerator or 0, c.denominator or 0))
            victim.suppressed = True
            changed = True
