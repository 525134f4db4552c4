"""Issue 8.5, the other half: on upload (page, API, terminal) the user chooses one of the office's
neighbourhoods for the households whose rows name none; the file's neighbourhood column is then
optional. The choice is the job's, so the dry run and the commit agree."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from mahalleh.geo.models import Neighbourhood
from mahalleh.registry.models import Household, ImportJob, Person
from tests.conftest import square
from tests.registry.importer import test_api
from tests.registry.importer.conftest import code, errors_by_row, person, reason, write_csv
from tests.registry.importer.test_api import csv_upload

# The schema-checked API client of the import API tests (every JSON answer checked against OpenAPI).
openapi, checked = test_api.openapi, test_api.checked

pytestmark = pytest.mark.django_db

NO_HOOD = ["household_key", "relation", "first_name", "last_name", "sex", "birth_date", "national_code"]
NOT_YOURS_FA = "این محله از محله‌های دفتر شما نیست. یکی از محله‌های فهرست را انتخاب کنید."
NOT_YOURS_EN = "This neighbourhood is not one of your office's neighbourhoods. Choose one from the list."


@pytest.fixture
def second(world):
    """Office A serves two neighbourhoods: NA (world.hood_a) and NA2."""
    return Neighbourhood.objects.create(
        county=world.county_a, code="NA2", name_fa="محله الف دو", name_en="Hood A two",
        office=world.office_a, boundary=square(57.1, 30.3),
    )  # fmt: skip


def family(key="H1", *, hood="", n=1):
    return [
        person(key, hood=hood, national=code(n)),
        person(key, hood="", relation="همسر", first="فاطمه", sex="زن", national=code(n + 1)),
    ]


def upload(client, tmp_path, rows, *, columns=None, choose=None, name="people.csv"):
    content = write_csv(tmp_path / name, rows, columns=columns).read_bytes()
    data = {"file": SimpleUploadedFile(name, content)}
    if choose is not None:
        data["default_neighbourhood"] = choose
    return client.post(reverse("registry:import_upload"), data)


def in_english(client):
    client.cookies["mahalleh_language"] = "en"
    return client


# --------------------------------------------------------------------------- the upload page


def test_a_multi_neighbourhood_office_imports_a_file_without_the_column_after_choosing_one(
    login, world, second, tmp_path
):
    client = login(world.facilitator_a)
    rows = family("H1", n=1) + family("H2", n=3)
    response = upload(client, tmp_path, rows, columns=NO_HOOD, choose=second.pk)
    job = ImportJob.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert job.default_neighbourhood == second
    # The dry run: every row valid, every household shown in NA2, nothing written.
    assert (job.status, job.rows_valid, job.rows_invalid, job.errors) == ("validated", 4, 0, [])
    assert {row["neighbourhood"] for row in job.preview["rows"]} == {"NA2"}
    dry_run = (job.households_created, job.persons_created)
    assert not Household.objects.exists()

    client.post(reverse("registry:import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "committed"
    assert (job.households_created, job.persons_created) == dry_run == (2, 4)
    assert set(Household.objects.values_list("neighbourhood__code", flat=True)) == {"NA2"}
    assert set(Person.objects.values_list("neighbourhood__code", flat=True)) == {"NA2"}


def test_without_a_choice_the_two_neighbourhood_office_still_needs_the_column(login, world, second, tmp_path):
    client = in_english(login(world.facilitator_a))
    upload(client, tmp_path, family(), columns=NO_HOOD)
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.default_neighbourhood is None
    assert "The heading row has no column for" in job.message and "neighbourhood" in job.message


def test_the_form_lists_only_the_offices_target_neighbourhoods(login, world, second):
    html = login(world.facilitator_a).get(reverse("registry:import_upload")).content.decode()
    assert 'name="default_neighbourhood"' in html
    assert f'<option value="{world.hood_a.pk}">' in html and f'<option value="{second.pk}">' in html
    for other in (world.hood_b, world.hood_f, world.hood_a_comparison):
        assert f'value="{other.pk}"' not in html
    select = html.split('name="default_neighbourhood"')[1].split("</select>")[0]
    assert '<option value="" selected>' in select  # two neighbourhoods: nothing chosen for the user
    assert "محله الف دو (NA2)" in select


def test_an_office_with_one_neighbourhood_has_it_preselected(login, world):
    html = login(world.facilitator_a).get(reverse("registry:import_upload")).content.decode()
    select = html.split('name="default_neighbourhood"')[1].split("</select>")[0]
    assert f'<option value="{world.hood_a.pk}" selected>' in select


@pytest.mark.parametrize(("language", "message"), [("fa", NOT_YOURS_FA), ("en", NOT_YOURS_EN)])
def test_another_offices_neighbourhood_is_refused_at_the_field(
    login, world, second, tmp_path, language, message
):
    client = login(world.facilitator_a)
    client.cookies["mahalleh_language"] = language
    response = upload(client, tmp_path, family(), columns=NO_HOOD, choose=world.hood_b.pk)
    assert response.status_code == 400
    html = response.content.decode()
    (select,) = re.findall(r'<select[^>]*name="default_neighbourhood"[^>]*>', html)
    assert "is-invalid" in select
    assert escape(message) in html
    assert not ImportJob.objects.exists() and not Household.objects.exists()


def test_the_service_refuses_another_offices_neighbourhood_too(world, second, tmp_path):
    from django.core.exceptions import ValidationError

    from mahalleh.registry.importer.jobs import import_job_start

    content = write_csv(tmp_path / "f.csv", family(), columns=NO_HOOD).read_bytes()
    for bad in (world.hood_b, world.hood_a_comparison.pk, 2**70, "x"):
        with pytest.raises(ValidationError) as refused:
            import_job_start(
                actor=world.facilitator_a,
                upload=SimpleUploadedFile("f.csv", content),
                language="en",
                default_neighbourhood=bad,
            )
        assert refused.value.message_dict == {"default_neighbourhood": [NOT_YOURS_EN]}
    assert not ImportJob.objects.exists()


def test_the_job_page_says_where_rows_without_a_neighbourhood_go(login, world, second, tmp_path):
    client = login(world.facilitator_a)
    response = upload(client, tmp_path, family(), columns=NO_HOOD, choose=second.pk)
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-default-neighbourhood"' in html
    assert "ردیف‌های بی‌محله به این محله می‌روند:" in html and "محله الف دو" in html
    english = in_english(client).get(response["Location"]).content.decode()
    assert "Rows without a neighbourhood go to:" in english and "Hood A two" in english


def test_the_job_page_says_nothing_when_every_row_must_name_its_neighbourhood(login, world, second, tmp_path):
    client = login(world.facilitator_a)
    response = upload(client, tmp_path, family(hood="NA2"))
    assert ImportJob.objects.get().rows_valid == 2
    assert (
        'data-testid="import-default-neighbourhood"' not in client.get(response["Location"]).content.decode()
    )


# --------------------------------------------------------------------------- rows that name one keep theirs


def test_a_file_mixing_empty_and_filled_neighbourhood_cells(run, world, second, tmp_path):
    rows = [
        *family("H1", hood="", n=1),  # no neighbourhood anywhere: the chosen one
        *family("H2", hood="NA", n=3),  # the head names NA, the spouse's cell is empty: NA for both
        person("H3", hood="NA2", national=code(5)),  # names the chosen one itself
        person("H4", hood="محله الف", national=code(6)),  # NA by its name
    ]
    path = write_csv(tmp_path / "f.csv", rows)
    dry = run(path, default_neighbourhood=second.pk)
    assert (dry.rows_valid, dry.errors) == (6, [])
    assert [(r["household_key"], r["neighbourhood"]) for r in dry.preview] == [
        ("H1", "NA2"), ("H1", "NA2"), ("H2", "NA"), ("H2", "NA"), ("H3", "NA2"), ("H4", "NA"),
    ]  # fmt: skip
    done = run(path, commit=True, default_neighbourhood=second.pk)
    assert done.counts() == dry.counts()
    placed = dict(Household.objects.values_list("external_id", "neighbourhood__code"))
    assert placed == {"H1": "NA2", "H2": "NA", "H3": "NA2", "H4": "NA"}
    spouse = Person.objects.get(national_code=code(4))
    assert spouse.household.external_id == "H2" and spouse.neighbourhood == world.hood_a


def test_a_household_with_a_bad_neighbourhood_cell_is_not_moved_to_the_chosen_one(
    run, world, second, tmp_path
):
    rows = [person("H1", hood="NB", national=code(1)),  # office B's: refused
            person("H1", hood="", relation="همسر", first="فاطمه", sex="زن", national=code(2)),
            person("H2", hood="", national=code(3))]  # fmt: skip
    result = run(write_csv(tmp_path / "f.csv", rows), commit=True, default_neighbourhood=second.pk)
    errors = errors_by_row(result)
    assert [e["code"] for e in errors[2]] == ["neighbourhood_not_yours"]
    assert [e["code"] for e in errors[3]] == ["household_no_neighbourhood"]
    assert reason(errors[3][0]) == "No row of household “H1” gives a valid neighbourhood code."
    assert list(Household.objects.values_list("external_id", "neighbourhood__code")) == [("H2", "NA2")]


def test_a_choice_no_longer_the_offices_fails_the_file_and_writes_nothing(run, world, second, tmp_path):
    Neighbourhood.objects.filter(pk=second.pk).update(office=world.office_b)
    result = run(write_csv(tmp_path / "f.csv", family(), columns=NO_HOOD), commit=True,
                 default_neighbourhood=second.pk)  # fmt: skip
    assert result.failed and result.file_error.code == "default_neighbourhood_not_yours"
    assert "NA2" in result.file_error.text() and not Household.objects.exists()


def test_the_commit_uses_the_jobs_choice(login, world, second, tmp_path):
    """The choice is read from the job at commit time, not from the form again."""
    client = login(world.facilitator_a)
    upload(client, tmp_path, family(), columns=NO_HOOD, choose=second.pk)
    job = ImportJob.objects.get()
    client.post(reverse("registry:import_commit", args=[job.pk]), {"default_neighbourhood": world.hood_a.pk})
    job.refresh_from_db()
    assert job.status == "committed" and job.default_neighbourhood == second
    assert Household.objects.get().neighbourhood == second


# --------------------------------------------------------------------------- API


def test_the_api_takes_the_choice_and_reports_it(checked, world, second, tmp_path):
    client = checked(world.facilitator_a)
    upload_file = SimpleUploadedFile(
        "f.csv",
        write_csv(tmp_path / "f.csv", family(), columns=NO_HOOD).read_bytes(),
        content_type="text/csv",
    )
    started = client.post(
        "/api/v1/imports/", {"file": upload_file, "default_neighbourhood": second.pk}, format="multipart"
    )
    assert started.status_code == 202
    job_id = started.json()["id"]
    detail = client.get(f"/api/v1/imports/{job_id}/").json()
    assert (detail["status"], detail["rows_valid"], detail["default_neighbourhood"]) == (
        "validated",
        2,
        second.pk,
    )
    assert {row["neighbourhood"] for row in detail["preview"]} == {"NA2"}
    assert client.post(f"/api/v1/imports/{job_id}/commit/").status_code == 202
    assert set(Person.objects.values_list("neighbourhood", flat=True)) == {second.pk}


@pytest.mark.parametrize(("language", "message"), [("fa", NOT_YOURS_FA), ("en", NOT_YOURS_EN)])
def test_the_api_refuses_another_offices_neighbourhood_at_the_field(
    checked, world, second, tmp_path, language, message
):
    client = checked(world.facilitator_a)
    response = client.post(
        "/api/v1/imports/",
        {"file": csv_upload(tmp_path, family()), "default_neighbourhood": world.hood_b.pk},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert response.json() == {"default_neighbourhood": [message]}
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "0"])
def test_the_api_answers_a_bad_neighbourhood_id_with_a_400_at_the_field(checked, world, tmp_path, value):
    response = checked(world.facilitator_a).post(
        "/api/v1/imports/",
        {"file": csv_upload(tmp_path, family()), "default_neighbourhood": value},
        format="multipart",
    )
    assert response.status_code == 400 and list(response.json()) == ["default_neighbourhood"]
    assert not ImportJob.objects.exists()


def test_an_api_upload_without_a_choice_in_a_one_neighbourhood_office_records_that_one(
    checked, world, tmp_path
):
    client = checked(world.facilitator_a)
    content = write_csv(tmp_path / "f.csv", family(), columns=NO_HOOD).read_bytes()
    started = client.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile("f.csv", content)}, format="multipart"
    )
    detail = client.get(f"/api/v1/imports/{started.json()['id']}/").json()
    assert (detail["rows_valid"], detail["default_neighbourhood"]) == (2, world.hood_a.pk)


# --------------------------------------------------------------------------- terminal


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue()


def test_the_command_takes_a_neighbourhood_code(world, second, tmp_path):
    path = write_csv(tmp_path / "f.csv", family(), columns=NO_HOOD)
    run_command(path, "--office", "OA", "--neighbourhood", "NA2", "--commit", "--user", "facilitator_a",
                "--no-progress", "--language", "en")  # fmt: skip
    assert set(Person.objects.values_list("neighbourhood__code", flat=True)) == {"NA2"}


def test_the_command_refuses_another_offices_neighbourhood(world, second, tmp_path):
    path = write_csv(tmp_path / "f.csv", family(), columns=NO_HOOD)
    for extra in ([], ["--user", "facilitator_a"]):
        with pytest.raises(
            CommandError, match="Neighbourhood NB is not one of the neighbourhoods of office OA"
        ):
            run_command(path, "--office", "OA", "--neighbourhood", "NB", "--commit", "--no-progress",
                        "--language", "en", *extra)  # fmt: skip
    assert not Household.objects.exists()
