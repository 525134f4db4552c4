"""Every kind of bad input gets a clear message at the right row and column, and nothing else breaks."""

import datetime

import pytest

from mahalleh.core.jalali import format_jalali
from mahalleh.registry.importer.readers import sniff
from mahalleh.registry.models import Household, Person
from tests.registry.importer.conftest import (
    code,
    errors_by_row,
    only_error,
    person,
    reason,
    write_csv,
    write_xlsx,
)


def test_import_reports_bad_national_code_with_row_number(run, tmp_path):
    bad = code(1)[:9] + str((int(code(1)[9]) + 1) % 10)
    path = write_csv(tmp_path / "f.csv", [person(national=code(2)), person(national=bad, relation="فرزند")])
    result = run(path)
    error = only_error(result, 3)
    assert error["column"] == "کد ملی"
    assert error["value"] == bad
    assert "check digit" in reason(error)
    assert "رقم کنترل" in reason(error, "fa") or reason(error, "fa")  # rendered, never a code
    assert result.rows_valid == 1 and result.rows_invalid == 1


def test_import_reports_impossible_jalali_date(run, tmp_path):
    path = write_csv(tmp_path / "f.csv", [person(national=code(1), birth="1402/12/30")])
    error = only_error(run(path), 2)
    assert error["column"] == "تاریخ تولد"
    assert error["value"] == "1402/12/30"
    text = reason(error)
    assert "not a date" in text and "29" in text and "leap" in text


def test_import_reports_a_future_birth_date(run, tmp_path):
    future = format_jalali(datetime.date.today() + datetime.timedelta(days=40), persian_digits=False)  # noqa: DTZ011
    path = write_csv(tmp_path / "f.csv", [person(national=code(1), birth=future)])
    error = only_error(run(path), 2)
    assert (error["column"], error["value"]) == ("تاریخ تولد", future)
    assert reason(error) == "The birth date is in the future."


@pytest.mark.parametrize(
    ("field", "header"),
    [("first_name", "نام"), ("last_name", "نام خانوادگی"), ("sex", "جنسیت"), ("relation", "نسبت با سرپرست"),
     ("household_key", "کد خانوار")],
)  # fmt: skip
def test_import_reports_a_missing_required_field(run, tmp_path, field, header):
    row = person(national=code(1))
    row[field] = ""
    error = only_error(run(write_csv(tmp_path / "f.csv", [row])), 2)
    assert (error["column"], error["code"]) == (header, "required")
    assert "required" in reason(error)


def test_id_type_national_code_without_a_code_is_missing_a_required_field(run, tmp_path):
    path = write_csv(tmp_path / "f.csv", [person(id_type="کد ملی")])
    error = only_error(run(path), 2)
    assert error["column"] == "کد ملی"
    assert reason(error) == "Enter the national code, or choose another ID type."


def test_import_reports_unknown_and_other_office_neighbourhoods(run, tmp_path):
    rows = [
        person("H1", hood="XX", national=code(1)),
        person("H2", hood="NB", national=code(2)),  # office B's
        person("H3", hood="NAC", national=code(3)),  # a comparison neighbourhood: no office
        person("H4", hood="na", national=code(4)),  # codes are not case-sensitive
        person("H5", hood="محله الف", national=code(5)),  # the name of one's own neighbourhood works too
    ]
    result = run(write_csv(tmp_path / "f.csv", rows))
    errors = errors_by_row(result)
    assert [e["code"] for e in errors[2]] == ["neighbourhood_unknown"]
    assert reason(errors[2][0]) == "There is no neighbourhood with the code “XX”."
    assert [e["code"] for e in errors[3]] == ["neighbourhood_not_yours"]
    assert reason(errors[3][0]) == "Neighbourhood “NB” is not served by your office."
    assert errors[3][0]["column"] == "کد محله"
    assert [e["code"] for e in errors[4]] == ["neighbourhood_not_yours"]
    assert 5 not in errors and 6 not in errors
    assert result.rows_valid == 2


def _second_neighbourhood(world):
    """Office A with two neighbourhoods: no neighbourhood is taken for granted any more."""
    from mahalleh.geo.models import Neighbourhood
    from tests.conftest import square

    return Neighbourhood.objects.create(
        county=world.county_a,
        code="NA2",
        name_fa="محله الف ۲",
        office=world.office_a,
        boundary=square(57.1, 30.3),
    )


