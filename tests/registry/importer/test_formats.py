"""CSV and XLSX as Excel and people really make them: encodings, separators, digits, dates, numbers."""

import datetime

import pytest

from mahalleh.registry.importer.columns import COLUMNS
from mahalleh.registry.models import Household, Person
from tests.registry.importer.conftest import EN, FA, code, person, write_csv, write_xlsx

KEYS = [c.key for c in COLUMNS]


def cells(**values) -> list:
    return [values.get(k, "") for k in KEYS]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1256"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_in_every_encoding_and_separator_excel_writes(run, tmp_path, encoding, delimiter):
    rows = [person(national=code(1), address="کوچه شهید رجایی، پلاک ۱۲"),
            person(relation="همسر", first="فاطمه",
            sex="زن", national=code(2))]  # fmt: skip
    header = None
    if encoding == "cp1256":
        # Windows-1256 has no Persian yeh: Excel writes the Arabic one, which the import folds.
        arabic = str.maketrans("ی۱۲", "ي12")
        rows = [{k: v.translate(arabic) for k, v in r.items()} for r in rows]
        header = [h.translate(arabic) for h in FA]
    path = write_csv(tmp_path / "f.csv", rows, encoding=encoding, delimiter=delimiter, header=header)
    result = run(path, commit=True)
    assert not result.failed, result.file_error and result.file_error.text()
    assert (result.rows_valid, result.errors) == (2, [])
    assert Household.objects.get().address == rows[0]["address"]
    assert set(Person.objects.values_list("first_name", flat=True)) == {rows[0]["first_name"], "فاطمه"}


def test_excel_sep_line_and_arabic_semicolon(run, tmp_path):
    path = tmp_path / "f.csv"
    header = ["کد خانوار", "کد محله", "نسبت با سرپرست", "نام", "نام خانوادگی", "جنسیت", "کد ملی"]
    path.write_text(
        "sep=;\n" + ";".join(header) + f"\nH1;NA;سرپرست;علی;رضایی;مرد;{code(1)}\n", encoding="utf-8"
    )
    result = run(path)
    assert result.rows_valid == 1
    path.write_text("؛".join(header) + f"\nH1؛NA؛سرپرست؛علی؛رضایی؛مرد؛{code(1)}\n", encoding="utf-8")
    assert run(path).rows_valid == 1


def test_english_headers_and_other_spellings_are_accepted(run, tmp_path, world):
    header = ["Household Key", "Neighborhood", "relationship", "First Name", "Surname", "Gender",
              "national_id",
              "DOB", "Mobile Number", "Notes"]  # fmt: skip
    path = tmp_path / "f.csv"
    path.write_text(
        ",".join(header) + f"\nH1,NA,head,Ali,Rezaei,male,{code(1)},2001-02-03,+98 912 123 4567,call back\n",
        encoding="utf-8",
    )
    result = run(path, commit=True)
    assert result.errors == [] and result.ignored_columns == ["Notes"]
    p = Person.objects.get()
    assert (p.first_name, p.sex, p.relation, p.birth_date, p.mobile) == (
        "Ali", "male", "head", datetime.date(2001, 2, 3), "09121234567",
    )  # fmt: skip


def test_template_headers_in_both_languages_round_trip(run, tmp_path):
    for header, name in ((FA, "fa.csv"), (EN, "en.csv")):
        path = write_csv(tmp_path / name, [person(national=code(1))], header=header)
        assert run(path).rows_valid == 1


@pytest.mark.parametrize(
    "spelling",
    [
        "1402/5/3",
        "۱۴۰۲/۰۵/۰۳",
        "1402-05-03",
        "١٤٠٢/٥/٣",
        "1402.05.03",
        "14020503",
        "2023-07-25",
        "۲۰۲۳-۰۷-۲۵",
    ],
)
def test_every_date_spelling_gives_the_same_day(run, tmp_path, spelling):
    run(write_csv(tmp_path / "f.csv", [person(national=code(1), birth=spelling)]), commit=True)
    assert Person.objects.get().birth_date == datetime.date(2023, 7, 25)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("۰۰۱۲۳۴۵۶۷۹", "0012345679"), ("٠٠١٢٣٤٥٦٧٩", "0012345679"), ("001-234567-9", "0012345679"),
     ("12345679", "0012345679")],
)  # fmt: skip
def test_national_codes_in_persian_arabic_or_latin_digits(run, tmp_path, typed, stored):
    result = run(write_csv(tmp_path / "f.csv", [person(national=typed, mobile="۰۹۱۲ ۱۲۳ ۴۵۶۷")]), commit=True)
    assert result.errors == []
    p = Person.objects.get()
    assert (p.national_code, p.mobile) == (stored, "09121234567")


