"""One benchmark step in its own process, against the database in DATABASE_URL.

`python -m bench.worker STEP [args]` prints one JSON object on its last line. Each step runs in a
fresh process so that peak memory (ru_maxrss) is the step's own.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

PASSWORD = "bench-password-2026"  # noqa: S105 - throwaway benchmark database only


def out(**data) -> None:
    data["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(data, ensure_ascii=False))


def step_setup(args) -> None:
    """Places for the bench office(s) and a facilitator with an API token."""
    from mahalleh.accounts.models import Role, User
    from mahalleh.accounts.services import token_issue
    from mahalleh.geo.models import County, Neighbourhood, Office, Province

    province = Province.objects.create(code="BENCH", name_fa="استان آزمون")
    county = County.objects.create(province=province, code="BENCH-C", name_fa="شهرستان آزمون")
    codes = {}
    for i in (1, 2):
        office = Office.objects.create(county=county, code=f"BENCH-O{i}", name_fa=f"دفتر آزمون {i}")
        codes[office.code] = []
        for j in (1, 2):
            hood = Neighbourhood.objects.create(
                county=county, code=f"BENCH-N{i}{j}", name_fa=f"محله آزمون {i}{j}", office=office
            )
            codes[office.code].append(hood.code)
    user = User.objects.create_user(
        "bench", password=PASSWORD, role=Role.FACILITATOR, office=Office.objects.get(code="BENCH-O1")
    )
    out(neighbourhoods=codes, token=token_issue(user=user).key)


def step_import(args) -> None:
    """The real import (validated, committed) of a file for one office."""
    from mahalleh.accounts.models import User
    from mahalleh.geo.models import Office
    from mahalleh.registry.importer.pipeline import run_import

    path, office_code = args
    office = Office.objects.get(code=office_code)
    user = User.objects.get(username="bench")
    start = time.perf_counter()
    result = run_import(
        path=path, name=os.path.basename(path), office=office, user=user, commit=True, via="bench"
    )
    seconds = time.perf_counter() - start
    if result.failed:
        raise SystemExit(f"import failed: {result.file_error}")
    out(
        rows=result.rows_total,
        valid=result.rows_valid,
        invalid=result.rows_invalid,
        seconds=seconds,
        timings=result.timings,
    )


def _csv_rows(path, limit=None):
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = []
        for i, row in enumerate(reader):
            if limit is not None and i >= limit:
                break
            rows.append(row)
    return header, rows


def step_limit(args) -> None:
    """The physical limit: the same rows moved into a table, unvalidated, in one transaction."""
    (path,) = args
    with open(path, encoding="utf-8", newline="") as fh:
        width = len(next(csv.reader(fh)))
    cols = ", ".join(f"c{i} text" for i in range(width))
    start = time.perf_counter()
    count = 0
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE bench_limit ({cols})")
        if connection.vendor == "postgresql":
            with (
                open(path, "rb") as fh,
                cur.copy("COPY bench_limit FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            cur.execute("SELECT COUNT(*) FROM bench_limit")
            count = cur.fetchone()[0]
        else:
            marks = ", ".join(["%s"] * width)
            with open(path, encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                batch = []
                for row in reader:
                    batch.append(row)
                    if len(batch) == 20_000:
                        cur.executemany(f"INSERT INTO bench_limit VALUES ({marks})", batch)  # noqa: S608
                        count += len(batch)
                        batch = []
                cur.executemany(f"INSERT INTO bench_limit VALUES ({marks})", batch)  # noqa: S608
                count += len(batch)
        cur.execute("DROP TABLE bench_limit")
    out(rows=count, seconds=time.perf_counter() - start)


def step_peer(args) -> None:
    """django-import-export importing the same rows into the same model (a slice, rate scaled)."""
    import tablib
    from import_export import fields, resources, widgets

    from mahalleh.core.jalali import parse_date
    from mahalleh.core.national_code import is_valid_national_code
    from mahalleh.geo.models import Neighbourhood
    from mahalleh.registry.models import Household, Person

    path, slice_rows = args[0], int(args[1])
    header, rows = _csv_rows(path, slice_rows)
    hood = Neighbourhood.objects.get(code="BENCH-N21")
    # Households are made beforehand (not timed): the peer imports the residents.
    keys = sorted({r[0] for r in rows})
    Household.objects.bulk_create([Household(neighbourhood=hood, external_id="peer-" + k) for k in keys])

    class PersonResource(resources.ModelResource):
        household = fields.Field(
            attribute="household",
            column_name="household",
            widget=widgets.ForeignKeyWidget(Household, "external_id"),
        )

        class Meta:
            model = Person
            import_id_fields = ("national_code",)
            fields = (
                "household", "id_type", "national_code", "document_number", "first_name", "last_name",
                "father_name", "sex", "birth_date", "relation", "nationality", "education", "employment",
                "disability", "insurance", "mobile",
            )  # fmt: skip

    data = tablib.Dataset(headers=list(PersonResource.Meta.fields))
    for r in rows:
        code = r[13] if r[13] and is_valid_national_code(r[13]) else None
        data.append(
            [
                "peer-" + r[0], r[12] if code else "none", code, r[14], r[7], r[8], r[9], r[10],
                parse_date(r[11]).isoformat(), r[6], r[15], r[16], r[18], r[19], r[20], r[21],
            ]
        )  # fmt: skip
    start = time.perf_counter()
    result = PersonResource().import_data(data, dry_run=False, raise_errors=False, use_transactions=True)
    seconds = time.perf_counter() - start
    out(rows=len(rows), errors=len(result.row_errors()), seconds=seconds)


def step_openpyxl(args) -> None:
    """The peer of the XLSX reader: reading the same file with openpyxl (read-only mode)."""
    import openpyxl

    (path,) = args
    start = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _row in book.active.iter_rows(values_only=True)) - 1
    book.close()
    out(rows=count, seconds=time.perf_counter() - start)


def _percentiles(samples: list[float]) -> dict:
    samples = sorted(samples)
    q = statistics.quantiles(samples, n=100, method="inclusive") if len(samples) > 1 else samples * 99
    return {"p50_ms": round(q[49] * 1000, 2), "p95_ms": round(q[94] * 1000, 2), "n": len(samples)}


def step_search(args) -> None:
    """Search p50/p95 for a name part, a national code and a mobile; peer: naive icontains."""
    import random

    from mahalleh.accounts.models import User
    from mahalleh.registry.models import Person
    from mahalleh.registry.selectors import person_search

    queries = int(args[0]) if args else 200
    user = User.objects.get(username="bench")
    rng = random.Random(7)
    people = list(
        Person.objects.filter(household__neighbourhood__office=user.office)
        .order_by("?")
        .values_list("first_name", "last_name", "national_code", "mobile")[: queries * 2]
    )
    rng.shuffle(people)
    parts = []
    for first, last, _code, _mobile in people[:queries]:
        name = (first + last).replace(" ", "")
        start = rng.randint(0, max(0, len(name) - 4))
        parts.append(name[start : start + 4])
    codes = [p[2] for p in people if p[2]][:queries]
    mobiles = [p[3] for p in people if p[3]][:queries]

    def timed(fn, items):
        samples = []
        for item in items:
            t = time.perf_counter()
            fn(item)
            samples.append(time.perf_counter() - t)
        return _percentiles(samples)

    results = {
        "name": timed(lambda q: list(person_search(user=user, query=q, limit=20)), parts),
        "national_code": timed(lambda q: list(person_search(user=user, query=q, limit=20)), codes),
        "mobile": timed(lambda q: list(person_search(user=user, query=q, limit=20)), mobiles),
        "peer_icontains": timed(
            lambda q: list(Person.objects.filter(first_name__icontains=q[:3])[:20]), parts
        ),
        "persons": Person.objects.count(),
    }
    out(**results)


def step_background(args) -> None:
    """Other offices' residents (bench-data's national places), so scoped lists and search run
    with the office's rows among many others', as they would in production."""
    from mahalleh.demo import synthetic

    persons = int(args[0])
    start = time.perf_counter()
    result = synthetic.load_db(persons=persons, seed=11) if persons else {"persons": 0}
    out(persons=result["persons"], seconds=time.perf_counter() - start)


def step_pages_setup(args) -> None:
    """What the often-opened pages show, made through the services as a facilitator would: an
    activity with sessions and enrolments, a partner service and referrals; then a signed-in
    session cookie and the URLs to load."""
    import datetime

    from django.test import Client
    from django.utils import timezone

    from mahalleh.accounts.models import Role, User
    from mahalleh.activities import services as activities
    from mahalleh.geo.models import Province
    from mahalleh.referrals import services as referrals
    from mahalleh.registry import services as registry
    from mahalleh.registry.models import Consent, Household, Person

    user = User.objects.get(username="bench")
    admin = User.objects.create_user("bench-admin", password=PASSWORD, role=Role.NATIONAL_ADMIN)
    today = timezone.localdate()
    household = Household.objects.filter(office=user.office, head__isnull=False).order_by("-pk").first()
    people = list(Person.objects.filter(office=user.office, status=Person.Status.ACTIVE).order_by("-pk")[:25])
    activity = activities.activity_create(
        actor=user, kind="class", title="کلاس آزمون", facilitator=user,
        starts_on=today - datetime.timedelta(days=30), via="bench",
    )  # fmt: skip
    session = None
    for days in (21, 14, 7):
        session = activities.session_create(
            actor=user, activity=activity, date=today - datetime.timedelta(days=days), via="bench"
        )
    for person in people[:20]:
        activities.enrol(actor=user, activity=activity, person=person, on=activity.starts_on, via="bench")
    partner = referrals.partner_create(
        actor=admin, name="خیریهٔ آزمون", kind="charity", province=Province.objects.get(code="BENCH")
    )
    service = referrals.service_create(actor=admin, partner=partner, name="مشاوره")
    for person in people[:10]:
        registry.consent_record(
            actor=user, person=person, purpose=Consent.Purpose.REFERRAL, given=True, on=today, via="bench"
        )
        referrals.referral_create(actor=user, person=person, service=service, reason="آزمون", via="bench")
    client = Client()
    client.force_login(user)
    name = people[0].first_name[:3] if people else "علی"
    out(
        cookie=client.cookies["sessionid"].value,
        pages={
            "home": "/",
            "household list": "/registry/",
            "household page": f"/registry/households/{household.pk}/",
            "person page": f"/registry/people/{people[0].pk}/",
            "search (household list, name part)": f"/registry/?q={name}",
            "referral list": "/referrals/",
            "activity list": "/activities/",
            "activity page": f"/activities/{activity.pk}/",
            "session (attendance) page": f"/activities/sessions/{session.pk}/",
        },
    )


STEPS = {
    "background": step_background,
    "pages_setup": step_pages_setup,
    "setup": step_setup,
    "import": step_import,
    "limit": step_limit,
    "peer": step_peer,
    "openpyxl": step_openpyxl,
    "search": step_search,
}

if __name__ == "__main__":
    STEPS[sys.argv[1]](sys.argv[2:])