def test_a_household_key_with_no_neighbourhood_anywhere_fails_every_row_of_it(run, tmp_path, world):
    _second_neighbourhood(world)
    rows = [
        person("H1", hood="", national=code(1)),
        person("H2", hood="NA", national=code(2)),
        person("H1", hood="", relation="همسر", first="زهرا", sex="زن", national=code(3)),
    ]
    result = run(write_csv(tmp_path / "f.csv", rows))
    errors = errors_by_row(result)
    assert sorted(errors) == [2, 4]
    for row in (2, 4):
        (error,) = errors[row]
        assert error["column"] == "کد محله"
        assert reason(error) == "No row of household “H1” gives a valid neighbourhood code."
    assert result.rows_valid == 1


def test_household_columns_come_from_the_head_row_else_the_first_row_that_fills_them(run, tmp_path, world):
    rows = [
        person("H1", hood="", relation="فرزند", first="زهرا", sex="زن", national=code(1), address="کوچه یک"),
        person("H1", hood="NA", national=code(2), address="", tenure="استیجاری"),  # the head, row 3
        person("H1", hood="", relation="همسر", first="مریم", sex="زن", national=code(3), tenure="ملکی"),
    ]
    result = run(write_csv(tmp_path / "f.csv", rows), commit=True)
    assert result.rows_valid == 3
    household = Household.objects.get()
    assert household.neighbourhood == world.hood_a
    assert household.address == "کوچه یک"  # the head's row leaves it empty: the first row that fills it
    assert household.tenure == "rented"  # the head's row wins over row 4


def test_rows_of_one_household_must_not_name_different_neighbourhoods(run, tmp_path, world):
    from mahalleh.geo.models import Neighbourhood

    Neighbourhood.objects.create(county=world.county_a, code="NA2", name_fa="محله دو", office=world.office_a)
    rows = [
        person("H1", hood="NA", national=code(1)),
        person("H1", hood="NA2", relation="همسر", national=code(2)),
    ]
    error = only_error(run(write_csv(tmp_path / "f.csv", rows)), 3)
    assert error["code"] == "neighbourhood_conflict"
    assert reason(error) == (
        "Household “H1” is in neighbourhood “NA” (row 2); "
        "all rows of one household must give the same neighbourhood."
    )


def test_duplicate_national_code_in_the_file_reports_both_rows(run, tmp_path):
    rows = [
        person("H1", national=code(1)),
        person("H1", relation="فرزند", first="رضا", national=code(2)),
        person("H2", first="حسن", national=code(1)),
    ]
    result = run(write_csv(tmp_path / "f.csv", rows))
    errors = errors_by_row(result)
    assert sorted(errors) == [2, 4]
    for row in (2, 4):
        (error,) = errors[row]
        assert (error["column"], error["value"], error["code"]) == ("کد ملی", code(1), "duplicate_in_file")
        assert reason(error) == "This national code appears more than once in the file (rows 2, 4)."
    assert "۲، ۴" in reason(errors[2][0], "fa")
    assert result.rows_valid == 1


def test_a_national_code_registered_by_another_office_is_refused_without_saying_who(run, tmp_path, world):
    from mahalleh.registry import services

    household = services.household_create(actor=world.facilitator_b, neighbourhood=world.hood_b, address="x")
    services.person_create(
        actor=world.facilitator_b, household=household, first_name="مهدی", last_name="کریمی", sex="male",
        relation="head", national_code=code(7),
    )  # fmt: skip
    result = run(write_csv(tmp_path / "f.csv", [person(national=code(7)), person("H2", national=code(8))]))
    error = only_error(result, 2)
    assert (error["column"], error["code"]) == ("کد ملی", "registered_elsewhere")
    text = reason(error)
    assert "another office" in text
    for secret in ("مهدی", "کریمی", "Office B", "دفتر ب", "NB"):
        assert secret not in text and secret not in reason(error, "fa")
    assert result.rows_valid == 1


@pytest.mark.parametrize(
    "formula", ["=SUM(A1:A3)", "=1+2", "@cmd", "+cmd|' /C calc'!A0", "-2+3", '=HYPERLINK("x")']
)
def test_a_formula_in_a_cell_is_refused_never_run(run, tmp_path, formula):
    result = run(write_csv(tmp_path / "f.csv", [person(national=code(1), father_name=formula)]))
    error = only_error(result, 2)
    assert (error["column"], error["value"], error["code"]) == ("نام پدر", formula, "formula")
    assert "formula" in reason(error)
    assert result.rows_valid == 0


