"""Fixtures of the import tests: real CSV and XLSX files written into tmp_path."""

import csv
from pathlib import Path

import pytest
import xlsxwriter
from django.utils import translation

from mahalleh.core.national_code import make_national_code
from mahalleh.registry.importer.columns import COLUMNS
from mahalleh.registry.importer.messages import error_text
from mahalleh.registry.importer.pipeline import run_import

FA = [c.fa for c in COLUMNS]
EN = [c.en for c in COLUMNS]


@pytest.fixture(autouse=True)
def _jobs_done(jobs_run_by_a_worker):
    """Import jobs run as soon as they are queued, in-process or on Redis (tests/conftest.py)."""


def code(n: int) -> str:
    """A valid national code, distinct for each n."""
    return make_national_code(str(100_000_000 + n).zfill(9))


def person(key="H1", *, hood="NA", relation="سرپرست", first="علی", last="رضایی", sex="مرد",
           birth="1360/04/12", national=None, **extra) -> dict:  # fmt: skip
    row = {
        "household_key": key, "neighbourhood": hood, "relation": relation, "first_name": first,
        "last_name": last, "sex": sex, "birth_date": birth, "national_code": national or "",
    }  # fmt: skip
    row.update(extra)
    return row


def as_cells(rows: list[dict], columns=None) -> list[list]:
    keys = [c.key for c in COLUMNS] if columns is None else columns
    return [[row.get(k, "") for k in keys] for row in rows]


def write_csv(
    path: Path, rows: list[dict], *, header=None, encoding="utf-8-sig", delimiter=",", columns=None
):
    keys = [c.key for c in COLUMNS] if columns is None else columns
    header = header or [c.fa for c in COLUMNS if c.key in keys]
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(as_cells(rows, keys))
    return path


def write_xlsx(path: Path, rows: list[list], *, header=None, text_only=False):
    """rows are lists of cells (str, numbers, dates …) under the header (Persian by default)."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("data")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, FA if header is None else header)
    for r, cells in enumerate(rows, start=1):
        for c, value in enumerate(cells):
            if value is None or value == "":
                continue
            if hasattr(value, "year"):
                sheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)
    book.close()
    return path


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def run(world):
    """run(path, commit=False, user=facilitator_a) -> ImportResult (synchronously, office A)."""

    def _run(
        path, *, commit=False, user=None, office=None, name=None, report_path=None, default_neighbourhood=None
    ):
        return run_import(
            path=path,
            name=name or Path(path).name,
            office=office or world.office_a,
            user=user or world.facilitator_a,
            commit=commit,
            report_path=report_path,
            default_neighbourhood=default_neighbourhood,
        )

    return _run


def reason(error: dict, language: str = "en") -> str:
    """The reason of a stored error as a user of that language reads it."""
    with translation.override(language):
        return error_text(error["code"], error.get("value", ""), error.get("params"))


def only_error(result, row: int) -> dict:
    found = [e for e in result.errors if e["row"] == row]
    assert len(found) == 1, (row, result.errors)
    return found[0]


def errors_by_row(result) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for e in result.errors:
        out.setdefault(e["row"], []).append(e)
    return out
