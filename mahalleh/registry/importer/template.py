"""The import template: an XLSX (data sheet + a help sheet documenting both header sets and every
accepted value) and a CSV with the header row only."""

from __future__ import annotations

import csv
import io

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _

from mahalleh.registry.importer.columns import COLUMNS, all_spellings, allowed_values

# Cells Excel must keep as typed: leading zeros of national codes and phones, Jalali dates that
# would otherwise become arithmetic (1402/05/03) or Gregorian dates.
_TEXT_KINDS = {"text", "code", "mobile", "phone", "date", "neighbourhood"}

EXAMPLE = [
    # household key, neighbourhood, address, phone, tenure, income, relation, first, last, father, sex,
    # birth, id type, national code, document, nationality, education, school, employment, disability,
    # insurance, mobile
    ["H-001", "", "کوچه ۱۲، پلاک ۳", "034-3222-1234", "استیجاری", "کمتر از ۱۰ میلیون ریال", "سرپرست", "علی",
     "رضایی", "حسن", "مرد", "1360/04/12", "", "0012345679", "", "ایرانی", "ابتدایی", "", "روزمزد", "ندارد",
     "سلامت", "0912 123 4567"],
    ["H-001", "", "", "", "", "", "همسر", "فاطمه", "رضایی", "محمد", "زن", "۱۳۶۴/۰۲/۰۱", "", "", "", "", "",
     "", "خانه‌دار", "", "سلامت", ""],
    ["H-001", "", "", "", "", "", "فرزند", "زهرا", "رضایی", "علی", "زن", "1392-7-15", "کارت آمایش", "",
     "A12345678", "افغانستانی", "ابتدایی", "بله", "محصل", "", "", ""],
]  # fmt: skip


def _persian(language: str) -> bool:
    return language.startswith("fa")


def headers(language: str) -> list[str]:
    return [c.fa if _persian(language) else c.en for c in COLUMNS]


def template_csv(language: str = "fa") -> bytes:
    """The header row as CSV, UTF-8 with a BOM so Excel opens the Persian headers correctly."""
    out = io.StringIO()
    csv.writer(out).writerow(headers(language))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(language: str = "fa", *, neighbourhood_codes: list[str] | None = None) -> bytes:
    persian = _persian(language)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    with translation.override(language):
        data = book.add_worksheet(_("households and residents")[:31])
        guide = book.add_worksheet(_("help")[:31])
        if persian:
            data.right_to_left()
            guide.right_to_left()
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        required_head = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True})
        text = book.add_format({"num_format": "@"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        bold = book.add_format({"bold": True})
        for i, column in enumerate(COLUMNS):
            data.write_string(
                0, i, column.fa if persian else column.en, required_head if column.required else head
            )
            data.set_column(i, i, 16, text if column.kind in _TEXT_KINDS else None)
            if column.kind in ("choice", "bool"):
                values = allowed_values(column.key, language)
                data.data_validation(
                    1, i, 20000, i,
                    {"validate": "list", "source": values, "error_type": "warning",
                     "error_message": _("Choose a value from the list (other spellings work too).")},
                )  # fmt: skip
            elif column.key == "neighbourhood" and neighbourhood_codes:
                joined = ",".join(neighbourhood_codes)
                if len(joined) < 250:
                    data.data_validation(1, i, 20000, i, {"validate": "list", "source": neighbourhood_codes,
                                                         "error_type": "warning"})  # fmt: skip
        data.freeze_panes(1, 0)

        # The help sheet: both header sets, what to write, and every accepted value.
        titles = [
            _("Persian header"), _("English header"), _("Required"), _("What to write"),
            _("Accepted values (Persian)"), _("Accepted values (English / code)"),
        ]  # fmt: skip
        guide.write_row(0, 0, titles, head)
        for col, width in enumerate((22, 22, 10, 60, 45, 40)):
            guide.set_column(col, col, width, wrap)
        for r, column in enumerate(COLUMNS, start=1):
            fa_values, en_values = "", ""
            if column.kind == "choice":
                fa_values = "\n".join(
                    "، ".join(s for s in all_spellings(column.key, code) if not s.isascii())
                    for code in column.choices.values
                )
                en_values = "\n".join(
                    f"{code} ({column.choices(code).label})" for code in column.choices.values
                )
            elif column.kind == "bool":
                fa_values = "بله، آری، دارد\nخیر، نه، ندارد"
                en_values = "yes, true, 1\nno, false, 0"
            guide.write_row(
                r, 0,
                [column.fa, column.en, _("yes") if column.required else "", str(column.help), fa_values,
                 en_values],
            )  # fmt: skip
        r = len(COLUMNS) + 2
        notes = [
            _("One row per person. Rows with the same household key are one household."),
            _("Household columns (neighbourhood, address, phone, housing tenure, income band) are read from "
              "the head's row, or else from the first row of the household that fills them."),
            _("Persian, Arabic or Latin digits; dates in Jalali as 1402/05/03, ۱۴۰۲/۰۵/۰۳ or 1402-05-03, "
              "or ISO Gregorian 2023-07-25, or Excel date cells."),
            _("Headers may be in Persian or in English; columns not listed here are ignored."),
            _("Importing the same file again updates what is registered and adds nothing twice: households "
              "are matched on neighbourhood and household key, residents on national code, else on "
              "household, first and last name and birth date. An empty cell keeps what is stored."),
            _("Cells that start like formulas (=, +, -, @) are refused."),
        ]  # fmt: skip
        guide.write_string(r, 0, _("How it works"), bold)
        for i, note in enumerate(notes, start=1):
            guide.merge_range(r + i, 0, r + i, 5, str(note), wrap)
            guide.set_row(r + i, 32)
        r += len(notes) + 2
        guide.write_string(r, 0, _("Example"), bold)
        guide.write_row(r + 1, 0, headers(language), head)
        for i, example in enumerate(EXAMPLE, start=2):
            guide.write_row(r + i, 0, example)
    book.close()
    return out.getvalue()
