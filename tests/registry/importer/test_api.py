"""Import API: upload → job id → status, progress, errors → XLSX report → commit. Scoped, schema-checked."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from python_calamine import CalamineWorkbook

from mahalleh.registry.models import Household, ImportJob, Person
from tests.registry.importer.conftest import code, person, write_csv


@pytest.fixture
def openapi(db):
    from tests.api.conftest import OpenAPI

    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return OpenAPI(json.loads(response.content))


@pytest.fixture
def checked(api, openapi):
    """checked(user) -> a token client whose JSON answers are checked against the OpenAPI schema."""

    def _client(user):
        client = api(user)
        original = client.request

        def request(**kwargs):
            response = original(**kwargs)
            if response.get("Content-Type", "").startswith("application/json"):
                openapi.check(response)
            return response

        client.request = request
        return client

    return _client


def csv_upload(tmp_path, rows, name="people.csv"):
    return SimpleUploadedFile(name, write_csv(tmp_path / name, rows).read_bytes(), content_type="text/csv")


def test_the_schema_documents_the_import_endpoints(openapi):
    paths = openapi.raw["paths"]
    assert {"/api/v1/imports/", "/api/v1/imports/{id}/", "/api/v1/imports/{id}/report/",
            "/api/v1/imports/{id}/commit/"} <= set(paths)  # fmt: skip
    assert "multipart/form-data" in paths["/api/v1/imports/"]["post"]["requestBody"]["content"]
    assert "202" in paths["/api/v1/imports/"]["post"]["responses"]
    report = paths["/api/v1/imports/{id}/report/"]["get"]["responses"]["200"]["content"]
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in report


def test_upload_status_report_and_commit(checked, world, tmp_path):
    client = checked(world.facilitator_a)
    rows = [person(national=code(1)), person(relation="همسر", first="فاطمه", sex="زن", national="1234567890")]
    started = client.post("/api/v1/imports/", {"file": csv_upload(tmp_path, rows)}, format="multipart")
    assert started.status_code == 202
    job_id = started.json()["id"]
    assert started.json() == {"id": job_id, "status": "validated"}  # under test the job runs at once

    detail = client.get(f"/api/v1/imports/{job_id}/").json()
    assert (detail["status"], detail["progress"], detail["rows_valid"], detail["rows_invalid"]) == (
        "validated",
        100,
        1,
        1,
    )
    (error,) = detail["errors"]
    assert (error["row"], error["column"], error["value"], error["code"]) == (
        3, "کد ملی", "1234567890", "national_code.check_digit",
    )  # fmt: skip
    assert error["reason"]  # in the request's language (Persian by default)
    assert detail["preview"][0]["birth_date"] == "1981-07-03"  # the API speaks ISO dates
    assert detail["report_available"] is True

    report = client.get(f"/api/v1/imports/{job_id}/report/")
    assert report.status_code == 200
    assert report["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = list(
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content)))
        .get_sheet_by_index(0)
        .iter_rows()
    )
    assert sheet[1][:3] == [3.0, "کد ملی", "1234567890"]

    committed = client.post(f"/api/v1/imports/{job_id}/commit/")
    assert committed.status_code == 202
    assert committed.json() == {"id": job_id, "status": "committed"}
    assert (Household.objects.count(), Person.objects.count()) == (1, 1)
    again = client.post(f"/api/v1/imports/{job_id}/commit/")
    assert again.status_code == 400 and Person.objects.count() == 1

    listing = client.get("/api/v1/imports/").json()
    assert [j["id"] for j in listing["results"]] == [job_id]


def test_another_offices_import_answers_404(checked, world, tmp_path):
    started = checked(world.facilitator_a).post(
        "/api/v1/imports/", {"file": csv_upload(tmp_path, [person(national=code(1))])}, format="multipart"
    )
    job_id = started.json()["id"]
    other = checked(world.facilitator_b)
    assert other.get(f"/api/v1/imports/{job_id}/").status_code == 404
    assert other.get(f"/api/v1/imports/{job_id}/report/").status_code == 404
    assert other.post(f"/api/v1/imports/{job_id}/commit/").status_code == 404
    assert other.get("/api/v1/imports/").json()["results"] == []
    assert not Person.objects.exists() and ImportJob.objects.get().status == "validated"


@pytest.mark.parametrize("who", ["pr_a", "analyst", "partner_user", "coordinator"])
def test_roles_that_do_not_edit_the_registry_cannot_import(checked, world, tmp_path, who):
    client = checked(getattr(world, who))
    response = client.post("/api/v1/imports/", {"file": csv_upload(tmp_path, [person()])}, format="multipart")
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_wrong_file_is_a_400_with_the_reason_at_the_file(checked, world):
    client = checked(world.facilitator_a)
    response = client.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("x.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)},
        format="multipart",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert not ImportJob.objects.exists()
    assert client.post("/api/v1/imports/", {}, format="multipart").status_code == 400


def test_a_failed_job_reports_its_message(checked, world, tmp_path):
    client = checked(world.facilitator_a)
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    job_id = client.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile("x.csv", path.read_bytes())}, format="multipart"
    ).json()["id"]
    detail = client.get(f"/api/v1/imports/{job_id}/").json()
    assert detail["status"] == "failed" and detail["message"] and detail["errors"] == []
    assert client.get(f"/api/v1/imports/{job_id}/report/").status_code == 404
    assert client.post(f"/api/v1/imports/{job_id}/commit/").status_code == 400