def test_persian_digits_in_household_keys_fold_to_latin(run, tmp_path):
    rows = [
        person("خ-۱۲", national=code(1)),
        person("خ-12", relation="همسر", first="زهرا", sex="زن", national=code(2)),
    ]
    run(write_csv(tmp_path / "f.csv", rows), commit=True)
    assert list(Household.objects.values_list("external_id", flat=True)) == ["خ-12"]


def test_xlsx_numbers_dates_and_booleans(run, tmp_path):
    rows = [
        # national code typed as a number: Excel dropped its leading zeros; mobile as a number too
        cells(household_key=101, neighbourhood="NA", relation="سرپرست", first_name="علی", last_name="رضایی",
              sex="مرد", birth_date=datetime.date(1980, 3, 1), national_code=12345679, mobile=9121234567,
              phone=3432221234),
        cells(household_key=101, relation="فرزند", first_name="زهرا", last_name="رضایی", sex="زن",
              birth_date=datetime.datetime(2014, 9, 1),  # noqa: DTZ001 - an Excel date cell
              national_code=code(3), school_enrolled=True),
        cells(household_key="101", relation="فرزند", first_name="رضا", last_name="رضایی", sex="مرد",
              birth_date="۱۳۹۵/۰۱/۰۱", national_code=code(4), school_enrolled="خیر"),
    ]  # fmt: skip
    result = run(write_xlsx(tmp_path / "f.xlsx", rows), commit=True)
    assert result.format == "xlsx"
    assert result.errors == []
    household = Household.objects.get()
    assert (household.external_id, household.phone) == ("101", "3432221234")
    head = Person.objects.get(relation="head")
    assert (head.national_code, head.mobile, head.birth_date) == (
        "0012345679",
        "09121234567",
        datetime.date(1980, 3, 1),
    )
    zahra = Person.objects.get(first_name="زهرا")
    assert (zahra.birth_date, zahra.school_enrolled) == (datetime.date(2014, 9, 1), True)
    assert Person.objects.get(first_name="رضا").school_enrolled is False


def test_xlsx_and_csv_of_the_same_rows_give_the_same_result(run, tmp_path):
    rows = [person(national=code(1)), person(relation="همسر", first="فاطمه", sex="زن", national="123"),
            person("H2", hood="XX", national=code(3))]  # fmt: skip
    csv_result = run(write_csv(tmp_path / "f.csv", rows))
    xlsx_result = run(write_xlsx(tmp_path / "f.xlsx", [[r.get(k, "") for k in KEYS] for r in rows]))
    assert csv_result.counts() == xlsx_result.counts()
    strip = [{k: e[k] for k in ("row", "column", "value", "code")} for e in csv_result.errors]
    assert strip == [{k: e[k] for k in ("row", "column", "value", "code")} for e in xlsx_result.errors]


def test_persian_value_aliases_and_codes(run, tmp_path):
    rows = [
        person(national=code(1), tenure="رهن و اجاره", income_band="کم", nationality="افغانستانی",
               education="سیکل", employment="خانه دار", disability="ندارد", insurance="تأمین اجتماعی",
               id_type="کد ملی"),
        person(relation="spouse", first="Zahra", sex="F", national=code(2), nationality="afghan",
               education="upper_secondary", employment="self-employed", insurance="relief"),
        person(relation="فرزند", first="احمد", sex="مرد", id_type="کارت آمایش", document_number="A123",
               birth="1385/1/1"),
    ]  # fmt: skip
    result = run(write_csv(tmp_path / "f.csv", rows), commit=True)
    assert result.errors == []
    head = Person.objects.get(relation="head")
    assert (head.nationality, head.education, head.employment, head.disability, head.insurance) == (
        "afghan", "lower_secondary", "homemaker", "none", "social_security",
    )  # fmt: skip
    assert Household.objects.get().tenure == "mortgage" and Household.objects.get().income_band == "low"
    spouse = Person.objects.get(relation="spouse")
    assert (spouse.sex, spouse.education, spouse.employment, spouse.insurance) == (
        "female", "upper_secondary", "self_employed", "relief",
    )  # fmt: skip
    child = Person.objects.get(relation="child")
    assert (child.id_type, child.national_code, child.document_number, child.nationality) == (
        "foreign_id", None, "A123", "unknown",
    )  # fmt: skip


def test_nothing_but_a_card_number_means_a_foreign_card_and_nothing_at_all_means_no_document(run, tmp_path):
    rows = [person(document_number="X-99"), person("H2", first="حسین")]
    run(write_csv(tmp_path / "f.csv", rows), commit=True)
    assert dict(Person.objects.values_list("first_name", "id_type")) == {"علی": "foreign_id", "حسین": "none"}


