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


def step_indexed_limit(args) -> None:
    """What writing an import's rows costs by itself: the office's households and residents, as the
    import wrote them, written again (no parsing, no validation, no foreign key checks) into tables
    made like the registry's with every index, in one transaction: COPY on PostgreSQL (a logged
    table, WAL included), executemany on SQLite. No import into the live tables can be faster."""
    import re

    from mahalleh.geo.models import Office
    from mahalleh.registry.models import Household, Person

    (office_code,) = args
    office = Office.objects.get(code=office_code)
    tables = [(Household._meta.db_table, "bench_households"), (Person._meta.db_table, "bench_persons")]
    rows: dict[str, object] = {}
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        for table, copy_of in tables:
            if postgres:
                data = bytearray()
                with cur.copy(
                    f"COPY (SELECT * FROM {table} WHERE office_id = %s) TO STDOUT", (office.pk,)
                ) as copy:
                    for chunk in copy:
                        data += chunk
                rows[copy_of] = bytes(data)
                # Indexes, defaults and checks; not the foreign keys.
                cur.execute(f"CREATE TABLE {copy_of} (LIKE {table} INCLUDING ALL)")
                continue
            cur.execute(f"SELECT * FROM {table} WHERE office_id = %s", [office.pk])  # noqa: S608
            rows[copy_of] = cur.fetchall()
            # The table's and its indexes' own DDL, renamed, without the foreign keys.
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL", [table]
            )
            for name, sql in cur.fetchall():
                sql = re.sub(r' REFERENCES "\w+" \("\w+"\)( DEFERRABLE INITIALLY DEFERRED)?', "", sql)
                sql = sql.replace(f'"{table}"', f'"{copy_of}"').replace(f'"{name}"', f'"{copy_of}_{name}"')
                cur.execute(sql)
        start = time.perf_counter()
        with transaction.atomic():
            for _table, copy_of in tables:
                if postgres:
                    with cur.copy(f"COPY {copy_of} FROM STDIN") as copy:  # noqa: S608 - bench's own names
                        copy.write(rows[copy_of])
                elif rows[copy_of]:
                    marks = ", ".join(["%s"] * len(rows[copy_of][0]))
                    cur.executemany(f"INSERT INTO {copy_of} VALUES ({marks})", rows[copy_of])  # noqa: S608
        seconds = time.perf_counter() - start
        cur.execute("SELECT COUNT(*) FROM bench_persons")
        persons = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM bench_households")
        households = cur.fetchone()[0]
        cur.execute("DROP TABLE bench_persons")
        cur.execute("DROP TABLE bench_households")
    out(rows=persons, households=households, seconds=seconds)


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


