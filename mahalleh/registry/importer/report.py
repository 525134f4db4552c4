"""What an import shows back: the XLSX error report, the terminal's tables, and labels for the preview."""

from __future__ import annotations

import datetime

import xlsxwriter
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from mahalleh.core.i18n import is_persian
from mahalleh.core.jalali import format_jalali
from mahalleh.registry.importer.messages import error_text
from mahalleh.registry.models import Person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 1_048_576


def report_download(job):
    """The import's XLSX error report as a download; 404 when it has none (the file could not be
    read at all). The page and the API serve it alike."""
    if not job.report_file:
        raise Http404
    return FileResponse(
        job.report_file.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.xlsx",
        content_type=XLSX,
    )


def write_error_report(target, errors, header, *, text=error_text) -> int:
    """Every error as (row, column, value, reason) in an XLSX workbook, in the active language.

    ``errors`` yields (row, col, code, value, params) in sheet order; ``text(code, value, params)``
    words the reason (another importer, the survey sheet's, passes its own). Values are written as text
    cells, so a formula that was refused in the upload is shown, never run. Returns the count.
    """
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet(_("Errors")[:31])
    if is_persian():
        sheet.right_to_left()
    bold = book.add_format({"bold": True, "bg_color": "#E9ECEF", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 2, 28)
    sheet.set_column(3, 3, 80, wrap)
    sheet.write_row(0, 0, [_("Row"), _("Column"), _("Value"), _("Reason")], bold)
    sheet.freeze_panes(1, 0)
    count = 0
    for row, col, code, value, params in errors:
        line = count + 1
        if line >= XLSX_MAX_ROWS - 1:
            sheet.write_string(line, 3, _("The report stops here: an XLSX sheet cannot hold more rows."))
            break
        sheet.write_number(line, 0, row)
        sheet.write_string(line, 1, header.name(col))
        sheet.write_string(line, 2, value or "")
        sheet.write_string(line, 3, text(code, value, params))
        count += 1
    sheet.autofilter(0, 0, max(count, 1), 3)
    book.close()
    return count


def preview_rows(preview: list[dict]) -> list[dict]:
    """The preview rows with labels in the active language (Jalali dates, choice labels)."""
    out = []
    for row in preview:
        birth = row.get("birth_date") or ""
        if birth:
            try:
                birth = format_jalali(datetime.date.fromisoformat(birth), persian_digits=is_persian())
            except ValueError:
                pass
        out.append(
            {
                **row,
                "birth_date_shown": birth,
                "sex_label": Person.Sex(row["sex"]).label if row.get("sex") in Person.Sex.values else "",
                "relation_label": (
                    Person.Relation(row["relation"]).label
                    if row.get("relation") in Person.Relation.values
                    else ""
                ),
            }
        )
    return out


def shown_errors(errors: list[dict]) -> list[dict]:
    """Stored errors with their reason in the active language."""
    return [{**e, "reason": error_text(e["code"], e.get("value", ""), e.get("params"))} for e in errors]


# --------------------------------------------------------------------------- terminal


def _table(headings: list[str], rows: list[list[str]]) -> str:
    widths = [len(h) for h in headings]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headings, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(out)


def counts_text(result) -> str:
    rows = [
        [_("Rows read"), str(result.rows_total)],
        [_("Valid rows"), str(result.rows_valid)],
        [_("Rows with errors"), str(result.rows_invalid)],
        [_("Empty rows skipped"), str(result.rows_empty)],
        [_("New households"), str(result.households_created)],
        [_("Households updated"), str(result.households_updated)],
        [_("New residents"), str(result.persons_created)],
        [_("Residents updated"), str(result.persons_updated)],
    ]
    return _table([_("Count"), ""], rows)


def errors_text(errors: list[dict], *, limit: int) -> str:
    rows = [
        [
            str(e["row"]),
            e["column"],
            (e["value"] or "")[:40],
            error_text(e["code"], e["value"], e.get("params")),
        ]
        for e in errors[:limit]
    ]
    return _table([_("Row"), _("Column"), _("Value"), _("Reason")], rows)
