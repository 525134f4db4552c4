"""What an import says about a bad row or a bad file, in the language of whoever reads it.

Errors are stored as ``{"row", "column", "value", "code", "params"}`` and only turned into text
when shown (:func:`error_text`), so an office manager reading a facilitator's import sees it in
their own language. Codes ``date.*``, ``national_code.*`` and ``mobile.*`` reuse the messages
of the core validators.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mahalleh.core import national_code as nc
from mahalleh.core import phone
from mahalleh.core.i18n import is_persian
from mahalleh.core.jalali import PARSE_MESSAGES, parse_date
from mahalleh.core.persian import localized_digits

ROW_MESSAGES = {
    "required": _("This column is required: the cell is empty."),
    "too_long": _("Too long: at most %(max)s characters."),
    "formula": _(
        "The cell starts like a spreadsheet formula (=, +, -, @). Formulas are not accepted: "
        "type the value itself."
    ),
    "bad_choice": _("“%(value)s” is not an accepted value. Use one of: %(allowed)s."),
    "neighbourhood_unknown": _("There is no neighbourhood with the code “%(value)s”."),
    "neighbourhood_not_yours": _("Neighbourhood “%(value)s” is not served by your office."),
    "household_no_neighbourhood": _("No row of household “%(key)s” gives a valid neighbourhood code."),
    "neighbourhood_conflict": _(
        "Household “%(key)s” is in neighbourhood “%(code)s” (row %(row)s); all rows of one household "
        "must give the same neighbourhood."
    ),
    "phone_invalid": _("A phone number may contain only digits, spaces and dashes (4 to 20 digits)."),
    "date_cell": _("This cell does not hold a date."),
    "birth_future": _("The birth date is in the future."),
    "birth_too_old": _("The birth date is too far in the past (before 1900)."),
    "national_code_required": _("Enter the national code, or choose another ID type."),
    "document_required": _("Enter the card or passport number."),
    # A warning: the row is imported.
    "document_missing": _(
        "Imported without the card or passport number: add it on the resident's page when you have it."
    ),
    "code_with_other_id_type": _(
        "A national code is given but the ID type is “%(id_type)s”. Clear one of the two."
    ),
    "duplicate_in_file": _("This national code appears more than once in the file (rows %(rows)s)."),
    "duplicate_person_in_file": _(
        "The same person (name and birth date, no national code) appears more than once in household "
        "“%(key)s” (rows %(rows)s)."
    ),
    "second_head": _("Household “%(key)s” already has a head in row %(row)s."),
    "registered_elsewhere": _(
        "This national code is already registered by another office, so the row was not imported. "
        "Ask your coordinator to move the record."
    ),
    "household_has_head": _(
        "Household “%(key)s” already has a different head in the registry. Change the head on the household "
        "page first, or give that person's row in this file too."
    ),
}

FILE_MESSAGES = {
    "empty": _("The file is empty."),
    "no_rows": _("The file has a heading row but no data rows."),
    "bad_extension": _("“%(name)s” is not a CSV or Excel file. Upload a .csv or .xlsx file."),
    "not_spreadsheet": _(
        "“%(name)s” is not a spreadsheet (it looks like %(kind)s). Save the data from Excel as .xlsx or .csv "
        "and upload that file."
    ),
    "unreadable": _(
        "The file could not be read as %(format)s: it may be damaged or protected with a password. "
        "Open it in Excel, save it again as .xlsx or .csv, and upload that file."
    ),
    "encoding": _("The text of the file could not be read. Save it as “CSV UTF-8” and upload it again."),
    "missing_columns": _(
        "The heading row has no column for: %(columns)s. Download the template to see the column names."
    ),
    "duplicate_columns": _("The column “%(column)s” appears more than once in the heading row."),
    "too_many_rows": _("The file has more than %(max)s rows. Split it into smaller files."),
    "internal": _(
        "The import stopped because of an unexpected error and nothing was saved. Try again, or tell your "
        "administrator."
    ),
    "default_neighbourhood_not_yours": _(
        "The neighbourhood chosen for rows without one (“%(value)s”) is no longer served by your office, "
        "so nothing was saved. Upload the file again and choose one of your office's neighbourhoods."
    ),
    "conflict": _(
        "The registry changed while the import was being saved (someone registered one of these residents "
        "at the same time), so nothing was saved. Run the import again."
    ),
}

KIND_NAMES = {
    "pdf": _("a PDF document"),
    "image": _("an image"),
    "document": _("a word-processor document or a ZIP archive"),
    "binary": _("a binary file"),
}


def list_separator() -> str:
    return "، " if is_persian() else ", "


def _localize(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return localized_digits(value)
    if isinstance(value, list):
        return list_separator().join(str(localized_digits(v)) for v in value)
    return value


def _rows_text(rows: list[int]) -> str:
    shown = [str(localized_digits(r)) for r in rows[:10]]
    text = list_separator().join(shown)
    if len(rows) > 10:
        more = len(rows) - 10
        text += " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": localized_digits(more)}
    return text


def _choice_params(params: dict) -> dict:
    from mahalleh.registry.importer.columns import allowed_values

    # The values as they can be typed in this file: in the language of its headers (issue 8.5).
    allowed = list_separator().join(allowed_values(params["column"], params.get("lang")))
    return {"value": params.get("value", ""), "allowed": allowed}


def error_text(code: str, value: str = "", params: dict | None = None) -> str:
    """The reason of one row error in the active language."""
    params = dict(params or {})
    family, _sep, sub = code.partition(".")
    if family == "date":
        try:
            parse_date(value)
        except ValidationError as exc:
            return " ".join(str(m) for m in exc.messages)
        return str(PARSE_MESSAGES["invalid"])
    if family == "national_code":
        message = nc.MESSAGES.get(sub, nc.MESSAGES["check_digit"])
        return str(message) % {"count": localized_digits(params.get("count", len(value)))}
    if family == "mobile":
        return str(phone.MESSAGES.get(sub, phone.MESSAGES["length"]))
    message = ROW_MESSAGES.get(code)
    if message is None:
        return code
    if code == "bad_choice":
        params = _choice_params(params)
    elif "rows" in params:
        params["rows"] = _rows_text(params["rows"])
    if code == "code_with_other_id_type":
        from mahalleh.registry.models import Person

        id_type = params.get("id_type", "")
        params["id_type"] = Person.IdType(id_type).label if id_type in Person.IdType.values else id_type
    return str(message) % {k: _localize(v) for k, v in params.items()} if params else str(message)


def file_text(code: str, params: dict | None = None) -> str:
    """The one message about a file that cannot be imported at all, in the active language."""
    params = dict(params or {})
    if "kind" in params:
        params["kind"] = KIND_NAMES.get(params["kind"], KIND_NAMES["binary"])
    if code == "missing_columns":
        from mahalleh.registry.importer.columns import BY_KEY

        params["columns"] = list_separator().join(
            f"«{BY_KEY[k].fa}» ({BY_KEY[k].en})" for k in params.get("columns", []) if k in BY_KEY
        )
    message = FILE_MESSAGES.get(code, FILE_MESSAGES["internal"])
    return str(message) % {k: _localize(v) for k, v in params.items()} if params else str(message)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``code``/``params`` say why (see FILE_MESSAGES)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    def text(self) -> str:
        return file_text(self.code, self.params)