def step_router(args) -> None:
    """The dashboard pages, as the bench facilitator sees them (the role's dashboard at / and
    the indicators dashboard), N times each with the replica router and N times without, in one
    process: latency, and how many SQL statements and rows the PRIMARY had to serve in each mode."""
    import psycopg
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connections
    from django.test import Client, override_settings

    from mahalleh.accounts.models import User
    from mahalleh.core.jalali import Period
    from mahalleh.indicators.refresh import today_tehran
    from mahalleh.registry.models import Person

    n = int(args[0]) if args else 3
    # The bench has no collectstatic: templates resolve static paths without the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    user = User.objects.get(username="bench")
    client = Client()
    client.force_login(user)
    year = Period.containing(today_tehran(), "year").year
    query = {"period": str(year), "indicator": "school_enrolment"}
    pages = {"home": "/", "dashboard": "/indicators/dashboard/"}

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        written = cursor.fetchone()[0]
    deadline = time.monotonic() + 120
    while True:  # the replica has applied everything written so far (the facts included)
        with connections["replica1"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written])
            if cursor.fetchone()[0]:
                break
        if time.monotonic() > deadline:
            raise SystemExit("the replica did not catch up within 120 s")
        time.sleep(0.5)
    primary = connections["default"].settings_dict

    def primary_rows_read() -> int:
        time.sleep(1.1)  # PostgreSQL publishes a backend's table statistics about once a second
        with psycopg.connect(
            host=primary["HOST"] or "127.0.0.1", port=primary["PORT"] or 5432, user=primary["USER"],
            password=primary.get("PASSWORD") or None, dbname=primary["NAME"], autocommit=True,
        ) as conn:  # fmt: skip
            return conn.execute(
                "SELECT tup_returned + tup_fetched FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()[0]

    def run(path: str, routes: list[str]) -> dict:
        counts = {alias: 0 for alias in connections}

        def counter(alias):
            def wrapper(execute, sql, params, many, context):
                counts[alias] += 1
                return execute(sql, params, many, context)

            return wrapper

        samples = []
        with override_settings(REPLICA_VIEWS=routes, REPLICA_ROLES=[]):
            cache.clear()  # each mode starts from the same (cold) cache, then warms it once
            client.get(path, query)
            before = primary_rows_read()
            wrappers = [connections[a].execute_wrapper(counter(a)) for a in connections]
            for w in wrappers:
                w.__enter__()
            try:
                for _ in range(n):
                    t = time.perf_counter()
                    response = client.get(path, query)
                    samples.append(time.perf_counter() - t)
                    assert response.status_code == 200, response.status_code
            finally:
                for w in wrappers:
                    w.__exit__(None, None, None)
            after = primary_rows_read()
        return {**_percentiles(samples), "statements": counts, "primary_rows_read": after - before}

    out(
        requests=n,
        persons=Person.objects.count(),
        pages={
            name: {"with_router": run(path, ["core:home", "indicators:*"]), "without_router": run(path, [])}
            for name, path in pages.items()
        },
    )


def step_evaluation(args) -> None:
    """One indicator for a province: difference in differences on 10,000 respondents in 15
    neighbourhoods (10 target, 5 comparison) over 3 rounds, with 999 wild-bootstrap draws.
    ``first`` includes importing statsmodels/numba (a page's first evaluation after a restart);
    ``warm`` is the median of the next three. The peer is statsmodels' OLS with clustered SEs
    alone (no bootstrap): what the estimate costs without the few-cluster correction."""
    from mahalleh.evaluation import estimator
    from mahalleh.evaluation.simulate import simulated_frame

    if not estimator.available():
        out(error=f"evaluation extra not installed ({estimator.INSTALL_HINT})")
        return
    frame = simulated_frame(seed=1, effect=0.06, per_cell=10_000 // 45 + 1).head(10_000)
    t = time.perf_counter()
    fit = estimator.did(frame, draws=999, seed=1)
    first = time.perf_counter() - t
    warm = []
    for seed in (2, 3, 4):
        t = time.perf_counter()
        estimator.did(frame, draws=999, seed=seed)
        warm.append(time.perf_counter() - t)
    from threadpoolctl import threadpool_limits

    design = frame.assign(treated_post=frame["treated"] * (frame["event_time"] > 0))
    with threadpool_limits(limits=1, user_api="blas"):  # as the estimator runs it
        t = time.perf_counter()
        for _ in range(3):
            estimator.twfe(design)
        peer = (time.perf_counter() - t) / 3
    out(first=first, warm=statistics.median(warm), peer=peer, respondents=fit.n, clusters=fit.clusters)


def step_evaluation_db(args) -> None:
    """A province's evaluation as its results page runs it (``results.evaluation_run`` without the
    cache): the answers read from the database, then every survey item estimated with 999 draws.
    About 10,000 answers of registered residents of one province's neighbourhoods (two thirds
    target, a third comparison) over 3 rounds, with a small effect in the target neighbourhoods
    after the baseline; how they were written (bulk_create) is not measured."""
    import datetime
    import random

    from django.db.models import Count

    from mahalleh.accounts.models import Role, User
    from mahalleh.evaluation import estimator
    from mahalleh.evaluation.items import survey_items
    from mahalleh.evaluation.models import SampleHousehold, SurveyResponse, SurveyRound
    from mahalleh.evaluation.results import evaluation_run
    from mahalleh.evaluation.services import harm_codes
    from mahalleh.geo.models import Neighbourhood, Province
    from mahalleh.indicators.refresh import today_tehran
    from mahalleh.registry.models import Person

    if not estimator.available():
        out(error=f"evaluation extra not installed ({estimator.INSTALL_HINT})")
        return
    wanted = int(args[0]) if args else 10_000
    rng = random.Random(5)
    SurveyRound.objects.filter(name__startswith="bench ").delete()  # a run again on a kept database
    counts = (
        Person.objects.values_list("neighbourhood__county__province_id", "neighbourhood_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    by_province: dict = {}
    for province_id, hood, n in counts:
        by_province.setdefault(province_id, []).append((hood, n))
    province_id, hoods = max(by_province.items(), key=lambda item: sum(n for _h, n in item[1][:15]))
    # At least 15 neighbourhoods, more when they are too small for `wanted` answers over 3 rounds.
    for size in range(min(15, len(hoods)), len(hoods) + 1):
        per_hood = max(1, min(min(n for _h, n in hoods[:size]), -(-wanted // (3 * size))))
        if per_hood * 3 * size >= wanted:
            break
    hoods = hoods[:size]
    targets = {h for h, _n in hoods[: max(1, 2 * len(hoods) // 3)]}
    Neighbourhood.objects.filter(pk__in=targets).update(kind=Neighbourhood.Kind.TARGET)
    Neighbourhood.objects.filter(pk__in=[h for h, _n in hoods if h not in targets]).update(
        kind=Neighbourhood.Kind.COMPARISON
    )
    analyst, _ = User.objects.get_or_create(
        username="bench-analyst", defaults={"role": Role.NATIONAL_ANALYST}
    )
    harms = sorted(harm_codes())
    today = today_tehran()
    held = [today - datetime.timedelta(days=d) for d in (730, 365, 30)]
    people = {
        hood: list(
            Person.objects.filter(neighbourhood_id=hood)
            .order_by("pk")
            .values_list("pk", "household_id", "sex", "birth_date")[:per_hood]
        )
        for hood, _n in hoods
    }
    for index, day in enumerate(held):
        kind = SurveyRound.Kind.BASELINE if index == 0 else SurveyRound.Kind.FOLLOW_UP
        round_ = SurveyRound.objects.create(
            province_id=province_id, name=f"bench {index}", kind=kind, held_on=day, seed=index
        )
        round_.neighbourhoods.set([h for h, _n in hoods])
        samples, answers = {}, []
        for hood, members in people.items():
            lift = 0.08 * index if hood in targets else 0.0
            for pk, household, sex, born in members:
                if household not in samples:
                    samples[household] = SampleHousehold(
                        round=round_, household_id=household, neighbourhood_id=hood, order=len(samples)
                    )
                age = max(0, min(99, (day - born).days // 365)) if born else 30
                works = rng.random() < 0.35 + lift if 15 <= age <= 64 else None
                answers.append(
                    SurveyResponse(
                        round=round_, sample=samples[household], person_id=pk, neighbourhood_id=hood,
                        age=age, sex=sex or "female",
                        in_school=(rng.random() < 0.8 + lift / 2) if 6 <= age <= 18 else None,
                        works=works, employment="employed" if works else "unemployed",
                        job_training=rng.random() < 0.1 + lift, insured=rng.random() < 0.6 + lift,
                        harms=[h for h in harms if rng.random() < 0.05 - lift / 4],
                    )
                )  # fmt: skip
        SampleHousehold.objects.bulk_create(samples.values(), batch_size=2000)
        SurveyResponse.objects.bulk_create(answers, batch_size=2000)
    province = Province.objects.get(pk=province_id)
    t = time.perf_counter()
    result = evaluation_run(user=analyst, province=province, use_cache=False)
    first = time.perf_counter() - t
    warm = []
    for _ in range(3):
        t = time.perf_counter()
        evaluation_run(user=analyst, province=province, use_cache=False)
        warm.append(time.perf_counter() - t)
    out(
        first=first,
        warm=statistics.median(warm),
        items=len(survey_items()),
        respondents=result.respondents,
        clusters=result.clusters,
    )


def step_portal(args) -> None:
    """A published bilingual story with a cover photo in the bench office, through the services, for the
    public portal's load rows. Prints the story page's path."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from mahalleh.accounts.models import Role, User
    from mahalleh.geo.models import Office
    from mahalleh.stories import services
    from mahalleh.stories.portal import story_path

    office = Office.objects.get(code="BENCH-O1")
    pr = User.objects.create_user("bench-pr", password=PASSWORD, role=Role.PR_OFFICER, office=office)
    body_fa = "\n\n".join(["## بخش\n\nهمسایه‌ها **با هم** کار کردند و محله را تغییر دادند."] * 20)
    body_en = "\n\n".join(["## Part\n\nThe neighbours worked **together** and changed their street."] * 20)
    stories = []
    for i in range(12):
        story = services.story_create(
            actor=pr, title_fa=f"روایت آزمون {i}", summary_fa="خلاصهٔ روایت آزمون", body_fa=body_fa,
            title_en=f"Bench story {i}", summary_en="A bench story", body_en=body_en, themes=["children"],
        )  # fmt: skip
        buf = io.BytesIO()
        Image.new("RGB", (1600, 1000), (40 + i * 10, 120, 200)).save(buf, "JPEG")
        upload = SimpleUploadedFile("cover.jpg", buf.getvalue(), content_type="image/jpeg")
        services.image_add(actor=pr, story=story, upload=upload, alt_fa="تصویر", alt_en="A picture")
        services.story_publish(actor=pr, story=story)
        stories.append(story)
    out(story_path=story_path(stories[0], "fa"), home_path="/fa/")


def step_indicators(args) -> None:
    """Fact table: full rebuild, incremental refresh after N changed persons, the dashboard page
    (p95 over repeated renders, as the national analyst), its peer (the same school-enrolment figure
    by GROUP BY over the live tables) and its limit (a bare SELECT on the fact table)."""
    import random

    from django.db.models import Count, Q
    from django.test import Client
    from django.utils import timezone

    from mahalleh.accounts.models import Role, User
    from mahalleh.core.jalali import Period
    from mahalleh.indicators.models import Fact, Plan
    from mahalleh.indicators.refresh import refresh, today_tehran
    from mahalleh.registry.models import Person

    changed = int(args[0]) if args else 10_000
    renders = int(args[1]) if len(args) > 1 else 20
    year = Period.containing(today_tehran(), "year").year
    Plan.objects.get_or_create(name_fa="بنچ", baseline_year=year - 1, first_year=year, last_year=year + 3)
    analyst, _ = User.objects.get_or_create(
        username="bench-analyst", defaults={"role": Role.NATIONAL_ANALYST}
    )

    t = time.perf_counter()
    full = refresh(full=True)
    full_s = time.perf_counter() - t

    ids = list(Person.objects.order_by().values_list("pk", flat=True))
    rng = random.Random(11)
    picked = rng.sample(ids, min(changed, len(ids)))
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(picked), 5000):
            chunk = picked[start : start + 5000]
            # Set-based, as a day's import would be: caught by the refresh's updated_at sweep.
            Person.objects.filter(pk__in=chunk).update(employment="employed", updated_at=now)
    t = time.perf_counter()
    inc = refresh()
    inc_s = time.perf_counter() - t
    flows = flow_changes(picked, rng)

    # Each role's dashboard through the whole middleware stack. The bench has no collectstatic:
    # templates resolve static paths without the manifest.
    from django.conf import settings
    from django.db.models import Count as Counted
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from mahalleh.geo.models import Office, Province

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The coordinator of the province with the most neighbourhoods; the manager of the bench office.
    widest = Province.objects.annotate(n=Counted("counties__neighbourhoods")).order_by("-n").first()
    coordinator, _ = User.objects.get_or_create(
        username="bench-coordinator", defaults={"role": Role.PROVINCE_COORDINATOR, "province": widest}
    )
    manager, _ = User.objects.get_or_create(
        username="bench-manager",
        defaults={"role": Role.OFFICE_MANAGER, "office": Office.objects.get(code="BENCH-O1")},
    )

    def dashboard(user) -> tuple[float, dict]:
        client = Client()
        client.force_login(user)
        if user.needs_second_factor:  # signed in with the second factor, as the middleware asks
            device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench")
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        query = {"period": str(year), "indicator": "school_enrolment"}
        # The first render after a start compiles the templates and opens the connection: in the
        # note, not in the percentiles (as the evaluation and report rows do).
        t = time.perf_counter()
        client.get("/", query)
        first = round((time.perf_counter() - t) * 1000, 1)
        samples = []
        for _ in range(renders):
            t = time.perf_counter()
            response = client.get("/", query)
            samples.append(time.perf_counter() - t)
            if response.status_code != 200:
                raise RuntimeError(f"{user.username}'s dashboard answered {response.status_code}")
        return first, _percentiles(samples)

    first_ms, page = dashboard(analyst)
    roles = {
        "office manager": dashboard(manager)[1],
        f"province coordinator ({widest.n} neighbourhoods)": dashboard(coordinator)[1],
    }

    def peer():
        return list(
            Person.objects.filter(status="active")
            .values("household__neighbourhood_id")
            .annotate(n=Count("pk", filter=Q(school_enrolled=True)), d=Count("pk"))
        )

    def limit():
        return list(
            Fact.objects.filter(period=str(year), disaggregation="").values_list(
                "indicator_id", "neighbourhood_id", "numerator", "denominator"
            )
        )

    def timed(fn, n=10):
        out_ = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            out_.append(time.perf_counter() - t)
        return _percentiles(out_)

    out(
        persons=len(ids),
        full_seconds=round(full_s, 2),
        full_facts=full.facts,
        full_neighbourhoods=full.neighbourhoods,
        incremental_seconds=round(inc_s, 2),
        incremental_neighbourhoods=inc.neighbourhoods,
        changed=len(picked),
        flows=flows,
        page=page,
        first_ms=first_ms,
        roles=roles,
        peer=timed(peer),
        limit=timed(limit),
    )


def flow_changes(picked: list[int], rng, cases: int = 20) -> dict:
    """A day's changes to flows: harm cases identified today for ``cases`` residents, saved as the
    form saves them (each marks its neighbourhood from today on). The refresh recomputes the
    periods today reaches (indicators.refresh.periods_reached); the peer is the same
    neighbourhoods recomputed for every period, as every flow change was before."""
    from mahalleh.indicators.refresh import mark_dirty, refresh, today_tehran
    from mahalleh.registry.models import HarmCase, HarmType, Person

    harm = HarmType.objects.order_by("pk").first()
    if harm is None:
        return {}
    chosen = Person.objects.filter(pk__in=rng.sample(picked, min(cases, len(picked))))
    for person in chosen:
        HarmCase.objects.create(person=person, harm_type=harm, identified_on=today_tehran())
    hoods = set(chosen.values_list("household__neighbourhood_id", flat=True))
    residents = Person.objects.filter(household__neighbourhood_id__in=hoods).count()
    t = time.perf_counter()
    reached = refresh()
    reached_s = time.perf_counter() - t
    mark_dirty(hoods)  # every period
    t = time.perf_counter()
    every = refresh()
    every_s = time.perf_counter() - t
    return {
        "cases": chosen.count(),
        "neighbourhoods": len(hoods),
        "residents": residents,
        "seconds": round(reached_s, 2),
        "facts": reached.facts,
        "every_period_seconds": round(every_s, 2),
        "every_period_facts": every.facts,
    }


def step_background(args) -> None:
    """Other offices' residents (bench-data's national places), so scoped lists and search run
    with the office's rows among many others', as they would in production."""
    from mahalleh.demo import synthetic

    persons = int(args[0])
    start = time.perf_counter()
    result = synthetic.load_db(persons=persons, seed=11) if persons else {"persons": 0}
    out(persons=result["persons"], seconds=time.perf_counter() - start)


def step_vacuum(args) -> None:
    """VACUUM (ANALYZE) after the loads, as autovacuum would have done on a server that has it on
    (the development machines' PostgreSQL has it off): without the visibility map an index-only
    count of an office's residents reads the heap, and the figures would be a fresh load's."""
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
    out(seconds=time.perf_counter() - start)


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


def step_report(args) -> None:
    """The monthly office report: build its content from 2,000 residents registered in the month
    (with harm cases, sessions and attendance), draw the Persian PDF (WeasyPrint) and the XLSX, as
    the background job does. ``first`` includes loading pango; ``warm`` is the median of the next
    three. The peer is the same report's HTML alone (what a browser page costs)."""
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from mahalleh.accounts.models import Role, User
    from mahalleh.activities.models import Activity, Attendance, Session
    from mahalleh.core.jalali import Period
    from mahalleh.geo.models import County, Neighbourhood, Office, Province
    from mahalleh.registry.models import HarmCase, HarmType, Household, Person
    from mahalleh.reports import render
    from mahalleh.reports.models import Report
    from mahalleh.reports.services import report_run

    persons = int(args[0]) if args else 2000
    month = Period.containing(timezone.localdate(), "month").previous()
    province = Province.objects.create(code="BR", name_fa="استان بنچ", name_en="Bench")
    county = County.objects.create(province=province, code="BR-1", name_fa="شهرستان", name_en="County")
    office = Office.objects.create(county=county, code="BR-O", name_fa="دفتر بنچ", name_en="Bench office")
    hood = Neighbourhood.objects.create(
        county=county, code="BR-N", name_fa="محله بنچ", name_en="Hood", office=office
    )
    manager = User.objects.create_user(username="bench-manager", role=Role.OFFICE_MANAGER, office=office)
    day = month.first_day
    when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    households = Household.objects.bulk_create([Household(neighbourhood=hood) for _ in range(persons // 4)])
    people = Person.objects.bulk_create(
        [
            Person(
                household=households[i // 4],
                first_name="نام",
                last_name="فامیل",
                sex="female",
                relation="head",
            )
            for i in range(persons)
        ]
    )
    Person.objects.update(created_at=when)
    harm = HarmType.objects.first()
    if harm is not None:
        HarmCase.objects.bulk_create(
            [HarmCase(person=p, harm_type=harm, identified_on=day) for p in people[: persons // 10]]
        )
    activity = Activity.objects.create(
        office=office, title="کلاس", starts_on=day, kind=Activity.Kind.SKILLS, facilitator=manager
    )
    for d in range(0, 28, 7):
        session = Session.objects.create(activity=activity, date=day + datetime.timedelta(days=d))
        Attendance.objects.bulk_create([Attendance(session=session, person=p) for p in people[:40]])

    def one():
        report = Report.objects.create(scope="office", office=office, period=month.code, created_by=manager,
                                       version=Report.objects.count() + 1)  # fmt: skip
        t = time.perf_counter()
        report = report_run(report_id=report.pk)
        took = time.perf_counter() - t
        if report.status != Report.Status.READY:
            raise RuntimeError(report.message)
        return took, report

    first, report = one()
    warm = [one()[0] for _ in range(3)]
    t = time.perf_counter()
    for _ in range(3):
        render.html(report, for_pdf=True)
    peer = (time.perf_counter() - t) / 3
    out(first=first, warm=statistics.median(warm), peer=peer, persons=persons, pdf_bytes=report.pdf.size)


STEPS = {
    "report": step_report,
    "background": step_background,
    "vacuum": step_vacuum,
    "pages_setup": step_pages_setup,
    "router": step_router,
    "evaluation": step_evaluation,
    "evaluation_db": step_evaluation_db,
    "indicators": step_indicators,
    "setup": step_setup,
    "import": step_import,
    "limit": step_limit,
    "indexed_limit": step_indexed_limit,
    "peer": step_peer,
    "openpyxl": step_openpyxl,
    "search": step_search,
    "portal": step_portal,
}

if __name__ == "__main__":
    STEPS[sys.argv[1]](sys.argv[2:])
