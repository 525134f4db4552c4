"""One import from file to registry: read → check → (commit). Used by the background job, the
terminal command and the tests alike.

Memory stays flat with the size of the file: rows are parsed and staged a chunk at a time, the
checks and writes are SQL over the staging tables, and the error report is written from the
database a batch at a time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mahalleh.audit.models import AuditEntry
from mahalleh.audit.services import audit_record
from mahalleh.registry.importer.messages import ImportFileError
from mahalleh.registry.importer.readers import cell_text, open_rows, sniff
from mahalleh.registry.importer.stage import Stage
from mahalleh.registry.importer.validate import Header, Neighbourhoods, RowParser

logger = logging.getLogger(__name__)

CHUNK = 5000
PROGRESS_EVERY = 250  # rows between two progress reports while reading
KEEP_ERRORS = 500  # kept on the job for the page; the XLSX report has them all
PREVIEW_ROWS = 20
COUNT_FIELDS = (
    "rows_total",
    "rows_valid",
    "rows_invalid",
    "households_created",
    "households_updated",
    "persons_created",
    "persons_updated",
)


@dataclass
class ImportResult:
    format: str = ""
    failed: bool = False
    file_error: ImportFileError | None = None
    committed: bool = False
    rows_total: int = 0
    rows_valid: int = 0
    rows_invalid: int = 0
    rows_empty: int = 0
    households_created: int = 0
    households_updated: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    error_count: int = 0
    errors: list[dict] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    # Rows imported (or to be imported) with something to complete: {"row", "column", "code", ...}.
    warnings: list[dict] = field(default_factory=list)
    warning_count: int = 0
    columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # Seconds per stage (read and stage, checks, writes, commit): where an import's time goes,
    # printed by the benchmark.
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = round(self.timings.get(stage, 0.0) + time.perf_counter() - start, 3)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}


def _stage_file(stage: Stage, source, *, office_id: int, default_neighbourhood, progress, share: float):
    """Read, parse and stage every row; returns (header, staged rows, empty rows, the neighbourhood of
    households that name none)."""
    header = parser = None
    staged = 0
    rows: list[tuple] = []
    errors: list[tuple] = []
    empty = 0
    neighbourhoods = Neighbourhoods(office_id, default=default_neighbourhood)
    today = timezone.localdate()
    iso_dates = connection.vendor != "postgresql"

    def flush():
        with transaction.atomic():
            stage.load(rows, errors)
        rows.clear()
        errors.clear()
        progress(share * source.fraction)

    for row_no, cells in source:
        if parser is None:
            if any(cell_text(c).strip() for c in cells):
                header = Header(cells, default_neighbourhood=neighbourhoods.default)
                parser = RowParser(header, neighbourhoods, today=today, iso_dates=iso_dates)
            continue
        parsed = parser.parse(row_no, cells)
        if parsed is None:
            empty += 1
            continue
        rows.append(parsed[0])
        staged += 1
        if parsed[1]:
            errors.extend(parsed[1])
        if len(rows) >= CHUNK:
            flush()
        elif staged % PROGRESS_EVERY == 0:
            # Between chunks too, so the bar moves on a file of a few thousand rows (issue 8.5).
            progress(share * source.fraction)
    if header is None:
        raise ImportFileError("empty")
    flush()
    if not staged:
        raise ImportFileError("no_rows")
    return header, staged, empty, neighbourhoods.default


def run_import(
    *,
    path,
    name: str,
    office,
    user=None,
    commit: bool = False,
    progress: Callable[[float], None] | None = None,
    report_path=None,
    via: str = "web",
    job_id: int | None = None,
    default_neighbourhood: int | None = None,
) -> ImportResult:
    """Check a file (and with ``commit=True`` write its valid rows) for one office.

    ``progress`` is called with a fraction 0–1 as the work goes on. ``report_path``: where to write
    the XLSX error report (every error). ``default_neighbourhood``: the id of one of the office's
    neighbourhoods, for the households whose rows name none (then the file needs no neighbourhood
    column); without it, an office with one neighbourhood uses that one. File-level problems come back
    as ``result.failed`` with ``result.file_error``; nothing is ever half-written.
    """
    progress = progress or (lambda fraction: None)
    result = ImportResult()
    try:
        result.format = sniff(path, name)
    except ImportFileError as exc:
        result.failed, result.file_error = True, exc
        return result
    stage = Stage()
    source = None
    try:
        source = open_rows(path, result.format)
        stage.create()
        with result.timed("read, parse, validate, stage"):
            header, _staged, result.rows_empty, default_nb = _stage_file(
                stage,
                source,
                office_id=office.pk,
                default_neighbourhood=default_neighbourhood,
                progress=progress,
                share=0.8,
            )
        result.columns = [header.name(i) for i in sorted(header.mapping.values())]
        result.ignored_columns = header.ignored
        with result.timed("check the file (SQL)"):
            stage.index()
            stage.resolve_households()
            if default_nb is not None:
                stage.default_neighbourhood(default_nb, header.mapping)
            stage.check_file(header.mapping)
        progress(0.85)
        if commit:
            try:
                commit_start = time.perf_counter()
                with transaction.atomic():
                    with result.timed("check against the registry"):
                        stage.lock(office.pk)
                        stage.check_registry(header.mapping, office.pk)
                        counts = stage.counts()
                        result.preview = stage.preview(PREVIEW_ROWS)
                    progress(0.9)
                    with result.timed("write households and persons"):
                        if counts["rows_valid"]:
                            stage.write(user_id=getattr(user, "pk", None), now=timezone.now())
                        _audit(user=user, office=office, counts=counts, name=name, via=via, job_id=job_id)
                    inside = time.perf_counter()
                # COMMIT: deferred constraint checks run here.
                result.timings["commit"] = round(time.perf_counter() - inside, 3)
                result.timings["transaction"] = round(time.perf_counter() - commit_start, 3)
                result.committed = True
            except IntegrityError:
                # Someone registered one of these national codes (or households) between the checks
                # and the writes; the transaction is rolled back as a whole.
                logger.warning("import of %s for office %s hit a conflict", name, office.pk, exc_info=True)
                raise ImportFileError("conflict") from None
        else:
            stage.check_registry(header.mapping, office.pk)
            counts = stage.counts()
            result.preview = stage.preview(PREVIEW_ROWS)
        for key, value in counts.items():
            setattr(result, key, value)
        result.warning_count, warnings = stage.warnings(header.mapping, limit=KEEP_ERRORS)
        result.warnings = [
            {"row": row, "column": header.name(col), "value": "", "code": code, "params": {}}
            for row, col, code in warnings
        ]
        result.errors = [
            {"row": row, "column": header.name(col), "value": value, "code": code, "params": params}
            for row, col, code, value, params in stage.errors(limit=KEEP_ERRORS)
        ]
        if report_path is not None:
            from mahalleh.registry.importer.report import write_error_report

            write_error_report(report_path, stage.errors(), header)
        progress(1.0)
    except ImportFileError as exc:
        result.failed, result.file_error, result.committed = True, exc, False
    finally:
        if source is not None:
            source.close()
        try:
            stage.drop()
        except Exception:  # the connection may be unusable after a failure; TEMP tables die with it
            logger.debug("could not drop the import staging tables", exc_info=True)
    return result


def _audit(*, user, office, counts: dict, name: str, via: str, job_id) -> None:
    changes = {k: [None, str(counts[k])] for k in COUNT_FIELDS}
    changes["file"] = [None, name]
    entry = audit_record(
        user=user, action="import", object_type="importjob", object_id=job_id or "", changes=changes, via=via
    )
    # An import belongs to the office, so its managers and coordinators see it in their audit.
    AuditEntry.objects.filter(pk=entry.pk).update(office_id=office.pk, province_id=office.county.province_id)
