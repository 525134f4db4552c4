"""CSV and XLSX export of the registry: the households and residents the user may see.

One row per resident with their household's columns (a household with no members yet is one
row with empty resident columns), for exactly the households `selectors.household_list` gives
the user with the household list's filters. Headers are the models' verbose names in the
active language; dates come twice, Jalali and ISO 8601.

Memory stays flat: households are read with `.iterator(chunk_size=…)` (members prefetched per
chunk) and written to a temporary file, the XLSX through XlsxWriter's `constant_memory` mode.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with
``'`` so a spreadsheet shows it as text instead of running it as a formula (CSV injection).
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter
from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalleh.accounts.models import OFFICE_ROLES, Role
from mahalleh.audit.services import audit_record
from mahalleh.core.i18n import is_persian
from mahalleh.core.jalali import format_jalali
from mahalleh.registry import selectors
from mahalleh.registry.models import Household, Person

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK_SIZE = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made plain text with a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    header: Callable[[], str]
    value: Callable[[Any], Any]


def _label(model: type[Model], name: str) -> Callable[[], str]:
    return lambda: str(model._meta.get_field(name).verbose_name)


def _dated(model: type[Model], name: str) -> list[Column]:
    """Two columns for a date: Jalali (as the UI shows it) and ISO 8601 (for other software)."""
    label = _label(model, name)

    def jalali(obj):
        return format_jalali(getattr(obj, name), persian_digits=is_persian())

    def iso(obj):
        value = getattr(obj, name)
        return value.isoformat() if value else ""

    return [
        Column(lambda: _("%(field)s (Jalali)") % {"field": label()}, jalali),
        Column(lambda: _("%(field)s (ISO)") % {"field": label()}, iso),
    ]


def _text(model: type[Model], name: str) -> Column:
    return Column(_label(model, name), lambda obj: getattr(obj, name) or "")


def _choice(model: type[Model], name: str) -> Column:
    # The label in the user's language, as the pages show it.
    return Column(
        _label(model, name), lambda obj: getattr(obj, f"get_{name}_display")() if getattr(obj, name) else ""
    )


def _yes_no(value) -> str:
    if value is None:
        return ""
    return _("yes") if value else _("no")


HOUSEHOLD_COLUMNS: list[Column] = [
    Column(lambda: _("household ID"), lambda h: h.pk),
    _text(Household, "external_id"),
    Column(_label(Household, "neighbourhood"), lambda h: h.neighbourhood.name),
    _text(Household, "address"),
    _text(Household, "phone"),
    _choice(Household, "tenure"),
    _choice(Household, "income_band"),
    Column(_label(Household, "vulnerability"), lambda h: h.vulnerability),
]

PERSON_COLUMNS: list[Column] = [
    Column(lambda: _("resident ID"), lambda p: p.pk),
    _choice(Person, "relation"),
    _choice(Person, "id_type"),
    _text(Person, "national_code"),
    _text(Person, "document_number"),
    _text(Person, "first_name"),
    _text(Person, "last_name"),
    _text(Person, "father_name"),
    _choice(Person, "sex"),
    *_dated(Person, "birth_date"),
    _choice(Person, "nationality"),
    _choice(Person, "education"),
    Column(_label(Person, "school_enrolled"), lambda p: _yes_no(p.school_enrolled)),
    _choice(Person, "employment"),
    _choice(Person, "disability"),
    _choice(Person, "insurance"),
    _text(Person, "mobile"),
    _choice(Person, "status"),
    *_dated(Person, "status_changed_on"),
]


def headers() -> list[str]:
    """The header row in the active language."""
    return [c.header() for c in (*HOUSEHOLD_COLUMNS, *PERSON_COLUMNS)]


def rows(households: QuerySet[Household]) -> Iterator[list]:
    """One list of cell values per resident (or per household without members), in household order."""
    members = Prefetch("members", queryset=Person.objects.order_by("pk"))
    qs = households.select_related("neighbourhood").prefetch_related(members).order_by("pk")
    empty = [""] * len(PERSON_COLUMNS)
    for household in qs.iterator(chunk_size=CHUNK_SIZE):
        head = [c.value(household) for c in HOUSEHOLD_COLUMNS]
        people = household.members.all()
        if not people:
            yield head + empty
        for person in people:
            yield head + [c.value(person) for c in PERSON_COLUMNS]


# --------------------------------------------------------------------------- writers


def write_csv(fileobj: IO[bytes], header: list[str], data: Iterator[list]) -> int:
    """UTF-8 with a BOM, so Excel opens the Persian text correctly. Returns the number of data rows."""
    text = io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([neutralise(h) for h in header])
    count = 0
    for row in data:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
        count += 1
    text.flush()
    text.detach()  # leave the binary file open for the response
    return count


def write_xlsx(fileobj: IO[bytes], header: list[str], data: Iterator[list], *, right_to_left: bool) -> int:
    """One sheet, right-to-left in Persian; text is always written as text, never as a formula."""
    workbook = xlsxwriter.Workbook(
        fileobj,
        {
            "constant_memory": True,  # rows go to disk as they are written: flat memory
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet(_("Households")[:31])
    if right_to_left:
        sheet.right_to_left()
    bold = workbook.add_format({"bold": True})
    sheet.set_column(0, len(header) - 1, 16)
    sheet.freeze_panes(1, 0)
    for col, title in enumerate(header):
        sheet.write_string(0, col, neutralise(title), bold)
    count = 0
    for count, row in enumerate(data, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(count, col, value)
            else:
                sheet.write_string(count, col, neutralise(str(value)))
    workbook.close()
    return count


# --------------------------------------------------------------------------- the export


def user_place(user) -> tuple[int | None, int | None]:
    """The office and province of the user's scope: where an export or list entry shows in the audit."""
    if user.role in OFFICE_ROLES and user.office_id:
        return user.office_id, user.office.county.province_id
    if user.role == Role.PROVINCE_COORDINATOR:
        return None, user.province_id
    return None, None


def _filters_for_audit(filters: dict) -> dict:
    out = {}
    for key, value in filters.items():
        if value in (None, ""):
            continue
        out[key] = str(value.pk) if isinstance(value, Model) else str(value)
    return out


def filename(fmt: str) -> str:
    today = format_jalali(timezone.localdate(), persian_digits=False).replace("/", "-")
    return f"mahalleh-households-{today}.{fmt}"


def export_households(*, user, filters: dict, fmt: str, fileobj: IO[bytes], via: str = "web") -> int:
    """Write the households and residents `user` may see with `filters` (keyword arguments of
    `selectors.household_list`) to `fileobj` as CSV or XLSX, audit it, and return the row count."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    households = selectors.household_list(user=user, **filters)
    header = headers()
    if fmt == "csv":
        count = write_csv(fileobj, header, rows(households))
    else:
        count = write_xlsx(fileobj, header, rows(households), right_to_left=is_persian())
    # Buffered bytes reach the disk here, so a full disk fails before the export is audited as done.
    fileobj.flush()
    office_id, province_id = user_place(user)
    audit_record(
        user=user,
        action="export",
        object_type="household",
        changes={"format": fmt, "filters": _filters_for_audit(filters), "rows": count},
        via=via,
        office_id=office_id,
        province_id=province_id,
    )
    return count