def test_text_is_cleaned_as_the_forms_do(run, tmp_path):
    run(
        write_csv(
            tmp_path / "f.csv", [person(national=code(1), first="  محمد\u200f  رضا ", last="رضا\u200cیی")]
        ),
        commit=True,
    )
    p = Person.objects.get()
    assert (p.first_name, p.last_name) == ("محمد رضا", "رضا\u200cیی")


@pytest.fixture
def streaming(monkeypatch):
    """Read every XLSX with the bounded-memory streaming reader (normally only for very large sheets)."""
    from mahalleh.registry.importer import readers

    monkeypatch.setattr(readers, "STREAM_ABOVE_BYTES", -1)


def test_large_xlsx_files_are_streamed_with_the_same_result(run, tmp_path, streaming):
    from mahalleh.registry.importer import readers

    rows = [
        cells(household_key=101, neighbourhood="NA", relation="سرپرست", first_name="علی", last_name="رضایی",
              sex="مرد", birth_date=datetime.date(1980, 3, 1), national_code=12345679, mobile=9121234567,
              father_name="حسن & حسین <x>"),
        [],
        cells(household_key="101", relation="فرزند", first_name="زهرا", last_name="رضایی", sex="زن",
              birth_date="۱۳۹۵/۰۱/۰۱", national_code=code(4), school_enrolled=True),
        cells(household_key="102", neighbourhood="NA", relation="سرپرست", first_name="=1+1", last_name="x",
              sex="مرد", national_code="123"),
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    assert isinstance(readers.open_rows(path, "xlsx"), readers.StreamingXlsxRows)
    result = run(path, commit=True)
    assert (result.rows_total, result.rows_empty, result.rows_valid) == (3, 1, 2)
    assert sorted((e["row"], e["column"], e["code"]) for e in result.errors) == [
        (5, "نام", "formula"), (5, "کد ملی", "national_code.length"),
    ]  # fmt: skip
    head = Person.objects.get(relation="head")
    assert (head.national_code, head.mobile, head.birth_date, head.father_name) == (
        "0012345679", "09121234567", datetime.date(1980, 3, 1), "حسن & حسین <x>",
    )  # fmt: skip
    assert Person.objects.get(first_name="زهرا").birth_date == datetime.date(2016, 3, 20)


def test_a_broken_large_xlsx_is_unreadable_not_a_crash(run, tmp_path, streaming):
    import zipfile

    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='a'/></sheets></workbook>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row r='1'><c r='A1'")
    result = run(path)
    assert result.failed and result.file_error.code == "unreadable"


def _shared_strings_by_etree(path):
    import array
    import io

    from mahalleh.registry.importer.readers import StreamingXlsxRows

    reader = StreamingXlsxRows(path)
    reader._strings, reader._offsets = io.StringIO(), array.array("q", [0])
    if "xl/sharedStrings.xml" in reader._zip.namelist():
        reader._load_shared_strings_etree()
    return reader._strings.getvalue(), list(reader._offsets)


def _tricky_rows(sheet, book) -> None:
    """Cells of every kind a spreadsheet writer produces, in one sheet."""
    bold, date = book.add_format({"bold": True}), book.add_format({"num_format": "yyyy/mm/dd"})
    sheet.write_row(0, 0, ["کد خانوار", "نام", "عدد", "تاریخ", "بله", "فرمول"])
    sheet.write_row(1, 0, ["H1", "  علی  ", 12345679, 0.5, True])
    sheet.write_datetime(1, 3, datetime.datetime(1980, 3, 1), date)  # noqa: DTZ001 - an Excel date cell
    sheet.write_formula(1, 5, "=1+1", None, 2)
    sheet.write_row(2, 0, ["H&2", "a < b > c \"d\" 'e'", "x\ny", "\u200cزهرا\u200f"])
    sheet.write_rich_string(3, 1, "نام ", bold, "پررنگ", " پایان")
    sheet.write_formula(3, 2, '="x"&"y"', None, "xy")
    sheet.write_blank(3, 3, None, bold)
    sheet.write_string(3, 27, "AB column")
    sheet.set_row(6, 30)
    sheet.write_row(6, 0, ["H7", "", None, "end"])
    sheet.set_row(7, None, None, {"hidden": True})
    sheet.write(9, 1, False)


@pytest.mark.parametrize("options", [{}, {"constant_memory": True}], ids=["shared strings", "inline strings"])
def test_the_fast_xlsx_reader_reads_what_the_xml_parser_reads(tmp_path, options):
    import xlsxwriter

    from mahalleh.registry.importer.readers import StreamingXlsxRows

    path = str(tmp_path / "t.xlsx")
    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False, **options})
    _tricky_rows(book.add_worksheet("s"), book)
    book.close()
    fast, general = StreamingXlsxRows(path), StreamingXlsxRows(path)
    rows = list(fast)
    assert rows == list(general._iter_etree())
    assert _shared_strings_by_etree(path) == (fast._shared, list(fast._offsets))
    assert rows[1] == (2, ["H1", "  علی  ", 12345679.0, datetime.date(1980, 3, 1), True, 2.0])
    assert rows[2][1][:2] == ["H&2", "a < b > c \"d\" 'e'"]
    assert rows[3][1][1:3] == ["نام پررنگ پایان", "xy"] and rows[3][1][27] == "AB column"
    assert [number for number, cells in rows] == list(range(1, 11))


