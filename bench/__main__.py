"""`make bench` / `python -m bench`: measure, print one table, write bench/results/latest.json.

BENCH_SCALE sets the number of persons (default 200000; `5m` = 5 million). Each figure is shown
beside its DESIGN §7 target and, where one exists, the peer and the physical limit measured on the
same rows in the same run, as ratios. Nothing here fails on a timing.

The run takes no arguments: every setting is an environment variable (BENCH_SCALE, BENCH_DATABASES,
BENCH_PG_DB …, listed in bench/README.md). It drops and re-creates its PostgreSQL database
(BENCH_PG_DB, default mahalleh_bench) on the server of BENCH_PG_ADMIN_URL.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR", ROOT / "bench" / "results"))
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = os.environ.get("BENCH_PG_DB", "mahalleh_bench")
# gunicorn for the API and page rows: the same worker count and class `make run` uses.
WEB_WORKERS = os.environ.get("BENCH_WEB_WORKERS", os.environ.get("WEB_WORKERS", "2"))
# Rough sizes per person, for the up-front check: the CSV, the XLSX (capped), the SQLite and
# PostgreSQL databases with their indexes, and the importer's staging.
BYTES_PER_PERSON = {"csv": 230, "xlsx": 120, "sqlite": 900, "postgresql": 1300}
MEMORY_FLOOR_MB = 600


def parse_scale(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    factor = 1
    if text.endswith("m"):
        factor, text = 1_000_000, text[:-1]
    elif text.endswith("k"):
        factor, text = 1_000, text[:-1]
    value = int(float(text) * factor)
    if value < 100:
        raise SystemExit(f"BENCH_SCALE={text!r}: use at least 100 persons.")
    return value


def preflight(scale: int, work: Path, xlsx_rows: int) -> None:
    """Refuse up front a scale that does not fit on this disk or in this memory, with the estimate."""
    need = (
        scale * (BYTES_PER_PERSON["csv"] + BYTES_PER_PERSON["sqlite"]) + xlsx_rows * BYTES_PER_PERSON["xlsx"]
    )
    free = shutil.disk_usage(work).free
    if need > 0.8 * free:
        raise SystemExit(
            f"BENCH_SCALE={scale:,} needs about {need / 1e9:.1f} GB under {work} but only "
            f"{free / 1e9:.1f} GB is free: choose a smaller scale."
        )
    try:
        meminfo = Path("/proc/meminfo").read_text()
        available_kb = int(
            next(line.split()[1] for line in meminfo.splitlines() if line.startswith("MemAvailable"))
        )
    except (OSError, StopIteration, ValueError):
        return
    # The import streams (flat memory); the peer slice and the search sample are bounded.
    if available_kb / 1024 < MEMORY_FLOOR_MB:
        raise SystemExit(
            f"Only {available_kb / 1024:.0f} MB of memory is available; the benchmark needs {MEMORY_FLOOR_MB} MB."
        )


def run_worker(step: str, *args, env: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.worker", step, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench step {step} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _attempt(step: str, *args, env: dict) -> dict:
    """run_worker's answer, or {"error": the end of what went wrong} for a row that says so."""
    try:
        return run_worker(step, *args, env=env)
    except RuntimeError as exc:
        return {"error": str(exc)[-300:]}


def _warm_row(answer: dict, failed: str, name, *, target, peer_name: str, first_loads: str) -> dict:
    """The row of a step timed warm (after its first call) beside its peer: `name(answer)` with the
    seconds, or the `failed` row with the step's error."""
    if "error" in answer:
        return _row(failed, None, "s", target=target, note=answer["error"])
    return _row(name(answer), answer["warm"], "s", target=target, lower_is_better=True, peer=answer["peer"],
                peer_name=peer_name, note=f"first call after start {answer['first']:.2f} s ({first_loads})")  # fmt: skip


