"""The report's files: PDF (WeasyPrint, from HTML — charts are HTML/CSS bars, never SVG text, so
Persian shapes correctly) and XLSX (XlsxWriter, one sheet per section, right-to-left in Persian)."""

from __future__ import annotations

import io
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

STATIC = Path(__file__).resolve().parent.parent / "core" / "static"
FONT = STATIC / "vendor" / "vazirmatn" / "Vazirmatn-Variable.woff2"
REPORT_CSS = Path(__file__).resolve().parent / "static" / "reports" / "report.css"


def html(report, *, for_pdf: bool) -> str:
    with translation.override(report.language):
        return render_to_string(
            "reports/document.html",
            {"report": report, "c": report.content, "for_pdf": for_pdf, "rtl": report.language == "fa"},
        )


def pdf_bytes(report) -> bytes:
    from weasyprint import CSS, HTML  # imported here: loading pango takes a moment
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()  # @font-face rules are read only through one

    rtl = report.language == "fa"
    direction = "rtl" if rtl else "ltr"
    page = CSS(
        string=(
            f"@font-face{{font-family:Vazirmatn;src:url('{FONT.as_uri()}') format('woff2')}}"
            "@page{size:A4;margin:15mm}"
            f"body{{font-family:Vazirmatn,sans-serif;font-size:10pt;direction:{direction}}}"
            ".visually-hidden{display:none}"
        ),
        font_config=fonts,
    )
    document = HTML(string=html(report, for_pdf=True), base_url=str(STATIC))
    return document.write_pdf(stylesheets=[CSS(filename=str(REPORT_CSS)), page], font_config=fonts)


def _shown(cell: dict) -> str | int:
    return _("fewer than 5") if cell.get("suppressed") else cell.get("n")


def xlsx_bytes(report) -> bytes:
    import xlsxwriter

    c = report.content
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    rtl = report.language == "fa"
    bold = book.add_format({"bold": True})
    with translation.override(report.language):

        def sheet(name):
            ws = book.add_worksheet(name[:31])
            if rtl:
                ws.right_to_left()
            ws.set_column(0, 0, 34)
            ws.set_column(1, 20, 14)
            return ws

        ws = sheet(_("Summary"))
        ws.write(0, 0, f"{report.place_name} — {c.get('period_label', report.period)}", bold)
        if not c.get("has_data"):
            ws.write(1, 0, _("There is no data for this period."))
        ws.write_row(2, 0, [_("Measure"), _("Count")], bold)
        for i, s in enumerate(c.get("sections", []), start=3):
            ws.write(i, 0, s["label"])
            ws.write(i, 1, _shown(s))
        if report.narrative:
            ws.write(len(c.get("sections", [])) + 4, 0, _("Narrative"), bold)
            ws.write(len(c.get("sections", [])) + 5, 0, report.narrative)

        ws = sheet(_("Indicators"))
        ws.write_row(0, 0, [_("Indicator"), _("Value"), _("Target"), _("Progress"), _("Status")], bold)
        for i, r in enumerate(c.get("indicators", []), start=1):
            value = _("fewer than 5") if r["suppressed"] else r["value"]
            ws.write_row(i, 0, [r["name"], value, r["target"], r["percent"], r["status"]])

        if c.get("offices"):
            ws = sheet(_("Offices"))
            ws.write_row(0, 0, [_("Rank"), _("Office"), *c["measures"]], bold)
            for i, row in enumerate(c["offices"], start=1):
                ws.write_row(i, 0, [row["rank"], row["name"], *[_shown(cell) for cell in row["cells"]]])
        evaluation = c.get("evaluation")
        if evaluation:
            ws = sheet(_("Evaluation"))
            if not evaluation["rows"]:
                ws.write(0, 0, evaluation["message"])
            ws.write_row(1, 0, [_("Indicator"), _("Estimate"), _("95% interval"), "", _("p-value")], bold)
            for i, r in enumerate(evaluation["rows"], start=2):
                ws.write_row(i, 0, [r["name"], r["estimate"], r["ci_low"], r["ci_high"], r["p_value"]])
    book.close()
    return out.getvalue()
