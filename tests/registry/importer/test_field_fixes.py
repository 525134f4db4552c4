"""Issue 8.5, as a facilitator met it: a refugee card not at hand, an office with one neighbourhood,
`national` as an ID type, values listed in the file's language, and a progress bar that moves."""

import pytest
from django.urls import reverse

from mahalleh.geo.models import Neighbourhood
from mahalleh.registry.importer.pipeline import run_import
from mahalleh.registry.models import Person
from tests.conftest import square
from tests.registry.importer.conftest import code, only_error, person, reason, write_csv

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- refugee card without its number


def test_a_refugee_card_without_its_number_is_imported_with_a_warning(run, tmp_path):
    rows = [person(national=code(1)), person(relation="همسر", first="گل", sex="زن", id_type="کارت آمایش")]
    result = run(write_csv(tmp_path / "f.csv", rows), commit=True)
    assert (result.rows_valid, result.rows_invalid, result.errors) == (2, 0, [])
    assert [(w["row"], w["column"], w["code"]) for w in result.warnings] == [
        (3, "شماره کارت یا گذرنامه", "document_missing")
    ]
    assert "Imported" in reason(result.warnings[0]) and "card" in reason(result.warnings[0])
    gol = Person.objects.get(first_name="گل")
    assert (gol.id_type, gol.document_number) == (Person.IdType.FOREIGN_ID, "")


def test_the_person_page_shows_the_missing_card_number_as_something_to_complete(run, tmp_path, login, world):
    rows = [person(id_type="کارت آمایش", nationality="افغانستانی")]
    run(write_csv(tmp_path / "f.csv", rows), commit=True)
    resident = Person.objects.get()
    client = login(world.facilitator_a)
    html = client.get(reverse("registry:person_detail", args=[resident.pk])).content.decode()
    assert 'data-testid="to-complete"' in html
    assert "شمارهٔ کارت" in html
    assert reverse("registry:person_edit", args=[resident.pk]) in html


def test_the_job_page_lists_the_warnings(login, world, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(world.facilitator_a)
    client.cookies["mahalleh_language"] = "en"
    content = write_csv(tmp_path / "f.csv", [person(id_type="کارت آمایش")]).read_bytes()
    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile("f.csv", content)})
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-warnings"' in html and 'data-code="document_missing"' in html
    assert 'data-count="rows_valid">1<' in html


# --------------------------------------------------------------------------- neighbourhood default


def test_an_office_with_one_neighbourhood_needs_no_neighbourhood_column(run, tmp_path, world):
    columns = ["household_key", "relation", "first_name", "last_name", "sex", "national_code"]
    result = run(write_csv(tmp_path / "f.csv", [person(national=code(1))], columns=columns), commit=True)
    assert not result.failed, result.file_error and result.file_error.text()
    assert result.rows_valid == 1
    assert Person.objects.get().household.neighbourhood == world.hood_a


def test_an_empty_neighbourhood_cell_takes_the_office_neighbourhood(run, tmp_path, world):
    result = run(write_csv(tmp_path / "f.csv", [person(national=code(1), hood="")]), commit=True)
    assert (result.rows_valid, result.errors) == (1, [])
    assert Person.objects.get().household.neighbourhood == world.hood_a


def test_an_office_with_two_neighbourhoods_still_needs_the_column(run, tmp_path, world):
    Neighbourhood.objects.create(
        county=world.county_a,
        code="NA2",
        name_fa="محله الف ۲",
        office=world.office_a,
        boundary=square(57.1, 30.3),
    )
    columns = ["household_key", "relation", "first_name", "last_name", "sex", "national_code"]
    result = run(write_csv(tmp_path / "f.csv", [person(national=code(1))], columns=columns))
    assert result.failed and result.file_error.code == "missing_columns"
    assert "neighbourhood" in result.file_error.text()


# --------------------------------------------------------------------------- ID type spellings


def test_national_is_accepted_as_an_id_type(run, tmp_path):
    result = run(write_csv(tmp_path / "f.csv", [person(national=code(1), id_type="national")]))
    assert (result.rows_valid, result.errors) == (1, [])


def test_a_bad_id_type_lists_the_accepted_values_in_the_language_of_the_file(run, tmp_path):
    from tests.registry.importer.conftest import EN

    persian_file = run(write_csv(tmp_path / "fa.csv", [person(national=code(1), id_type="ملیی")]))
    error = only_error(persian_file, 2)
    assert error["code"] == "bad_choice"
    for spelling in ("کد ملی", "کارت آمایش", "گذرنامه", "بدون مدرک"):
        assert spelling in reason(error, "en") and spelling in reason(error, "fa")

    english_file = run(
        write_csv(tmp_path / "en.csv", [person(national=code(1), id_type="nationl")], header=EN)
    )
    error = only_error(english_file, 2)
    for spelling in ("national_code", "foreign_id", "passport", "none"):
        assert spelling in reason(error, "en") and spelling in reason(error, "fa")


# --------------------------------------------------------------------------- progress


def test_the_check_reports_progress_while_it_reads_not_only_at_the_end(world, tmp_path):
    rows = [person(f"H{i}", national=code(i)) for i in range(1, 1201)]
    seen = []
    run_import(
        path=write_csv(tmp_path / "big.csv", rows),
        name="big.csv",
        office=world.office_a,
        user=world.facilitator_a,
        progress=seen.append,
    )
    reading = sorted({round(f, 3) for f in seen if 0 < f < 0.8})
    assert len(reading) >= 3, seen


def test_the_percentage_is_written_beside_the_bar_so_zero_is_visible_too(login, world, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mahalleh.registry.models import ImportJob

    client = login(world.facilitator_a)
    content = write_csv(tmp_path / "f.csv", [person(national=code(1))]).read_bytes()
    client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile("f.csv", content)})
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="validating", progress=0)
    html = client.get(reverse("registry:import_job_status", args=[job.pk])).content.decode()
    assert 'data-testid="import-percent"' in html
    assert "۰٪" in html.split('data-testid="import-percent"')[1].split("</")[0]