def manage(*args, env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "mahalleh.cli", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", reported in the table
        return str(exc).splitlines()[0][:120]


def free_port() -> int:
    if os.environ.get("BENCH_PORT"):
        return int(os.environ["BENCH_PORT"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebServer:
    """gunicorn on loopback (as `make run` starts it), for the API and page rows."""

    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        # A file, not a pipe nobody reads: a full pipe would stall the server mid-run.
        self.log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(WEB_WORKERS), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log,
        )  # fmt: skip
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def load(self, path: str, header: str, *, seconds: int, connections: int) -> dict:
        url = self.url(path)
        _warm(url, header)
        if shutil.which("wrk"):
            return _wrk(url, header, seconds=seconds, connections=connections)
        return _python_load(url, header, seconds=seconds, connections=connections)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=40)  # gunicorn finishes the requests in hand first
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _warm(url: str, header: str) -> None:
    import urllib.request

    name, value = header.split(": ", 1)
    for _ in range(5):
        req = urllib.request.Request(url, headers={name: value})  # noqa: S310
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - loopback only
            resp.read()


# wrk prints 50/75/90/99; this script adds the exact p95 (microseconds) at the end of the run.
WRK_P95 = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\n", latency:percentile(95)))
end
"""


def _wrk(url: str, header: str, *, seconds: int, connections: int) -> dict:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_P95)
    try:
        proc = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
             "-H", header, url],
            capture_output=True, text=True, check=True, timeout=seconds + 30,
        )  # fmt: skip
    finally:
        script.unlink(missing_ok=True)
    text = proc.stdout
    out = {"tool": "wrk", "seconds": seconds, "connections": connections}
    for line in text.splitlines():
        parts = line.split()
        if line.strip().startswith("Requests/sec:"):
            out["req_per_s"] = float(parts[1])
        elif parts[:1] == ["50%"]:
            out["p50_ms"] = _ms(parts[1])
        elif parts[:1] == ["90%"]:
            out["p90_ms"] = _ms(parts[1])
        elif parts[:1] == ["99%"]:
            out["p99_ms"] = _ms(parts[1])
        elif "requests in" in line:
            out["requests"] = int(parts[0])
        elif line.strip().startswith("Non-2xx"):
            out["errors"] = out.get("errors", 0) + int(parts[-1])
        elif line.strip().startswith("Socket errors"):
            out["errors"] = out.get("errors", 0) + sum(
                int(x.strip(",")) for x in parts[2::2] if x.strip(",").isdigit()
            )
        elif parts[:1] == ["P95_US"]:
            out["p95_ms"] = round(int(parts[1]) / 1000, 2)
    out.setdefault("errors", 0)
    return out


def _ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1), ("s", 1000)):
        if text.endswith(unit):
            return round(float(text[: -len(unit)]) * factor, 2)
    return float(text)


def _python_load(url: str, header: str, *, seconds: int, connections: int) -> dict:
    """A bounded threaded loader, for machines without wrk."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    name, value = header.split(": ", 1)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine, bad = [], 0
        while time.monotonic() < deadline:
            t = time.perf_counter()
            try:
                conn.request("GET", f"{parts.path}?{parts.query}", headers={name: value})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    bad += 1
            except OSError:
                bad += 1
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=run) for _ in range(connections)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2)  # noqa: E731
    return {
        "tool": "python", "seconds": seconds, "connections": connections, "requests": len(latencies),
        "req_per_s": round(len(latencies) / elapsed, 1), "p50_ms": pick(0.5), "p95_ms": pick(0.95), "errors": errors[0],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        # A run drops its database and takes many minutes: never start one on an option it does not
        # know (`--help` included), say how it is set instead.
        print(__doc__.strip(), file=sys.stdout if argv[0] in {"-h", "--help"} else sys.stderr)
        if argv[0] in {"-h", "--help"}:
            return 0
        print(
            f"\nbench: unknown argument {argv[0]!r}: the settings are environment variables.", file=sys.stderr
        )
        return 2
    scale = parse_scale(os.environ.get("BENCH_SCALE", "200000"))
    peer_rows = min(scale, int(os.environ.get("BENCH_PEER_ROWS", "10000")))
    xlsx_rows = min(scale, int(os.environ.get("BENCH_XLSX_ROWS", "100000")))
    api_seconds = int(os.environ.get("BENCH_API_SECONDS", "15"))
    search_queries = int(os.environ.get("BENCH_SEARCH_QUERIES", "200"))
    page_seconds = int(os.environ.get("BENCH_PAGE_SECONDS", "5"))
    # Other offices' residents loaded before the import: an office's lists and search then pick its
    # rows out of many, as in production. Up to 1M the whole scale is imported (plus half as many
    # residents of other offices); above, one office imports a 1M-row file into a database that
    # holds the rest of the scale (bench-data's COPY), so 5M completes on 2 cores and the 1M-row
    # memory target is measured as stated.
    import_rows = min(scale, int(os.environ.get("BENCH_IMPORT_ROWS", "1000000")))
    default_background = scale - import_rows if scale > import_rows else scale // 2
    background = int(os.environ.get("BENCH_BACKGROUND", str(default_background)))
    # SQLite serves one office or a demo; a country's registry is on PostgreSQL. Above 1M persons
    # the SQLite pass (its own 5M load and rebuild, about as long again) runs only when asked.
    default_databases = "sqlite,postgresql" if scale <= 1_000_000 else "postgresql"
    only = {v.strip() for v in os.environ.get("BENCH_DATABASES", default_databases).split(",")}
    keep = os.environ.get("BENCH_KEEP") == "1"
    work = Path(tempfile.mkdtemp(prefix="mahalleh-bench-"))
    preflight(scale, work, xlsx_rows)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    print(f"Mahalleh benchmarks at {scale:,} persons (work dir {work})", flush=True)
    # A shared machine makes every figure noisy: say how busy it was when the run started.
    print(f"machine load at start (1/5/15 min): {load_at_start} on {os.cpu_count()} CPUs", flush=True)
    print(f"databases: {', '.join(sorted(only))}", flush=True)

    rows: list[dict] = []
    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "import_rows": import_rows,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load_at_start": load_at_start},
        "background_persons": background,
        "rows": rows,
    }

    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "MAHALLEH_VAR_DIR": str(work / "var"),
    }
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["MAHALLEH_VAR_DIR"] = str(work / "var")
    import django

    django.setup()
    from mahalleh.demo import synthetic

    csv_path, xlsx_path = work / "persons.csv", work / "persons.xlsx"
    t = time.perf_counter()
    synthetic.write_csv(csv_path, persons=import_rows, place_codes=["BENCH-N11", "BENCH-N12"])
    gen_seconds = time.perf_counter() - t
    synthetic.write_xlsx(xlsx_path, persons=xlsx_rows, place_codes=["BENCH-N21", "BENCH-N22"], seed=99)
    rows.append(
        _row(
            "generate CSV (bench-data)",
            import_rows / gen_seconds,
            "rows/s",
            target=None,
            note=f"{gen_seconds:.1f} s",
        )
    )
    print(f"  generated {import_rows:,} rows in {gen_seconds:.1f} s", flush=True)

    print("  evaluation: one indicator, 10,000 respondents, 999 bootstrap draws", flush=True)
    ev = _attempt("evaluation", env={**base_env, "DATABASE_URL": f"sqlite:///{work / 'eval.sqlite3'}"})
    rows.append(
        _warm_row(ev, "evaluation, 1 indicator (DiD + wild bootstrap)",
                  lambda a: f"evaluation, 1 indicator ({a['respondents']:,} respondents, {a['clusters']} clusters, 999 draws)",
                  target=3, peer_name="statsmodels clustered OLS, no bootstrap", first_loads="imports statsmodels/numba")
    )  # fmt: skip

    print("  monthly office report: content, Persian PDF and XLSX", flush=True)
    rp = _attempt("report", env={**base_env, "DATABASE_URL": f"sqlite:///{work / 'report.sqlite3'}"})
    rows.append(
        _warm_row(rp, "monthly office report PDF", lambda a: f"monthly office report PDF + XLSX ({a['persons']:,} residents)",
                  target=5, peer_name="the same report as HTML only", first_loads="loads pango")
    )  # fmt: skip

    databases = []
    if "sqlite" in only:
        databases.append(("sqlite", f"sqlite:///{work / 'bench.sqlite3'}", None))
    if "postgresql" in only:
        pg_problem = pg_reachable()
        pg_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"
        databases.append(("postgresql", pg_url, pg_problem))
    api_env, api_token = None, None
    for vendor, url, problem in databases:
        label = "PostgreSQL" if vendor == "postgresql" else "SQLite"
        if problem:
            rows.append(
                _row(
                    f"CSV import → {label}",
                    None,
                    "rows/s",
                    target=None,
                    note=f"PostgreSQL unreachable: {problem}",
                )
            )
            continue
        env = {**base_env, "DATABASE_URL": url}
        print(f"  {label}: migrate", flush=True)
        manage("migrate", "-v0", env=env)
        setup = run_worker("setup", env=env)
        if background:
            print(f"  {label}: {background:,} residents of other offices (bench-data)", flush=True)
            run_worker("background", background, env=env)
        print(f"  {label}: CSV import", flush=True)
        imp = run_worker("import", csv_path, "BENCH-O1", env=env)
        lim = run_worker("limit", csv_path, env=env)
        print(f"  {label}: peer (django-import-export, {peer_rows:,} rows)", flush=True)
        try:
            peer = run_worker("peer", csv_path, peer_rows, env=env)
            peer_rate = peer["rows"] / peer["seconds"]
        except RuntimeError as exc:
            peer, peer_rate = {"error": str(exc)[-300:]}, None
        rate = imp["rows"] / imp["seconds"]
        target = 100_000 if vendor == "postgresql" else 50_000
        rows.append(
            _row(
                f"CSV import → {label}, validated",
                rate, "rows/s", target=target,
                peer=peer_rate, peer_name="django-import-export",
                limit=lim["rows"] / lim["seconds"], limit_name="COPY" if vendor == "postgresql" else "executemany",
                note=f"{imp['rows']:,} rows ({imp['invalid']:,} invalid) in {imp['seconds']:.1f} s; "
                + _stages(imp),
            )
        )  # fmt: skip
        floor = run_worker("indexed_limit", "BENCH-O1", env=env)
        rows.append(
            _row(f"the imported rows written into tables indexed as the registry's ({label})",
                 floor["rows"] / floor["seconds"], "rows/s", target=None,
                 note=f"{floor['rows']:,} residents and {floor['households']:,} households in "
                 f"{floor['seconds']:.1f} s by {'COPY' if vendor == 'postgresql' else 'executemany'}, "
                 "unvalidated, no foreign keys: the least any import of this file can take; the validated "
                 f"import took {imp['seconds'] / floor['seconds']:.1f}× as long")
        )  # fmt: skip
        rows.append(
            _row(f"import peak memory (RSS) → {label}", imp["max_rss_mb"], "MB", target=500, lower_is_better=True,
                 note=f"{import_rows:,} rows; target is for 1M rows")
        )  # fmt: skip
        print(f"  {label}: XLSX import", flush=True)
        ximp = run_worker("import", xlsx_path, "BENCH-O2", env=env)
        opx = run_worker("openpyxl", xlsx_path, env=env)
        rows.append(
            _row(f"XLSX import → {label}", ximp["rows"] / ximp["seconds"], "rows/s", target=30_000,
                 peer=opx["rows"] / opx["seconds"], peer_name="openpyxl read only",
                 note=f"{ximp['rows']:,} rows in {ximp['seconds']:.1f} s; " + _stages(ximp))
        )  # fmt: skip
        vac = run_worker("vacuum", env=env)
        print(f"  {label}: VACUUM (ANALYZE) after the loads, {vac['seconds']:.0f} s", flush=True)
        print(f"  {label}: search", flush=True)
        srch = run_worker("search", search_queries, env=env)
        for kind, title in (("name", "name part"), ("national_code", "national code"), ("mobile", "mobile")):
            peer_p95 = srch["peer_icontains"]["p95_ms"] if kind == "name" else None
            rows.append(
                _row(f"search {title} p95 ({label}, {srch['persons']:,} persons)", srch[kind]["p95_ms"], "ms",
                     target=20, lower_is_better=True, peer=peer_p95, peer_name="icontains on the raw name",
                     note=f"p50 {srch[kind]['p50_ms']} ms, {srch[kind]['n']} queries")
            )  # fmt: skip
        print(f"  {label}: indicators (full rebuild, refresh after changes, dashboard)", flush=True)
        try:
            ind = run_worker("indicators", min(10_000, scale), 20, env=env)
            rows.append(
                _row(f"dashboard page p95 ({label}, {ind['persons']:,} persons)", ind["page"]["p95_ms"], "ms",
                     target=100, lower_is_better=True,
                     peer=ind["peer"]["p95_ms"], peer_name="one figure by GROUP BY over the live tables",
                     limit=ind["limit"]["p95_ms"], limit_name="bare SELECT on the fact table",
                     note=(f"p50 {ind['page']['p50_ms']} ms, first render after start {ind.get('first_ms')} ms; "
                           "the peer is ONE indicator, the page shows all"))
            )  # fmt: skip
            rows.extend(  # the other roles' dashboards
                _row(f"dashboard page p95, {role} ({label}, {ind['persons']:,} persons)", timing["p95_ms"], "ms",
                     target=100, lower_is_better=True, note=f"p50 {timing['p50_ms']} ms")
                for role, timing in ind.get("roles", {}).items()
            )  # fmt: skip
            rows.append(
                _row(f"indicator refresh after {ind['changed']:,} changed persons ({label})",
                     ind["incremental_seconds"], "s", target=5, lower_is_better=True,
                     peer=ind["full_seconds"], peer_name="full rebuild",
                     note=f"{ind['incremental_neighbourhoods']} neighbourhoods recomputed")
            )  # fmt: skip
            if ind.get("flows"):
                flows = ind["flows"]
                rows.append(
                    _row(f"indicator refresh after {flows['cases']} harm cases identified today ({label})",
                         flows["seconds"], "s", target=5, lower_is_better=True,
                         peer=flows["every_period_seconds"], peer_name="the same neighbourhoods, every period",
                         note=(f"{flows['neighbourhoods']} neighbourhoods, {flows['residents']:,} residents; "
                               f"{flows['facts']:,} facts against {flows['every_period_facts']:,}"))
                )  # fmt: skip
            rows.append(
                _row(f"indicator full rebuild ({label})", ind["full_seconds"], "s", target=None,
                     note=f"{ind['full_facts']:,} facts, {ind['full_neighbourhoods']} neighbourhoods")
            )  # fmt: skip
        except RuntimeError as exc:
            rows.append(
                _row(f"indicators ({label})", None, "s", target=None, note=f"failed: {str(exc)[-200:]}")
            )
        print(f"  {label}: evaluation from the database (10,000 answers, every survey item)", flush=True)
        rows.append(evaluation_db_row(env, label))
        api_env, api_token, api_label = env, setup["token"], label
        if vendor == "postgresql":
            rows.extend(router_rows(env, url))
        _write(results)  # a long run that is stopped still leaves what it measured
    if api_env is not None:
        web_rows(
            rows, results, api_env, api_token, api_label, api_seconds=api_seconds, page_seconds=page_seconds
        )

    print_table(rows)
    _write(results)
    print(f"\nwrote {RESULTS / 'latest.json'}")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
        if any(vendor == "postgresql" and not problem for vendor, _u, problem in databases):
            drop_pg()  # gigabytes at the large scales
    return 0


