"""Upload limits per kind (issue 8 item 12) and the housekeeping of import uploads."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from mahalleh.registry.importer.jobs import import_jobs_reap, import_uploads_clean
from mahalleh.registry.models import ImportJob
from tests.conftest import verified_client
from tests.registry.importer.conftest import code, person, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_by_a_worker")]


def big_csv(tmp_path, megabytes: float) -> SimpleUploadedFile:
    path = write_csv(tmp_path / "people.csv", [person(national=code(1))])
    data = path.read_bytes()
    padding = b"\n" * int(megabytes * 1024 * 1024)  # blank lines: still a valid CSV, just large
    return SimpleUploadedFile("people.csv", data + padding, content_type="text/csv")


@override_settings(UPLOAD_LIMITS_MB={"import": 1, "image": 1})
def test_an_import_over_the_limit_is_refused_at_the_field_in_persian(client, world, tmp_path):
    verified_client(client, world.facilitator_a)
    response = client.post("/registry/import/", {"file": big_csv(tmp_path, 2)})
    assert response.status_code == 400  # the form again, with the error at the field
    page = response.content.decode()
    assert "این فایل ۲ مگابایت است؛ بزرگ‌ترین فایلی که اینجا پذیرفته می‌شود ۱ مگابایت است." in page
    assert ImportJob.objects.count() == 0
    assert not list(Path(world_media()).glob("imports/**/*.csv"))


@override_settings(UPLOAD_LIMITS_MB={"import": 1, "image": 1})
def test_the_api_refuses_an_import_over_the_limit_with_a_json_error(api, world, tmp_path):
    response = api(world.facilitator_a).post(
        "/api/v1/imports/",
        {"file": big_csv(tmp_path, 1.5)},
        format="multipart",
        HTTP_COOKIE="mahalleh_language=en",
    )
    assert response.status_code == 400
    assert "This file is 1.5 MB; the largest file accepted here is 1 MB." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_file_under_the_limit_is_accepted(client, world, tmp_path):
    verified_client(client, world.facilitator_a)
    response = client.post("/registry/import/", {"file": big_csv(tmp_path, 0.1)})
    assert response.status_code == 302
    assert ImportJob.objects.get().status == ImportJob.Status.VALIDATED


def world_media():
    from django.conf import settings

    return settings.MEDIA_ROOT


def _job(world, status, age_hours, tmp_path, name="x.csv"):
    job = ImportJob(
        office=world.office_a, uploaded_by=world.facilitator_a, original_name=name, file_format="csv"
    )
    job.file.save(name, SimpleUploadedFile(name, b"a,b\n1,2\n"), save=False)
    job.status = status
    job.save()
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - datetime.timedelta(hours=age_hours)
    )
    return ImportJob.objects.get(pk=job.pk)


def test_uploads_of_failed_and_abandoned_imports_are_deleted_after_the_keep_time(world, tmp_path):
    failed_old = _job(world, ImportJob.Status.FAILED, 100, tmp_path)
    checked_old = _job(world, ImportJob.Status.VALIDATED, 100, tmp_path)
    failed_new = _job(world, ImportJob.Status.FAILED, 1, tmp_path)
    saved_old = _job(world, ImportJob.Status.COMMITTED, 100, tmp_path)
    paths = {j.pk: Path(j.file.path) for j in (failed_old, checked_old, failed_new, saved_old)}

    with override_settings(UPLOAD_KEEP_HOURS=72):
        assert import_uploads_clean() == 2

    assert not paths[failed_old.pk].exists() and not paths[checked_old.pk].exists()
    assert paths[failed_new.pk].exists() and paths[saved_old.pk].exists()
    checked_old.refresh_from_db()
    assert checked_old.status == ImportJob.Status.FAILED and not checked_old.file
    assert "دوباره بارگذاری کنید" in checked_old.message


def test_an_import_whose_worker_stopped_is_marked_failed_with_a_message(world, tmp_path):
    stuck = _job(world, ImportJob.Status.COMMITTING, 1, tmp_path)
    running = _job(world, ImportJob.Status.VALIDATING, 0, tmp_path)
    with override_settings(IMPORT_STALE_MINUTES=15):
        assert import_jobs_reap() == 1
    stuck.refresh_from_db()
    running.refresh_from_db()
    assert stuck.status == ImportJob.Status.FAILED
    assert "چیزی از این فایل ذخیره نشد" in stuck.message
    assert running.status == ImportJob.Status.VALIDATING
