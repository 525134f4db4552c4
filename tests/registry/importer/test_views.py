"""The browser flow: upload → live progress → dry-run report → commit → done; scoped to the office."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from mahalleh.registry.importer.columns import COLUMNS
from mahalleh.registry.models import Household, ImportJob, Person
from tests.registry.importer.conftest import code, person, write_csv


def upload(client, tmp_path, rows, name="people.csv"):
    content = write_csv(tmp_path / name, rows).read_bytes()
    return client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile(name, content)})


def in_english(client):
    client.cookies["mahalleh_language"] = "en"
    return client


def test_the_upload_page_offers_the_templates(login, world):
    client = login(world.facilitator_a)
    page = client.get(reverse("registry:import_upload"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="import-templates"' in html
    assert reverse("registry:import_template", args=["xlsx"]) in html
    assert reverse("registry:import_template", args=["csv"]) + "?headers=en" in html


@pytest.mark.parametrize("who", ["pr_a", "analyst", "partner_user", "admin", "coordinator"])
def test_only_roles_that_edit_the_registry_reach_the_import(login, world, who):
    client = login(getattr(world, who))
    assert client.get(reverse("registry:import_upload")).status_code == 404
    assert client.get(reverse("registry:import_template", args=["xlsx"])).status_code == 404


def test_anonymous_users_are_sent_to_the_login(client, db):
    response = client.get(reverse("registry:import_upload"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_xlsx_template_has_persian_headers_and_a_help_sheet_with_both_header_sets(login, world):
    response = login(world.facilitator_a).get(reverse("registry:import_template", args=["xlsx"]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert len(book.sheet_names) == 2
    data = list(book.get_sheet_by_index(0).iter_rows())
    assert data[0] == [c.fa for c in COLUMNS]
    guide = list(book.get_sheet_by_index(1).iter_rows())
    documented = {(row[0], row[1]) for row in guide}
    assert all((c.fa, c.en) in documented for c in COLUMNS)
    sex_row = next(row for row in guide if row[0] == "جنسیت")
    assert "زن" in sex_row[4] and "female" in sex_row[5]


def test_the_english_and_csv_templates(login, world):
    client = login(world.facilitator_a)
    english = client.get(reverse("registry:import_template", args=["xlsx"]) + "?headers=en")
    rows = list(CalamineWorkbook.from_filelike(io.BytesIO(english.content)).get_sheet_by_index(0).iter_rows())
    assert rows[0] == [c.en for c in COLUMNS]
    csv = client.get(reverse("registry:import_template", args=["csv"]))
    assert csv.content.startswith("\ufeff".encode()) and csv.content.decode("utf-8-sig").startswith(
        "کد خانوار,کد محله"
    )
    assert (
        client.get(reverse("registry:import_template", args=["csv"]) + "?headers=en")
        .content.decode("utf-8-sig")
        .startswith("household key,neighbourhood code")
    )


def test_the_template_imports_as_is_once_filled(login, world, run, tmp_path):
    from tests.registry.importer.conftest import write_xlsx

    response = login(world.facilitator_a).get(reverse("registry:import_template", args=["xlsx"]))
    header = list(
        CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).iter_rows()
    )[0]
    values = {"household_key": "H1", "neighbourhood": "NA", "relation": "سرپرست", "first_name": "علی",
              "last_name": "رضایی", "sex": "مرد", "national_code": code(1)}  # fmt: skip
    path = write_xlsx(tmp_path / "filled.xlsx", [[values.get(c.key, "") for c in COLUMNS]], header=header)
    assert run(path).rows_valid == 1


def test_upload_check_and_commit_in_the_browser(login, world, tmp_path):
    client = in_english(login(world.facilitator_a))
    rows = [person(national=code(1)), person(relation="همسر", first="فاطمه", sex="زن", national="123"),
            person("H2", national=code(3)), {}]  # fmt: skip
    response = upload(client, tmp_path, rows)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:import_job", args=[job.pk]
    )
    assert (job.status, job.office, job.uploaded_by, job.file_format) == (
        "validated",
        world.office_a,
        world.facilitator_a,
        "csv",
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'data-testid="import-errors"' in html
    assert "A national code must have 10 digits (3 were entered)." in html
    assert 'data-row="3"' in html and 'data-testid="import-preview"' in html
    assert 'data-testid="import-commit"' in html
    assert reverse("registry:import_report", args=[job.pk]) in html
    assert not Household.objects.exists()  # nothing saved by the dry run

    report = client.get(reverse("registry:import_report", args=[job.pk]))
    assert report.status_code == 200
    sheet = list(
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content)))
        .get_sheet_by_index(0)
        .iter_rows()
    )
    assert sheet[1][:3] == [3.0, "کد ملی", "123"]

    done = client.post(reverse("registry:import_commit", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == "committed" and (job.households_created, job.persons_created) == (2, 2)
    html = done.content.decode()
    assert 'data-testid="import-done"' in html and 'data-testid="import-commit"' not in html
    assert (Household.objects.count(), Person.objects.count()) == (2, 2)
    # A second click does not save twice.
    client.post(reverse("registry:import_commit", args=[job.pk]))
    assert Person.objects.count() == 2


def test_the_job_page_polls_with_a_progress_bar_while_running(login, world, tmp_path):
    client = login(world.facilitator_a)
    upload(client, tmp_path, [person(national=code(1))])
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="validating", progress=42)
    status_url = reverse("registry:import_job_status", args=[job.pk])
    html = client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert f'hx-get="{status_url}"' in html and 'hx-trigger="every 1s"' in html
    # The width comes from data-width through app.js: the CSP allows no style attribute.
    assert 'aria-valuenow="42"' in html and 'data-width="42"' in html
    ImportJob.objects.filter(pk=job.pk).update(status="validated", progress=100)
    partial = client.get(status_url).content.decode()
    assert "hx-trigger" not in partial and 'data-status="validated"' in partial


def test_a_wrong_file_is_refused_at_the_upload_with_one_message(login, world):
    client = in_english(login(world.facilitator_a))
    response = client.post(
        reverse("registry:import_upload"),
        {"file": SimpleUploadedFile("scan.xlsx", b"%PDF-1.5 not a workbook")},
    )
    assert response.status_code == 400
    assert "is not a spreadsheet (it looks like a PDF document)" in response.content.decode()
    assert not ImportJob.objects.exists()
    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile("empty.csv", b"")})
    assert response.status_code == 400


def test_a_file_with_bad_columns_fails_with_one_message(login, world, tmp_path):
    client = in_english(login(world.facilitator_a))
    path = tmp_path / "x.csv"
    path.write_text("name,age\nAli,3\n", encoding="utf-8")
    client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile("x.csv", path.read_bytes())})
    job = ImportJob.objects.get()
    assert job.status == "failed"
    html = client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert 'data-testid="import-failed"' in html and "The heading row has no column for" in html


def test_no_commit_button_without_valid_rows(login, world, tmp_path):
    client = login(world.facilitator_a)
    upload(client, tmp_path, [person(national="123")])
    job = ImportJob.objects.get()
    assert (
        'data-testid="import-commit"'
        not in client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    )
    client.post(reverse("registry:import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "validated" and not Person.objects.exists()


def test_the_facilitator_of_office_b_cannot_reach_office_a_imports(login, world, tmp_path):
    upload(login(world.facilitator_a), tmp_path, [person(national=code(1))])
    job = ImportJob.objects.get()
    client = login(world.facilitator_b)
    for name in ("import_job", "import_job_status", "import_report"):
        assert client.get(reverse(f"registry:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("registry:import_commit", args=[job.pk])).status_code == 404
    assert ImportJob.objects.get().status == "validated" and not Person.objects.exists()
    assert (
        reverse("registry:import_job", args=[job.pk])
        not in client.get(reverse("registry:import_upload")).content.decode()
    )


def test_the_manager_of_the_office_sees_and_commits_a_facilitators_import(login, world, tmp_path):
    upload(login(world.facilitator_a), tmp_path, [person(national=code(1))])
    job = ImportJob.objects.get()
    client = login(world.manager_a)
    assert client.get(reverse("registry:import_job", args=[job.pk])).status_code == 200
    client.post(reverse("registry:import_commit", args=[job.pk]))
    assert Person.objects.count() == 1


def test_the_page_speaks_persian_by_default(login, world, tmp_path):
    client = login(world.facilitator_a)
    upload(client, tmp_path, [person(national="123")])
    html = client.get(reverse("registry:import_job", args=[ImportJob.objects.get().pk])).content.decode()
    assert "A national code must have 10 digits" not in html
    assert "۳" in html  # the digit count, in Persian digits