def _write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))


def drop_pg() -> None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
    except Exception as exc:  # noqa: BLE001 - the table is printed already; say what is left behind
        print(f"could not drop the benchmark database {PG_BENCH_DB}: {exc}")


def web_rows(rows, results, env, token, label, *, api_seconds: int, page_seconds: int) -> None:
    """The API list and every often-opened page, loaded on loopback through gunicorn."""
    from urllib.parse import quote

    try:
        manage("collectstatic", "--noinput", "-v0", env=env)  # pages link hashed static names
        pages = run_worker("pages_setup", env=env)
    except RuntimeError as exc:
        pages = {"pages": {}, "cookie": ""}
        rows.append(_row("pages", None, "ms", target=100, note=f"setup failed: {str(exc)[-300:]}"))
    try:
        server = WebServer(env, Path(tempfile.gettempdir()) / f"mahalleh-bench-gunicorn-{os.getpid()}.log")
    except Exception as exc:  # noqa: BLE001 - reported in the table, the other rows stand
        rows.append(_row("API list endpoint", None, "req/s", target=300, note=f"failed: {exc}"))
        return
    with server:
        print(f"  API load ({label}, {api_seconds} s)", flush=True)
        try:
            load = server.load(
                "/api/v1/persons/?page_size=20",
                f"Authorization: Token {token}",
                seconds=api_seconds,
                connections=8,
            )
            rows.append(
                _row(f"API /api/v1/persons/ ({label}, gunicorn {WEB_WORKERS} workers, {load['tool']})",
                     load["req_per_s"], "req/s", target=300,
                     note=f"p50 {load.get('p50_ms')} ms, p95 {load.get('p95_ms')} ms, {load.get('errors', 0)} errors, "
                     f"{load.get('requests', 0):,} requests")
            )  # fmt: skip
            results["api"] = load
        except Exception as exc:  # noqa: BLE001 - reported in the table, the other rows stand
            rows.append(_row("API list endpoint", None, "req/s", target=300, note=f"failed: {exc}"))
        results["pages"] = {}
        for name, path in pages["pages"].items():
            print(f"  page {name} ({page_seconds} s)", flush=True)
            try:
                load = server.load(
                    quote(path, safe="/?=&"),
                    f"Cookie: sessionid={pages['cookie']}",
                    seconds=page_seconds,
                    connections=4,
                )
            except Exception as exc:  # noqa: BLE001 - reported in the row
                rows.append(_row(f"page {name} p95 ({label})", None, "ms", target=100, note=f"failed: {exc}"))
                continue
            results["pages"][name] = {"path": path, **load}
            rows.append(
                _row(f"page {name} p95 ({label}, {load['tool']}, session)", load.get("p95_ms"), "ms",
                     target=100, lower_is_better=True,
                     note=f"{path}: {load.get('req_per_s')} req/s, p50 {load.get('p50_ms')} ms, "
                     f"{load.get('errors', 0)} errors, {load.get('requests', 0):,} requests")
            )  # fmt: skip
        print(f"  public portal load ({label}, {api_seconds} s per page)", flush=True)
        try:
            paths = run_worker("portal", env=env)
            loads = {
                page: server.load(path, "Accept-Language: fa", seconds=api_seconds, connections=8)
                for page, path in (
                    ("story page", paths["story_path"]),
                    ("home page", paths["home_path"]),
                    ("limit", "/robots.txt"),
                )
            }
            limit = loads.pop("limit")
            for page, load in loads.items():
                rows.append(
                    _row(f"portal {page} ({label}, gunicorn {WEB_WORKERS} workers, {load['tool']})", load["req_per_s"],
                         "req/s", target=500, limit=limit["req_per_s"],
                         limit_name="/robots.txt (a constant view through the same middleware)",
                         note=f"p50 {load.get('p50_ms')} ms, p95 {load.get('p95_ms')} ms (target < 50), "
                         f"{load.get('errors', 0)} errors, {load.get('requests', 0):,} requests")
                )  # fmt: skip
                rows.append(
                    _row(f"portal {page} p95 ({label})", load.get("p95_ms"), "ms", target=50,
                         lower_is_better=True, note="cached per language; ETag/Cache-Control")
                )  # fmt: skip
            results["portal"] = {**loads, "limit": limit}
        except Exception as exc:  # noqa: BLE001 - reported in the table, the other rows stand
            rows.append(_row("portal pages", None, "req/s", target=500, note=f"failed: {exc}"))