def test_a_formula_in_an_xlsx_text_cell_is_refused(run, tmp_path):
    cells = [["H1", "NA", "", "", "", "", "سرپرست", "=1+1", "رضایی", "", "مرد", "1360/1/1", "", code(1)]]
    error = only_error(run(write_xlsx(tmp_path / "f.xlsx", cells)), 2)
    assert (error["column"], error["code"], error["value"]) == ("نام", "formula", "=1+1")


def test_signs_that_are_not_formulas_are_accepted(run, tmp_path):
    rows = [person(national=code(1), mobile="+98 912 123 4567", phone="-", address="-")]
    result = run(write_csv(tmp_path / "f.csv", rows), commit=True)
    assert result.errors == []
    assert Person.objects.get().mobile == "09121234567"


def test_empty_rows_are_skipped_and_counted_not_errors(run, tmp_path):
    path = write_csv(
        tmp_path / "f.csv",
        [person(national=code(1)), {}, {"first_name": "   "}, person("H2", national=code(2))],
    )
    result = run(path)
    assert (result.rows_total, result.rows_empty, result.rows_valid, result.errors) == (2, 2, 2, [])


def test_empty_rows_in_xlsx_keep_the_row_numbers_of_the_sheet(run, tmp_path):
    cells = [[], [], ["H1", "NA", "", "", "", "", "سرپرست", "علی", "رضایی", "", "مرد", "1360/1/1", "", "123"]]
    result = run(write_xlsx(tmp_path / "f.xlsx", cells))
    assert result.rows_empty == 2
    assert only_error(result, 4)["column"] == "کد ملی"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "looks like a PDF document"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40, "looks like an image"),
        ("photo.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, "looks like an image"),
        ("report.pdf", b"%PDF-1.4", "is not a CSV or Excel file"),
        ("data.docx", b"PK\x03\x04rest", "is not a CSV or Excel file"),
        ("broken.xlsx", b"PK\x03\x04 this is no zip at all", "could not be read as XLSX"),
        ("empty.csv", b"", "The file is empty."),
        ("blank.xlsx", b"\xef\xbb\xbf \r\n\r\n", "The file is empty."),
        ("binary.csv", b"abc\x00\x01\x02def" * 20, "looks like a binary file"),
    ],
)
def test_a_wrong_file_type_or_an_empty_file_gives_one_clear_message(run, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = run(path)
    assert result.failed
    from django.utils import translation

    with translation.override("en"):
        assert message in result.file_error.text()
    with translation.override("fa"):
        assert result.file_error.text()
    assert Household.objects.count() == 0


def test_a_word_document_renamed_xlsx_is_not_a_spreadsheet(run, tmp_path):
    import zipfile

    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert run(path).file_error.code == "not_spreadsheet"


def test_an_empty_xlsx_workbook_is_an_empty_file(run, tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [], header=[])
    assert run(path).file_error.code == "empty"


def test_headers_without_rows_is_a_clear_message(run, tmp_path):
    result = run(write_csv(tmp_path / "f.csv", [{}, {}]))
    assert result.failed and result.file_error.code == "no_rows"


def test_missing_required_columns_are_named_in_both_languages(run, tmp_path, world):
    _second_neighbourhood(world)
    path = write_csv(tmp_path / "f.csv", [person()], columns=["household_key", "first_name", "last_name"])
    result = run(path)
    assert result.file_error.code == "missing_columns"
    from django.utils import translation

    with translation.override("en"):
        text = result.file_error.text()
    assert "«کد محله» (neighbourhood code)" in text and "«جنسیت» (sex)" in text


def test_a_column_given_twice_is_refused(run, tmp_path):
    header = [
        "کد خانوار",
        "کد محله",
        "نسبت با سرپرست",
        "نام",
        "نام خانوادگی",
        "جنسیت",
        "National Code",
        "کدملی",
    ]
    path = tmp_path / "f.csv"
    path.write_text(",".join(header) + "\nH1,NA,سرپرست,علی,رضایی,مرد,,\n", encoding="utf-8")
    result = run(path)
    assert result.file_error.code == "duplicate_columns"
    assert result.file_error.params["column"] == "کدملی"


def test_unknown_values_name_the_accepted_ones(run, tmp_path):
    result = run(write_csv(tmp_path / "f.csv", [person(national=code(1), sex="نامعلوم")]))
    error = only_error(result, 2)
    assert (error["column"], error["code"]) == ("جنسیت", "bad_choice")
    # The accepted values as they are typed in this file: it has Persian headers (issue 8.5).
    assert reason(error) == "“نامعلوم” is not an accepted value. Use one of: زن, مرد."
    assert "زن" in reason(error, "fa") and "مرد" in reason(error, "fa")


def test_two_heads_in_one_household(run, tmp_path):
    rows = [person("H1", national=code(1)), person("H1", first="حسن", national=code(2))]
    result = run(write_csv(tmp_path / "f.csv", rows))
    error = only_error(result, 3)
    assert (error["column"], error["code"]) == ("نسبت با سرپرست", "second_head")
    assert reason(error) == "Household “H1” already has a head in row 2."


def test_the_same_person_twice_without_a_national_code(run, tmp_path):
    rows = [person("H1", national=code(1)), person("H1", relation="فرزند", first="زهرا", sex="زن"),
            person("H1", relation="فرزند", first="زهرا", sex="زن")]  # fmt: skip
    result = run(write_csv(tmp_path / "f.csv", rows))
    assert sorted(errors_by_row(result)) == [3, 4]
    assert reason(only_error(result, 3)) == (
        "The same person (name and birth date, no national code) appears more than once in household “H1” "
        "(rows 3, 4)."
    )


def test_a_national_code_with_another_id_type_is_refused(run, tmp_path):
    error = only_error(run(write_csv(tmp_path / "f.csv", [person(national=code(1), id_type="گذرنامه")])), 2)
    assert error["code"] == "code_with_other_id_type"
    assert reason(error) == "A national code is given but the ID type is “passport”. Clear one of the two."


def test_a_foreign_card_without_its_number_is_a_warning_not_an_error(run, tmp_path):
    result = run(write_csv(tmp_path / "f.csv", [person(id_type="کارت آمایش")]))
    assert (result.rows_valid, result.errors) == (1, [])
    assert [w["column"] for w in result.warnings] == ["شماره کارت یا گذرنامه"]


def test_bad_mobile_and_phone(run, tmp_path):
    result = run(write_csv(tmp_path / "f.csv", [person(national=code(1), mobile="0812345", phone="abc")]))
    errors = {e["column"]: e for e in result.errors}
    assert reason(errors["تلفن همراه"]).startswith("An Iranian mobile number has 11 digits")
    assert reason(errors["تلفن ثابت"]).startswith("A phone number may contain only digits")


def test_too_long_values(run, tmp_path):
    error = only_error(run(write_csv(tmp_path / "f.csv", [person(national=code(1), first="ع" * 101)])), 2)
    assert reason(error) == "Too long: at most 100 characters."


def test_errors_are_kept_for_the_page_in_sheet_order_with_every_bad_row(run, tmp_path):
    rows = [person(f"H{i}", national="1234567890" if i % 2 else code(i)) for i in range(30)]
    result = run(write_csv(tmp_path / "f.csv", rows))
    assert [e["row"] for e in result.errors] == list(range(3, 32, 2))
    assert result.error_count == 15


def test_file_type_is_read_from_the_bytes_not_the_name(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("کد خانوار,نام\n", encoding="utf-8")
    assert sniff(path, "data.txt") == "csv"


def test_a_bad_value_is_reported_on_every_row_that_repeats_it_and_a_dash_row_is_not_empty(run, tmp_path):
    rows = [
        person(national=code(1), tenure="قایق", first=" =1+1"),
        person("H2", national=code(2), tenure=" قایق ", first="=1+1"),
        {"household_key": "-", "address": "-"},
    ]
    result = run(write_csv(tmp_path / "f.csv", rows))
    found = sorted((e["row"], e["column"], e["code"], e["value"]) for e in result.errors)
    assert found == [
        (2, "نام", "formula", "=1+1"), (2, "وضعیت مسکن", "bad_choice", "قایق"),
        (3, "نام", "formula", "=1+1"), (3, "وضعیت مسکن", "bad_choice", "قایق"),
        (4, "جنسیت", "required", ""), (4, "نام", "required", ""), (4, "نام خانوادگی", "required", ""),
        (4, "نسبت با سرپرست", "required", ""), (4, "کد خانوار", "required", ""),
    ]  # fmt: skip
    assert (result.rows_total, result.rows_empty) == (3, 0)
