"""The survey sheet: answers of a round's sample typed into a spreadsheet, then imported.

Same flow and pieces as the registry import (:mod:`mahalleh.registry.importer`): its readers
(format by the bytes, CSV encodings, XLSX through calamine), its header folding, its file-level
messages and its XLSX error report. A dry run lists every bad row (row, column, value, reason);
the commit writes the valid rows in one transaction; re-importing the same sheet updates the
same answers (one answer per person and round) instead of adding them again.

A survey sheet is small (a round's sample: a few thousand residents), so rows are checked in
Python here rather than staged in SQL as the registry's census-size import does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mahalleh.audit.services import audit_record
from mahalleh.core.i18n import is_persian
from mahalleh.core.persian import localized_digits, to_latin_digits
from mahalleh.evaluation.models import SampleHousehold, SurveyResponse, SurveyRound
from mahalleh.evaluation.services import _require_survey_scope, _save_one, clean_answers, harm_codes
from mahalleh.registry.importer.columns import YES_NO, fold
from mahalleh.registry.importer.messages import ImportFileError
from mahalleh.registry.importer.readers import cell_text, open_rows, sniff
from mahalleh.registry.models import Person

MAX_ROWS = 50_000

# key, Persian header, English header, other spellings
COLUMNS = (
    ("person", "شناسه فرد", "person id", ("person", "کد فرد", "شناسه")),
    ("name", "نام و نام خانوادگی", "name", ("نام",)),
    ("age", "سن", "age", ()),
    ("in_school", "به مدرسه می‌رود", "goes to school", ("مدرسه", "in school")),
    ("works", "کار در هفته گذشته", "worked last week", ("کار", "works")),
    ("employment", "وضعیت اشتغال", "employment", ("اشتغال",)),
    ("job_training", "آموزش مهارت شغلی", "job training", ("آموزش مهارت", "training")),
    ("insured", "بیمه درمانی", "health insurance", ("بیمه", "insured")),
    ("harms", "آسیب‌ها", "harms", ("آسیب", "social harms")),
)
BY_FOLD = {fold(s): key for key, fa, en, more in COLUMNS for s in (key, fa, en, *more)}
HEADERS = {key: (fa, en) for key, fa, en, _more in COLUMNS}

EMPLOYMENT_SPELLINGS = {
    "employed": ("شاغل", "کار می‌کند", "working"),
    "unemployed": ("بیکار", "جویای کار", "unemployed"),
    "student": ("محصل", "دانشجو", "دانش‌آموز", "student"),
    "homemaker": ("خانه‌دار", "homemaker"),
    "inactive": ("بازنشسته", "ازکارافتاده", "غیرفعال", "inactive", "retired"),
}

ROW_MESSAGES = {
    "person_required": gettext_lazy("The person id is empty."),
    "person_unknown": gettext_lazy("There is no resident with the id “%(value)s”."),
    "not_in_sample": gettext_lazy(
        "This resident is not in the round's sample: only members of the drawn households are surveyed."
    ),
    "duplicate": gettext_lazy("This resident appears more than once in the sheet (rows %(rows)s)."),
    "yes_no": gettext_lazy("Answer yes or no (بله / خیر), or leave the cell empty."),
    "employment": gettext_lazy("“%(value)s” is not an employment answer. Use one of: %(allowed)s."),
    "harm": gettext_lazy("Unknown harm code “%(value)s”. Use the codes of the harm list: %(allowed)s."),
    "age": gettext_lazy("Enter the age in whole years (0 to 120)."),
    "answer": gettext_lazy("%(message)s"),
}


def row_text(code: str, value: str = "", params: dict | None = None) -> str:
    params = {k: localized_digits(v) if isinstance(v, int) else v for k, v in (params or {}).items()}
    if "rows" in params:
        params["rows"] = "، ".join(str(localized_digits(r)) for r in params["rows"])
    message = ROW_MESSAGES.get(code)
    if message is None:
        return code
    return str(message) % {"value": value, **params}


class _Header:
    def __init__(self, cells):
        self.mapping: dict[str, int] = {}
        self.ignored: list[str] = []
        for i, cell in enumerate(cells):
            text = cell_text(cell).strip()
            key = BY_FOLD.get(fold(text))
            if key and key not in self.mapping:
                self.mapping[key] = i
            elif text:
                self.ignored.append(text)
        self.by_index = {i: k for k, i in self.mapping.items()}
        if "person" not in self.mapping:
            raise ImportFileError("missing_columns", columns=[])

    def name(self, col) -> str:
        fa, en = HEADERS.get(col, (str(col), str(col)))
        return fa if is_persian() else en


@dataclass
class SurveyImportResult:
    rows_total: int = 0
    rows_valid: int = 0
    rows_invalid: int = 0
    saved: int = 0
    committed: bool = False
    failed: bool = False
    file_message: str = ""
    errors: list[dict] = field(default_factory=list)
    header: _Header | None = None

    def shown_errors(self) -> list[dict]:
        return [
            {
                **e,
                "column_name": self.header.name(e["column"]) if self.header else e["column"],
                "reason": row_text(e["code"], e["value"], e.get("params")),
            }
            for e in self.errors
        ]


def _yes_no(text: str):
    f = fold(text)
    if not f:
        return None, False
    for value, spellings in YES_NO.items():
        if f in {fold(s) for s in spellings} or f == value:
            return value == "yes", False
    return None, True


def _employment(text: str):
    f = fold(text)
    if not f:
        return "", False
    for code, spellings in EMPLOYMENT_SPELLINGS.items():
        if f == fold(code) or f in {fold(s) for s in spellings}:
            return code, False
    return "", True


def _parse_row(cells, header: _Header, harm_codes: set[str]):
    """(person id or None, answers, [(column, code, value, params)])."""

    def get(key):
        i = header.mapping.get(key)
        return cell_text(cells[i]).strip() if i is not None and i < len(cells) else ""

    errors = []
    raw = to_latin_digits(get("person"))
    person_id = None
    if not raw:
        errors.append(("person", "person_required", "", {}))
    elif not raw.isdigit():
        errors.append(("person", "person_unknown", get("person"), {}))
    else:
        person_id = int(raw)
    answers: dict = {}
    age_text = to_latin_digits(get("age"))
    if age_text:
        if age_text.isdigit() and int(age_text) <= 120:
            answers["age"] = int(age_text)
        else:
            errors.append(("age", "age", get("age"), {}))
    for key in ("in_school", "works", "job_training", "insured"):
        value, bad = _yes_no(get(key))
        if bad:
            errors.append((key, "yes_no", get(key), {}))
        answers[key] = value
    employment, bad = _employment(get("employment"))
    if bad:
        allowed = (
            "، ".join(s[0] for s in EMPLOYMENT_SPELLINGS.values())
            if is_persian()
            else ", ".join(EMPLOYMENT_SPELLINGS)
        )
        errors.append(("employment", "employment", get("employment"), {"allowed": allowed}))
    answers["employment"] = employment
    harms = []
    for part in get("harms").replace("،", ",").replace("؛", ",").replace(";", ",").split(","):
        code = part.strip()
        if not code:
            continue
        if code not in harm_codes:
            errors.append(("harms", "harm", code, {"allowed": ", ".join(sorted(harm_codes))}))
        else:
            harms.append(code)
    answers["harms"] = harms
    return person_id, answers, errors


def _check(path, name, round_: SurveyRound, actor) -> tuple[SurveyImportResult, list]:
    result = SurveyImportResult()
    fmt = sniff(path, name)
    source = open_rows(path, fmt)
    known_harms = harm_codes()
    parsed = []
    try:
        for row_no, cells in source:
            if result.header is None:
                if any(cell_text(c).strip() for c in cells):
                    result.header = _Header(cells)
                continue
            if not any(cell_text(c).strip() for c in cells):
                continue
            result.rows_total += 1
            if result.rows_total > MAX_ROWS:
                raise ImportFileError("too_many_rows", max=MAX_ROWS)
            parsed.append((row_no, *_parse_row(cells, result.header, known_harms)))
    finally:
        source.close()
    if result.header is None:
        raise ImportFileError("empty")
    if not parsed:
        raise ImportFileError("no_rows")
    samples = {
        s.household_id: s for s in SampleHousehold.objects.filter(round=round_).select_related("round")
    }
    ids = {p for _r, p, _a, _e in parsed if p is not None}
    persons = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    seen: dict[int, list[int]] = {}
    for row_no, person_id, _a, _e in parsed:
        if person_id is not None:
            seen.setdefault(person_id, []).append(row_no)
    good = []
    for row_no, person_id, answers, errors in parsed:
        person = persons.get(person_id)
        sample = samples.get(person.household_id) if person else None
        if person_id is not None and person is None:
            errors.append(("person", "person_unknown", str(person_id), {}))
        elif person is not None and sample is None:
            errors.append(("person", "not_in_sample", str(person_id), {}))
        elif sample is not None:
            try:
                _require_survey_scope(actor, sample.neighbourhood_id)
            except PermissionDenied:  # out of the user's scope reads as "not in the sample" (no leak)
                errors.append(("person", "not_in_sample", str(person_id), {}))
                sample = None
        if person_id is not None and len(seen.get(person_id, [])) > 1:
            errors.append(("person", "duplicate", str(person_id), {"rows": seen[person_id]}))
        if person is not None and sample is not None and not errors:
            data, problems = clean_answers(answers, person=person, round=round_, known_harms=known_harms)
            for column, messages in problems.items():
                errors.append(
                    (column, "answer", str(answers.get(column, "")), {"message": " ".join(messages)})
                )
            if not problems:
                good.append((person, sample, data))
        for column, code, value, params in errors:
            result.errors.append(
                {"row": row_no, "column": column, "value": value, "code": code, "params": params}
            )
        if errors:
            result.rows_invalid += 1
    result.rows_valid = len(good)
    return result, good


def survey_import_run(
    *, actor, round: SurveyRound, path, name: str, commit: bool = False
) -> SurveyImportResult:
    """Check a survey sheet (and with ``commit`` save its valid rows, all in one transaction)."""
    try:
        result, good = _check(path, name, round, actor)
    except ImportFileError as exc:
        return SurveyImportResult(failed=True, file_message=exc.text())
    if commit:
        if not good:
            raise ValidationError(_("This sheet has no valid rows to save."), code="empty")
        with transaction.atomic():
            for person, sample, data in good:
                _save_one(actor=actor, round_=round, sample=sample, person=person, data=data, via="import")
            audit_record(
                user=actor,
                action="import",
                object_type="surveyround",
                object_id=round.pk,
                changes={"file": [None, name], "rows": [None, str(len(good))]},
                province_id=round.province_id,
            )
        result.saved, result.committed = len(good), True
    return result


def write_report(target, result: SurveyImportResult) -> None:
    from mahalleh.registry.importer.report import write_error_report

    errors = ((e["row"], e["column"], e["code"], e["value"], e.get("params")) for e in result.errors)
    write_error_report(target, errors, result.header, text=row_text)


def write_sheet(target, *, round: SurveyRound, samples) -> None:
    """The round's survey sheet: one row per member of each sampled household, answers empty."""
    book = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_numbers": False})
    sheet = book.add_worksheet(_("Survey")[:31])
    persian = is_persian()
    if persian:
        sheet.right_to_left()
    bold = book.add_format({"bold": True, "bg_color": "#E9ECEF", "border": 1})
    sheet.write_row(0, 0, [fa if persian else en for _k, fa, en, _m in COLUMNS], bold)
    sheet.set_column(0, len(COLUMNS), 18)
    line = 1
    answered = {
        r.person_id: r for r in SurveyResponse.objects.filter(round=round, sample__in=[s.pk for s in samples])
    }
    for sample in samples:
        members = Person.objects.filter(household_id=sample.household_id, status=Person.Status.ACTIVE)
        for p in members.order_by("pk"):
            sheet.write_number(line, 0, p.pk)
            sheet.write_string(line, 1, f"{p.first_name} {p.last_name}")
            from mahalleh.evaluation.services import age_on

            prior = answered.get(p.pk)
            age = prior.age if prior else age_on(p.birth_date, round.held_on)
            if age is not None:
                sheet.write_number(line, 2, age)
            line += 1
    book.close()