def evaluation_db_row(env: dict, label: str) -> dict:
    """The province's evaluation page's work: answers read from the database, every item estimated."""
    name = f"evaluation from the database, per survey item ({label})"
    try:
        ev = run_worker("evaluation_db", 10_000, env=env)
    except RuntimeError as exc:
        return _row(name, None, "s", target=3, note=f"failed: {str(exc)[-300:]}")
    if "error" in ev:
        return _row(name, None, "s", target=3, note=ev["error"])
    return _row(
        name, ev["warm"] / ev["items"], "s", target=3, lower_is_better=True,
        note=(f"the whole province: {ev['warm']:.2f} s for {ev['items']} items, {ev['respondents']:,} answers, "
              f"{ev['clusters']} neighbourhoods, 999 draws each; first call after start {ev['first']:.2f} s"),
    )  # fmt: skip


ROUTER_PAGES = {
    "home": "dashboard at / with the replica router (PostgreSQL)",
    "dashboard": "indicators dashboard with the replica router (PostgreSQL)",
}


def router_rows(env: dict, pg_url: str) -> list[dict]:
    """The dashboard pages with and without the replica router (same run): does the primary get
    relieved? Needs a streaming replica: BENCH_REPLICA_URL, or BENCH_START_REPLICA=1 (as
    `make bench` sets) to start one with scripts/pg_replica.sh on BENCH_REPLICA_PORT."""

    def unmeasured(note: str) -> list[dict]:
        return [_row(name, None, "ms", target=100, note=note) for name in ROUTER_PAGES.values()]

    replica_url = os.environ.get("BENCH_REPLICA_URL", "")
    replica_dir = None
    try:
        if not replica_url:
            if os.environ.get("BENCH_START_REPLICA") != "1":
                return unmeasured("no replica: set BENCH_REPLICA_URL or BENCH_START_REPLICA=1")
            port = int(os.environ.get("BENCH_REPLICA_PORT", "5443"))
            primary_port = pg_url.rsplit(":", 1)[1].split("/")[0]
            replica_dir = tempfile.mkdtemp(prefix="mahalleh-bench-replica-")
            started = subprocess.run(
                ["bash", str(ROOT / "scripts" / "pg_replica.sh"), "start", primary_port, str(port), replica_dir],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if started.returncode != 0:
                return unmeasured(f"replica did not start: {started.stderr.strip()[-200:]}")
            replica_url = pg_url.rsplit(":", 1)[0] + f":{port}/" + pg_url.rsplit("/", 1)[1]
        print("  PostgreSQL: dashboard pages with / without the replica router", flush=True)
        n = int(os.environ.get("BENCH_ROUTER_REQUESTS", "5"))
        res = run_worker("router", n, env={**env, "DATABASE_REPLICA_URLS": replica_url})
        rows = []
        for page, name in ROUTER_PAGES.items():
            with_r, without = res["pages"][page]["with_router"], res["pages"][page]["without_router"]
            total = sum(with_r["statements"].values())
            rows.append(
                _row(
                    name, with_r["p95_ms"], "ms", target=100, lower_is_better=True,
                    peer=without["p95_ms"], peer_name="same page, primary only",
                    note=(f"the bench facilitator, {n} requests, {res['persons']:,} persons; the primary served "
                          f"{with_r['statements']['default']} of {total} SQL statements and read "
                          f"{with_r['primary_rows_read']:,} rows with the router, "
                          f"{sum(without['statements'].values())} statements and "
                          f"{without['primary_rows_read']:,} rows without"),
                )
            )  # fmt: skip
        return rows
    except Exception as exc:  # noqa: BLE001 - reported in the table, the other rows stand
        return unmeasured(f"failed: {str(exc)[-300:]}")
    finally:
        if replica_dir:
            subprocess.run(
                ["bash", str(ROOT / "scripts" / "pg_replica.sh"), "stop", replica_dir], check=False
            )


def _stages(result: dict) -> str:
    """Where the import's time went, in seconds per stage."""
    timings = result.get("timings") or {}
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items() if name != "transaction")