def test_the_fast_xlsx_reader_reads_openpyxl_and_prefixed_sheets(tmp_path):
    import zipfile

    import openpyxl

    from mahalleh.registry.importer.readers import StreamingXlsxRows

    path = tmp_path / "o.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["کد خانوار", "نام", "عدد", "تاریخ"])
    sheet.append(["H1", "a & b", 0.25, datetime.date(2001, 2, 3)])
    sheet.append([])
    sheet.append([None, "c", True])
    book.save(path)
    rows = list(StreamingXlsxRows(path))
    assert rows == list(StreamingXlsxRows(path)._iter_etree())
    assert rows[1][1][:3] == ["H1", "a & b", 0.25] and rows[3][1][1:] == ["c", True]

    # Elements with a prefix (as some .NET tools write them), Excel's row attributes and a comment.
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts["xl/worksheets/sheet1.xml"] = (
        f'<x:worksheet xmlns:x="{main}"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr">'
        '<x:is><x:t>a</x:t></x:is></x:c></x:row><x:row r="3"><x:c r="B3"><x:v>7</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ).encode()
    prefixed = tmp_path / "p.xlsx"
    with zipfile.ZipFile(prefixed, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert list(StreamingXlsxRows(prefixed)) == [(1, ["a"]), (2, []), (3, ["", 7.0])]
    ns = 'xmlns="{main}" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
    parts["xl/worksheets/sheet1.xml"] = (
        f'<worksheet {ns.format(main=main)}><sheetData>\r\n<row r="1" spans="1:2" x14ac:dyDescent="0.25">'
        '<c r="A1" t="inlineStr"><is><t>a\r\nb</t></is></c><c r="B1" t="str"><f>A1</f><v>a</v></c></row>'
        '<!-- a comment --><row r="2"/><row r="4" x14ac:dyDescent="0.25"><c r="A4" s="0"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    with zipfile.ZipFile(prefixed, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    rows = list(StreamingXlsxRows(prefixed))
    assert rows == list(StreamingXlsxRows(prefixed)._iter_etree())
    assert rows == [(1, ["a\nb", "a"]), (2, []), (3, []), (4, [1.0])]

    # Shared strings as Excel writes them for Japanese (phonetic runs), with rich text, entities,
    # pretty-printing and an empty string at the end.
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0"?>\r\n<sst xmlns="{main}" count="6"><si><t>plain</t></si>'
        '<si><t xml:space="preserve"> kept </t></si>\n  '
        "<si><r><t>ri</t></r><r><rPr><b/></rPr><t>ch</t></r></si>"
        '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si><si><t>a &amp; b</t></si><si/></sst>'
    ).encode()
    parts["xl/worksheets/sheet1.xml"] = (
        f'<worksheet xmlns="{main}"><sheetData><row r="1">'
        + "".join(f'<c r="{letter}1" t="s"><v>{i}</v></c>' for i, letter in enumerate("ABCDEF"))
        + "</row></sheetData></worksheet>"
    ).encode()
    with zipfile.ZipFile(prefixed, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    reader = StreamingXlsxRows(prefixed)
    assert _shared_strings_by_etree(prefixed) == (reader._shared, list(reader._offsets))
    assert list(reader) == [(1, ["plain", " kept ", "rich", "漢字", "a & b", ""])]


def test_the_parser_reads_usual_jalali_dates_as_core_jalali_does():
    from django.core.exceptions import ValidationError

    from mahalleh.core.jalali import days_in_month, parse_date
    from mahalleh.registry.importer.validate import _plain_jalali

    years = (1300, 1309, 1350, 1399, 1403, 1404, 1499, 1600)  # leap and common years
    read = 0
    for year in years:
        for month in range(0, 14):
            for day in range(0, 33):
                for text in (f"{year}/{month}/{day}", f"{year}/{month:02d}/{day:02d}"):
                    fast = _plain_jalali(text)
                    if fast is None:  # left to parse_date
                        continue
                    read += 1
                    try:
                        assert fast == parse_date(text), text
                    except ValidationError:
                        pytest.fail(f"{text} is no date, but read as {fast}")
    # Every real day, in both spellings, is read by the fast path.
    assert read == 2 * sum(days_in_month(y, m) for y in years for m in range(1, 13))
