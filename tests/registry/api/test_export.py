"""Export of the household list: exactly the visible rows, with the filters, no formulas, both languages."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from mahalleh.audit.models import AuditEntry
from mahalleh.core.jalali import format_jalali
from tests.registry.api.data import CHILD_BIRTH, FORMULA_NAME

pytestmark = pytest.mark.django_db

URL = reverse("registry:export")


def body(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(body(response)))
    return workbook.get_sheet_by_index(0).to_python()


def as_dicts(rows) -> list[dict]:
    header, *data = rows
    return [dict(zip(header, row, strict=True)) for row in data]


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_facilitator_exports_the_residents_of_their_office_only(world, reg, login):
    rows = as_dicts(csv_rows(english(login(world.facilitator_a)).get(URL, {"format": "csv"})))
    assert sorted(int(r["resident ID"]) for r in rows) == sorted(
        [reg.head_a.pk, reg.child_a.pk, reg.formula_a.pk]
    )
    text = str(rows)
    assert "کریمی" not in text and reg.head_b.national_code not in text and "شیرازی" not in text


def test_one_row_per_resident_with_household_columns_and_both_date_columns(world, reg, login):
    rows = as_dicts(csv_rows(english(login(world.facilitator_a)).get(URL, {"format": "csv"})))
    child = next(r for r in rows if r["resident ID"] == str(reg.child_a.pk))
    assert child["household ID"] == str(reg.hh_a.pk)
    assert child["address"] == "کوچه بهار، پلاک ۳"
    assert child["housing tenure"] == "rented"
    assert child["neighbourhood"] == "Hood A"
    assert child["first name"] == "زهرا"
    assert child["national code"] == reg.child_a.national_code
    assert child["birth date (ISO)"] == CHILD_BIRTH.isoformat()
    assert child["birth date (Jalali)"] == format_jalali(CHILD_BIRTH, persian_digits=False)
    assert child["relation to the head"] == "child"


def test_a_household_without_members_is_still_one_row(world, reg, login):
    from mahalleh.registry import services

    empty = services.household_create(actor=world.facilitator_a, neighbourhood=world.hood_a, address="خالی")
    rows = as_dicts(csv_rows(english(login(world.facilitator_a)).get(URL, {"format": "csv"})))
    mine = [r for r in rows if r["household ID"] == str(empty.pk)]
    assert len(mine) == 1 and mine[0]["resident ID"] == "" and mine[0]["address"] == "خالی"


def test_coordinator_exports_the_province(world, reg, login):
    rows = as_dicts(csv_rows(english(login(world.coordinator)).get(URL)))  # CSV is the default
    households = {r["household ID"] for r in rows}
    assert households == {str(reg.hh_a.pk), str(reg.hh_a2.pk), str(reg.hh_b.pk)}


def test_harm_filter_narrows_the_export(world, reg, login):
    client = english(login(world.facilitator_a))
    rows = as_dicts(csv_rows(client.get(URL, {"format": "csv", "harm_type": reg.child_labour.pk})))
    assert {r["household ID"] for r in rows} == {str(reg.hh_a.pk)}
    assert len(rows) == 2  # both members of the household with the open case
    # `harm` is accepted as a shorter spelling of the same filter.
    rows = as_dicts(csv_rows(client.get(URL, {"format": "csv", "harm": reg.addiction.pk})))
    assert rows == []


def test_search_and_neighbourhood_filters_apply(world, reg, login):
    client = english(login(world.coordinator))
    rows = as_dicts(csv_rows(client.get(URL, {"q": "کریمی"})))
    assert {r["household ID"] for r in rows} == {str(reg.hh_b.pk)}
    rows = as_dicts(csv_rows(client.get(URL, {"neighbourhood": world.hood_a.pk, "age_group": "child"})))
    assert {r["household ID"] for r in rows} == {str(reg.hh_a.pk)}


def test_a_neighbourhood_out_of_scope_exports_nothing_more(world, reg, login):
    rows = as_dicts(csv_rows(login(world.facilitator_a).get(URL, {"neighbourhood": world.hood_b.pk})))
    # The filter is not one the user may choose, so it is dropped, as on the list page: still only office A.
    assert {r[next(iter(r))] for r in rows} == {str(reg.hh_a.pk), str(reg.hh_a2.pk)}


def test_formula_is_neutralised_in_csv(world, reg, login):
    rows = as_dicts(csv_rows(english(login(world.facilitator_a)).get(URL, {"format": "csv"})))
    row = next(r for r in rows if r["resident ID"] == str(reg.formula_a.pk))
    assert row["first name"] == "'" + FORMULA_NAME
    assert row["last name"] == "'-2+3"
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_formula_is_neutralised_in_xlsx_and_the_sheet_is_right_to_left_in_persian(world, reg, login):
    response = login(world.facilitator_a).get(URL, {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    raw = body(response)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(raw)).get_sheet_by_index(0).to_python()
    header, *data = rows
    first_name = header.index("نام")
    assert "'" + FORMULA_NAME in [row[first_name] for row in data]
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert 'rightToLeft="1"' in sheet
    assert "<f>" not in sheet  # no formula anywhere in the sheet
    assert len(data) == 3


def test_xlsx_in_english_is_left_to_right_with_english_headers(world, reg, login):
    raw = body(english(login(world.facilitator_a)).get(URL, {"format": "xlsx"}))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(raw)).get_sheet_by_index(0).to_python()
    assert {"first name", "national code", "birth date (ISO)"} <= set(rows[0])
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert 'rightToLeft="1"' not in z.read("xl/worksheets/sheet1.xml").decode()
    national_code = rows[0].index("national code")
    codes = {row[national_code] for row in rows[1:]}
    assert reg.child_a.national_code in codes  # a code stays text: the leading digits are kept


def test_headers_are_persian_by_default_and_english_after_the_switch(world, reg, login):
    client = login(world.facilitator_a)
    persian = csv_rows(client.get(URL))[0]
    # Dated columns carry a suffix saying which calendar: "تاریخ تولد (…)".
    assert {"نام", "نام خانوادگی", "کد ملی", "تاریخ تولد"} <= {h.split(" (")[0] for h in persian}
    assert "first name" not in persian
    english_header = csv_rows(english(client).get(URL))[0]
    assert {"first name", "last name", "national code", "birth date (Jalali)", "birth date (ISO)"} <= set(
        english_header
    )
    assert len(persian) == len(english_header)


def test_jalali_dates_have_persian_digits_in_the_persian_file(world, reg, login):
    rows = csv_rows(login(world.facilitator_a).get(URL))
    assert format_jalali(CHILD_BIRTH, persian_digits=True) in [cell for row in rows for cell in row]
    assert CHILD_BIRTH.isoformat() in [cell for row in rows for cell in row]


def test_each_export_is_audited_with_filters_and_row_count(world, reg, login):
    login(world.facilitator_a).get(URL, {"format": "xlsx", "harm_type": reg.child_labour.pk, "q": "رضایی"})
    entry = AuditEntry.objects.get(action="export")
    assert entry.user == world.facilitator_a
    assert entry.changes == {
        "format": "xlsx",
        "filters": {"harm_type": str(reg.child_labour.pk), "query": "رضایی"},
        "rows": 2,
    }
    assert (entry.office_id, entry.province_id) == (world.office_a.pk, world.kerman.pk)


@pytest.mark.parametrize("role", ["analyst", "pr_a", "partner_user"])
def test_roles_that_cannot_read_the_registry_get_404(world, reg, login, role):
    assert login(getattr(world, role)).get(URL).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


def test_anonymous_is_sent_to_the_login_page(reg, client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_unknown_format_is_a_400(world, reg, login):
    assert login(world.facilitator_a).get(URL, {"format": "pdf"}).status_code == 400