def _row(name, value, unit, *, target, peer=None, peer_name="", limit=None, limit_name="", note="",
         lower_is_better=False) -> dict:  # fmt: skip
    row = {"name": name, "value": value, "unit": unit, "target": target, "note": note}
    if value is not None and target:
        row["vs_target"] = round((target / value) if lower_is_better else (value / target), 2)
    if peer is not None and value:
        row["peer"], row["peer_name"] = peer, peer_name
        row["vs_peer"] = round((peer / value) if lower_is_better else (value / peer), 2)
    if limit is not None and value:
        row["limit"], row["limit_name"] = limit, limit_name
        row["of_limit"] = round(value / limit, 2)
    return row


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value < 100:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def print_table(rows: list[dict]) -> None:
    print()
    head = f"{'benchmark':<62} {'value':>12} {'unit':<7} {'target':>9} {'×target':>8} {'peer':>10} {'×peer':>7} {'limit':>10} {'of limit':>8}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['name'][:62]:<62} {_fmt(r['value']):>12} {r['unit']:<7} {_fmt(r['target']):>9} "
            f"{_fmt(r.get('vs_target')):>8} {_fmt(r.get('peer')):>10} {_fmt(r.get('vs_peer')):>7} "
            f"{_fmt(r.get('limit')):>10} {_fmt(r.get('of_limit')):>8}"
        )
        if r.get("note"):
            print(f"    {r['note']}")
    print("\n×target: how many times the target (>1 is better); ×peer: times faster than the peer; "
          "of limit: share of the raw, unvalidated speed of the same rows.")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
