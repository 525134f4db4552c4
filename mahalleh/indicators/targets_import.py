"""Targets from a CSV or XLSX file: a dry run lists every bad row (row, column, value, reason),
then the valid rows are committed in one transaction — the registry importer's flow, small.

Columns (English or Persian headers): indicator (code), level (nation/province/office/
neighbourhood), place (the place's code; empty for the nation), year (Jalali), value.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mahalleh.core.persian import to_latin_digits
from mahalleh.indicators import selectors, services
from mahalleh.indicators.models import Indicator, Level

HEADERS = {
    "indicator": "indicator", "شاخص": "indicator",
    "level": "level", "سطح": "level",
    "place": "place", "مکان": "place",
    "year": "year", "سال": "year",
    "value": "value", "مقدار": "value",
}  # fmt: skip
LEVELS = {
    "nation": "nation", "کشور": "nation", "province": "province", "استان": "province",
    "office": "office", "دفتر": "office", "neighbourhood": "neighbourhood", "محله": "neighbourhood",
}  # fmt: skip


@dataclass
class Result:
    rows: int = 0
    valid: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def read_rows(data: bytes, name: str) -> list[dict]:
    if name.lower().endswith(".xlsx"):
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        table = [[("" if c is None else str(c)) for c in row] for row in sheet]
    else:
        table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    if not table:
        raise ValidationError(_("The file is empty."))
    header = [HEADERS.get(h.strip().lower(), h.strip()) for h in table[0]]
    missing = [h for h in ("indicator", "level", "year", "value") if h not in header]
    if missing:
        raise ValidationError(_("The file has no column %(columns)s.") % {"columns": ", ".join(missing)})
    return [dict(zip(header, row, strict=False)) for row in table[1:] if any(c.strip() for c in row)]


def check(*, actor, plan, rows: list[dict]) -> Result:
    result = Result(rows=len(rows))
    indicators = {i.code: i for i in selectors.indicator_list(user=actor)}
    for number, row in enumerate(rows, start=2):

        def error(column, reason, row=row, number=number):
            result.errors.append(
                {"row": number, "column": column, "value": row.get(column, ""), "reason": str(reason)}
            )

        code = row.get("indicator", "").strip()
        indicator = indicators.get(code)
        if indicator is None:
            error("indicator", _("There is no indicator with this code."))
            continue
        level = LEVELS.get(row.get("level", "").strip().lower())
        if level is None:
            error("level", _("Choose a level: country, province, office or neighbourhood."))
            continue
        place = None
        place_code = to_latin_digits(row.get("place", "")).strip()
        if level != Level.NATION:
            place = selectors.places(user=actor, level=level).filter(code=place_code).first()
            if place is None:
                error("place", _("There is no place with this code in your scope."))
                continue
        try:
            data = services.clean_target(
                actor=actor, plan=plan, indicator=indicator, level=level, place=place,
                year=row.get("year", ""), value=row.get("value", ""),
            )  # fmt: skip
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                error(column if column in HEADERS.values() else "value", " ".join(messages))
            continue
        except PermissionDenied as exc:
            error("level", str(exc))
            continue
        result.valid.append(
            {"indicator": indicator.pk, "level": level, "place": place.pk if place else None,
             "year": data["year"], "value": data["value"]}
        )  # fmt: skip
    return result


@transaction.atomic
def commit(*, actor, plan, valid: list[dict]) -> int:
    """Write the checked rows in one transaction (each is checked again: nothing half-saved)."""
    count = 0
    for row in valid:
        indicator = Indicator.objects.get(pk=row["indicator"])
        place = None
        if row["level"] != Level.NATION:
            place = selectors.places(user=actor, level=row["level"]).get(pk=row["place"])
        services.target_set(
            actor=actor, plan=plan, indicator=indicator, level=row["level"], place=place,
            year=row["year"], value=row["value"], via="import",
        )  # fmt: skip
        count += 1
    return count
