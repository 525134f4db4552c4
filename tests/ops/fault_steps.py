"""Steps of the fault tests, run as separate processes against their own database:
`python -m tests.ops.fault_steps STEP [ARG]` with DATABASE_URL / MAHALLEH_VAR_DIR set by the test.
Each step prints one JSON line."""

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.files import File

    from mahalleh.accounts.models import Role, User
    from mahalleh.geo.models import County, Neighbourhood, Office, Province
    from mahalleh.registry.importer import jobs
    from mahalleh.registry.models import ImportJob, Person

    step, arg = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
    out: dict = {}
    if step == "seed":
        province = Province.objects.create(code="P", name_fa="استان")
        county = County.objects.create(province=province, code="C", name_fa="شهرستان")
        office = Office.objects.create(county=county, code="O", name_fa="دفتر")
        Neighbourhood.objects.create(county=county, code="NA", name_fa="محله", office=office)
        User.objects.create_user(
            username="fac", password="correct-horse-9", role=Role.FACILITATOR, office=office
        )
        from mahalleh.demo.synthetic import write_csv

        out["rows"] = write_csv(
            arg, persons=int(os.environ.get("FAULT_PERSONS", "60000")), place_codes=["NA"]
        )
    elif step == "upload":
        with open(arg, "rb") as f:
            job = jobs.import_job_start(
                actor=User.objects.get(username="fac"), upload=File(f, name="people.csv")
            )
        out["job"] = job.pk
    elif step == "commit":
        job = ImportJob.objects.get(pk=int(arg))
        jobs.household_import_commit(actor=job.uploaded_by, job=job)
    elif step == "token":
        from mahalleh.accounts.services import token_issue

        province = Province.objects.create(code="P", name_fa="استان")
        county = County.objects.create(province=province, code="C", name_fa="شهرستان")
        office = Office.objects.create(county=county, code="O", name_fa="دفتر")
        user = User.objects.create_user(
            username="fac", password="correct-horse-9", role=Role.FACILITATOR, office=office
        )
        out["token"] = token_issue(user=user).key
    elif step == "reap":
        out["reaped"] = jobs.import_jobs_reap()
    if step in {"status", "reap", "commit", "upload"} and (arg or step != "reap"):
        job = ImportJob.objects.order_by("-pk").first()
        out.update(status=job.status, progress=job.progress, message=job.message, rows_valid=job.rows_valid)
    if step != "token":
        out["persons"] = Person.objects.count()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
