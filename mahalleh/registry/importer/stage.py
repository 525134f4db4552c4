"""The staging tables of one import and the set-based SQL that checks and writes them.

Rows are staged into TEMP tables of the import's own connection as they are read (PostgreSQL:
``COPY``; SQLite: ``executemany``), so Python never holds more than one chunk. Everything that
looks across rows or at the registry is then a handful of set-based statements (joins, never a
query per row):

* the household of each key: its columns come from the head's row, or else from the first row
  of the key that fills them;
* duplicate national codes in the file, the same person twice in a household, two heads;
* national codes already registered by another office;
* matching: a household is the one with the same neighbourhood and external id (= household
  key); a resident is the one with the same national code, else the one in that household with
  the same first and last name (compared by search key) and birth date;
* the writes (commit only): ``INSERT … SELECT`` and ``UPDATE … FROM`` (rows that would not change
  are not rewritten), the head of each touched household, search keys, and the SQLite FTS5 table.

The SQL is the same on both databases except for the few expressions in :class:`Dialect`.
"""

# Table names are this module's constants and every value is a bound parameter, so the f-strings below
# build no SQL from input.
# ruff: noqa: S608

from __future__ import annotations

import json

from django.db import DatabaseError, connection, transaction

from mahalleh.registry.importer.validate import STAGE_COLUMNS

ROW = "mahalleh_imp_row"  # every non-empty row of the file, as parsed
ERR = "mahalleh_imp_err"  # every error
HH = "mahalleh_imp_hh"  # one row per household key
VAL = "mahalleh_imp_val"  # the rows that will be written, with what they match
TOUCHED = "mahalleh_imp_touched"  # households whose head and search key are refreshed
HEADS = "mahalleh_imp_heads"
NEW = "mahalleh_imp_new"  # the id each new resident gets
TABLES = (ROW, ERR, HH, VAL, TOUCHED, HEADS, NEW)
ERR_COLUMNS = ("row_no", "col", "code", "value", "params")
PERSON_FIELDS = (
    "id_type", "national_code", "document_number", "first_name", "last_name", "father_name", "father_key",
    "name_key", "sex", "birth_date", "relation", "nationality", "education", "school_enrolled", "employment",
    "disability", "insurance", "mobile",
)  # fmt: skip

_ROW_TYPES = {
    "row_no": "INTEGER PRIMARY KEY",
    "is_head": "SMALLINT NOT NULL",
    "ok": "SMALLINT NOT NULL",
    "nb_id": "BIGINT",
    "birth_date": "DATE",
    "school_enrolled": "BOOLEAN",
}
HOUSEHOLD_FIELDS = ("nb_id", "address", "addr_key", "phone", "tenure", "income")


class Dialect:
    """The expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, vendor: str):
        self.vendor = vendor
        self.pg = vendor == "postgresql"

    def before_pipe(self, expr: str) -> str:
        if self.pg:
            return f"split_part({expr}, '|', 1)"
        return f"substr({expr}, 1, instr({expr}, '|') - 1)"

    def after_pipe(self, expr: str) -> str:
        if self.pg:
            return f"substr({expr}, strpos({expr}, '|') + 1)"
        return f"substr({expr}, instr({expr}, '|') + 1)"

    def row_list(self, expr: str) -> str:
        if self.pg:
            return f"string_agg(({expr})::text, ',')"
        return f"group_concat({expr}, ',')"


class Stage:
    def __init__(self):
        self.dialect = Dialect(connection.vendor)
        self.pg = self.dialect.pg
        self._first_new_person = None
        self._saved_cache = None

    # ------------------------------------------------------------------ plumbing

    def _run(self, *statements: str, params=None) -> None:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql, params)

    def _one(self, sql: str, params=None):
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()

    def _all(self, sql: str, params=None) -> list:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def _analyze(self, *tables: str) -> None:
        # PostgreSQL never auto-analyses TEMP tables; without statistics the planner guesses badly.
        if self.pg:
            self._run(*(f"ANALYZE {t}" for t in tables))

    # SQLite's default page cache is 2 MB: too small for the indexes a large import walks, so the
    # import's connection gets a bounded larger one (restored afterwards).
    SQLITE_CACHE_KIB = 64 * 1024

    # PostgreSQL: the staging tables of a large file outgrow the default 8 MB of temp buffers and the
    # 4 MB per sort/hash; the import's session gets more (reset afterwards).
    PG_TEMP_BUFFERS = "256MB"
    PG_WORK_MEM = "64MB"

    def create(self) -> None:
        self.drop()
        if self.pg:
            self._run(f"SET work_mem = '{self.PG_WORK_MEM}'")
            try:
                # Only allowed before the session's first TEMP table; a reused connection keeps its size.
                with transaction.atomic():
                    self._run(f"SET temp_buffers = '{self.PG_TEMP_BUFFERS}'")
            except DatabaseError:
                pass
        else:
            self._saved_cache = self._one("PRAGMA main.cache_size")[0]
            self._run(
                f"PRAGMA main.cache_size = -{self.SQLITE_CACHE_KIB}",
                f"PRAGMA temp.cache_size = -{self.SQLITE_CACHE_KIB}",
            )
        columns = ", ".join(f"{c} {_ROW_TYPES.get(c, 'TEXT')}" for c in STAGE_COLUMNS)
        self._run(
            f"CREATE TEMP TABLE {ROW} ({columns})",
            f"CREATE TEMP TABLE {ERR} (row_no INTEGER NOT NULL, col INTEGER NOT NULL, code TEXT NOT NULL, "
            "value TEXT, params TEXT, p_key TEXT, p_row INTEGER, p_text TEXT)",
        )

    def drop(self) -> None:
        self._run(*(f"DROP TABLE IF EXISTS {t}" for t in TABLES))
        if self.pg:
            self._run("RESET work_mem")
        saved = getattr(self, "_saved_cache", None)
        if saved is not None:
            self._run(f"PRAGMA main.cache_size = {int(saved)}", f"PRAGMA temp.cache_size = {int(saved)}")
            self._saved_cache = None

    # ------------------------------------------------------------------ loading

    def load(self, rows: list[tuple], errors: list[tuple]) -> None:
        """Stage one chunk of parsed rows and their errors."""
        errors = [
            (r, c, code, value, json.dumps(p, ensure_ascii=False) if p else None)
            for r, c, code, value, p in errors
        ]
        if self.pg:
            with connection.cursor() as cur:
                raw = cur.cursor
                if rows:
                    with raw.copy(f"COPY {ROW} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
                        write = copy.write_row
                        for row in rows:
                            write(row)
                if errors:
                    with raw.copy(f"COPY {ERR} ({', '.join(ERR_COLUMNS)}) FROM STDIN") as copy:
                        for error in errors:
                            copy.write_row(error)
            return
        # COPY's SQLite counterpart: one prepared statement, executemany, one transaction per chunk
        # (on the TEMP database only, so other writers are never blocked).
        connection.ensure_connection()
        raw = connection.connection.cursor()  # the plain sqlite3 cursor: no per-call query rewriting
        try:
            if rows:
                marks = ", ".join("?" * len(STAGE_COLUMNS))
                raw.executemany(f"INSERT INTO {ROW} ({', '.join(STAGE_COLUMNS)}) VALUES ({marks})", rows)
            if errors:
                raw.executemany(
                    f"INSERT INTO {ERR} ({', '.join(ERR_COLUMNS)}) VALUES (?, ?, ?, ?, ?)", errors
                )
        finally:
            raw.close()

    def index(self) -> None:
        statements = [
            f"CREATE INDEX {ROW}_code ON {ROW} (national_code)",
            f"CREATE INDEX {ERR}_row ON {ERR} (row_no, col)",
        ]
        if not self.pg:
            statements.append(f"CREATE INDEX {ROW}_hh ON {ROW} (hh_key, is_head DESC, row_no)")
        self._run(*statements)

    # ------------------------------------------------------------------ checks within the file

    def resolve_households(self) -> None:
        """One row per household key with its columns taken from the head's row, else from the first
        row of the key that fills them."""
        self._run(
            f"CREATE TEMP TABLE {HH} (hh_key TEXT PRIMARY KEY, first_row INTEGER, head_row INTEGER, "
            "nb_id BIGINT, nb_row INTEGER, address TEXT, addr_key TEXT, phone TEXT, tenure TEXT, "
            "income TEXT, "
            "hh_id BIGINT, new_hh SMALLINT NOT NULL DEFAULT 0, used SMALLINT NOT NULL DEFAULT 1)"
        )
        fields = (*HOUSEHOLD_FIELDS, "nb_row")
        if self.pg:
            # One pass: the first non-empty value of each column, head's row first.
            def first(field: str) -> str:
                value, fill = ("row_no", "nb_id") if field == "nb_row" else (field, field)
                fill = "address" if fill == "addr_key" else fill
                return (
                    f"(array_agg({value} ORDER BY is_head DESC, row_no) FILTER (WHERE {fill} IS NOT NULL))[1]"
                )

            self._run(
                f"INSERT INTO {HH} (hh_key, first_row, head_row, {', '.join(fields)}) "
                f"SELECT hh_key, MIN(row_no), MIN(row_no) FILTER (WHERE is_head = 1), "
                f"{', '.join(first(f) for f in fields)} FROM {ROW} WHERE hh_key IS NOT NULL GROUP BY hh_key"
            )
            self._analyze(HH)
            return
        self._run(
            f"INSERT INTO {HH} (hh_key, first_row, head_row) "
            f"SELECT hh_key, MIN(row_no), MIN(CASE WHEN is_head = 1 THEN row_no END) "
            f"FROM {ROW} WHERE hh_key IS NOT NULL GROUP BY hh_key"
        )

        def source(field: str) -> str:
            # SQLite: the head's row when it fills the field (a primary-key lookup), else the first
            # row of the key that does (an index range scan); both cheap in SQLite.
            value, fill = ("row_no", "nb_id") if field == "nb_row" else (field, field)
            fill = "address" if fill == "addr_key" else fill
            return (
                f"COALESCE((SELECT r.{value} FROM {ROW} r "
                f"WHERE r.row_no = {HH}.head_row AND r.{fill} IS NOT NULL), "
                f"(SELECT r.{value} FROM {ROW} r WHERE r.hh_key = {HH}.hh_key AND r.{fill} IS NOT NULL "
                f"ORDER BY r.is_head DESC, r.row_no LIMIT 1))"
            )

        self._run(f"UPDATE {HH} SET {', '.join(f'{f} = {source(f)}' for f in fields)}")

    def default_neighbourhood(self, nb_id: int, cols: dict[str, int]) -> None:
        """Put the households that name no neighbourhood in any row into ``nb_id`` (the one chosen
        on upload, or the office's only one). A household whose rows name one keep it; a household
        with a bad neighbourhood cell is not moved (its other rows then say so, below)."""
        if "neighbourhood" not in cols:
            self._run(f"UPDATE {HH} SET nb_id = %s WHERE nb_id IS NULL", params=[nb_id])
            return
        self._run(
            f"UPDATE {HH} SET nb_id = %s WHERE nb_id IS NULL AND hh_key NOT IN ("
            f"SELECT r.hh_key FROM {ROW} r JOIN {ERR} e ON e.row_no = r.row_no AND e.col = %s "
            f"WHERE r.hh_key IS NOT NULL)",
            params=[nb_id, cols["neighbourhood"]],
        )

    def check_file(self, cols: dict[str, int]) -> None:
        """Errors that only show when rows are compared with each other."""
        nb, relation = cols.get("neighbourhood", -1), cols["relation"]  # no column: the office default
        statements = [
            # A household with no usable neighbourhood in any row: every row of it (except the ones
            # that already say what is wrong with their own neighbourhood cell).
            f"INSERT INTO {ERR} (row_no, col, code, value, p_key) "
            f"SELECT r.row_no, {nb}, 'household_no_neighbourhood', '', r.hh_key FROM {ROW} r "
            f"JOIN {HH} h ON h.hh_key = r.hh_key WHERE h.nb_id IS NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {ERR} e WHERE e.row_no = r.row_no AND e.col = {nb})",
            # Rows of one household that name different neighbourhoods.
            f"INSERT INTO {ERR} (row_no, col, code, value, p_key, p_row, p_text) "
            f"SELECT r.row_no, {nb}, 'neighbourhood_conflict', rn.code, r.hh_key, h.nb_row, hn.code "
            f"FROM {ROW} r JOIN {HH} h ON h.hh_key = r.hh_key "
            f"JOIN geo_neighbourhood rn ON rn.id = r.nb_id JOIN geo_neighbourhood hn ON hn.id = h.nb_id "
            f"WHERE r.nb_id <> h.nb_id",
            # A second head in one household.
            f"INSERT INTO {ERR} (row_no, col, code, value, p_key, p_row) "
            f"SELECT r.row_no, {relation}, 'second_head', '', r.hh_key, h.head_row FROM {ROW} r "
            f"JOIN {HH} h ON h.hh_key = r.hh_key WHERE r.is_head = 1 AND r.row_no <> h.head_row",
        ]
        if "national_code" in cols:
            statements.append(
                # The same national code twice in the file: every row that has it.
                f"INSERT INTO {ERR} (row_no, col, code, value, p_text) "
                f"SELECT r.row_no, {cols['national_code']}, 'duplicate_in_file', r.national_code, d.rows "
                f"FROM {ROW} r JOIN (SELECT national_code, {self.dialect.row_list('row_no')} AS rows "
                f"FROM {ROW} WHERE national_code IS NOT NULL GROUP BY national_code HAVING COUNT(*) > 1) d "
                f"ON d.national_code = r.national_code"
            )
        statements.append(
            # Without a national code, a resident is known by household, name and birth date: the same
            # three twice would be one person written twice.
            f"INSERT INTO {ERR} (row_no, col, code, value, p_key, p_text) "
            f"SELECT r.row_no, {cols['first_name']}, 'duplicate_person_in_file', "
            f"r.first_name || ' ' || r.last_name, r.hh_key, d.rows FROM {ROW} r "
            f"JOIN (SELECT hh_key, name_key, birth_date, {self.dialect.row_list('row_no')} AS rows "
            f"FROM {ROW} "
            f"WHERE national_code IS NULL AND name_key IS NOT NULL AND hh_key IS NOT NULL "
            f"GROUP BY hh_key, name_key, birth_date HAVING COUNT(*) > 1) d "
            f"ON d.hh_key = r.hh_key AND d.name_key = r.name_key "
            f"AND d.birth_date IS NOT DISTINCT FROM r.birth_date WHERE r.national_code IS NULL"
        )
        self._run(*statements)

    # ------------------------------------------------------------------ checks against the registry

    def check_registry(self, cols: dict[str, int], office_id: int) -> None:
        """Compare with what is registered (inside the commit's transaction when committing) and
        collect the rows to write, with the household and resident each one updates, in VAL."""
        d = self.dialect
        if "national_code" in cols:
            self._run(
                f"INSERT INTO {ERR} (row_no, col, code, value) "
                f"SELECT r.row_no, {cols['national_code']}, 'registered_elsewhere', r.national_code "
                f"FROM {ROW} r JOIN registry_person p ON p.national_code = r.national_code "
                f"JOIN registry_household h ON h.id = p.household_id "
                f"JOIN geo_neighbourhood n ON n.id = h.neighbourhood_id "
                f"WHERE n.office_id IS NULL OR n.office_id <> %s",
                params=[office_id],
            )
        # Households: same neighbourhood, external id = household key.
        self._match_households()
        fields = ", ".join(f"r.{f}" for f in PERSON_FIELDS)
        self._run(
            # The rows to write: no error of their own, in a household with a neighbourhood; a
            # resident is matched by national code here.
            f"CREATE TEMP TABLE {VAL} AS SELECT r.row_no, r.hh_key, r.is_head, h.hh_id, "
            f"p.id AS person_id, {fields} FROM {ROW} r JOIN {HH} h ON h.hh_key = r.hh_key "
            f"LEFT JOIN registry_person p ON p.national_code = r.national_code "
            f"WHERE r.ok = 1 AND h.nb_id IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {ERR} e WHERE e.row_no = r.row_no)",
            f"CREATE UNIQUE INDEX {VAL}_row ON {VAL} (row_no)",
            f"CREATE INDEX {VAL}_person ON {VAL} (person_id)",
            f"CREATE INDEX {VAL}_code ON {VAL} (national_code)",
            f"CREATE INDEX {VAL}_hh ON {VAL} (hh_key)",
        )
        self._analyze(VAL)  # without it PostgreSQL plans the anti-join below as a nested loop
        self._run(
            # …else by household, first and last name and birth date (never taking someone whose
            # national code is in the file: that row gets them).
            f"UPDATE {VAL} SET person_id = m.pid FROM (SELECT v.row_no, MIN(p.id) AS pid FROM {VAL} v "
            f"JOIN registry_person p ON p.household_id = v.hh_id "
            f"WHERE v.national_code IS NULL AND v.hh_id IS NOT NULL "
            f"AND {d.before_pipe('p.search_key')} = v.name_key "
            # An empty birth date on either side matches (an empty cell keeps what is stored).
            f"AND (v.birth_date IS NULL OR p.birth_date IS NULL OR p.birth_date = v.birth_date) "
            f"AND (p.national_code IS NULL "
            f"OR NOT EXISTS (SELECT 1 FROM {VAL} v2 WHERE v2.national_code = p.national_code)) "
            f"GROUP BY v.row_no) m WHERE {VAL}.row_no = m.row_no",
            # A new head for a household whose registered head is not in the file: refuse rather
            # than leave two heads.
            f"INSERT INTO {ERR} (row_no, col, code, value, p_key) "
            f"SELECT v.row_no, {cols['relation']}, 'household_has_head', '', v.hh_key FROM {VAL} v "
            f"JOIN registry_household h ON h.id = v.hh_id "
            f"WHERE v.is_head = 1 AND h.head_id IS NOT NULL AND h.head_id IS DISTINCT FROM v.person_id "
            f"AND NOT EXISTS (SELECT 1 FROM {VAL} v2 WHERE v2.person_id = h.head_id)",
            f"DELETE FROM {VAL} WHERE row_no IN (SELECT row_no FROM {ERR} WHERE code = 'household_has_head')",
            # Households with no row to write are left alone (rewriting only those is cheaper).
            f"UPDATE {HH} SET used = 0 WHERE NOT EXISTS (SELECT 1 FROM {VAL} v WHERE v.hh_key = {HH}.hh_key)",
        )

    def _match_households(self, *, new: bool = False) -> None:
        self._run(
            f"UPDATE {HH} SET hh_id = h.id{', new_hh = 1' if new else ''} FROM registry_household h "
            f"WHERE h.neighbourhood_id = {HH}.nb_id AND h.external_id = {HH}.hh_key "
            # Spelled like the partial unique index's condition, so SQLite uses that index.
            f"AND NOT (h.external_id = '') AND {HH}.hh_id IS NULL"
        )

    # ------------------------------------------------------------------ results

    def counts(self) -> dict[str, int]:
        total = self._one(f"SELECT COUNT(*) FROM {ROW}")[0]
        valid, p_new = self._one(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN person_id IS NULL THEN 1 ELSE 0 END), 0) FROM {VAL}"
        )
        hh_new, hh_all = self._one(
            f"SELECT COALESCE(SUM(CASE WHEN hh_id IS NULL THEN 1 ELSE 0 END), 0), COUNT(*) "
            f"FROM {HH} WHERE used = 1"
        )
        errors = self._one(f"SELECT COUNT(*) FROM {ERR}")[0]
        return {
            "rows_total": int(total),
            "rows_valid": int(valid),
            "rows_invalid": int(total) - int(valid),
            "households_created": int(hh_new),
            "households_updated": int(hh_all) - int(hh_new),
            "persons_created": int(p_new),
            "persons_updated": int(valid) - int(p_new),
            "error_count": int(errors),
        }

    def warnings(self, mapping: dict[str, int], *, limit: int) -> tuple[int, list[tuple[int, int, str]]]:
        """Rows that are imported but have something to complete: a refugee card or passport
        without its number. (count, the first ``limit`` as (row, column index, code))."""
        where = f"FROM {VAL} WHERE id_type IN ('foreign_id', 'passport') AND document_number IS NULL"
        count = int(self._one(f"SELECT COUNT(*) {where}")[0])
        col = mapping.get("document_number", mapping.get("id_type", -1))
        rows = self._all(f"SELECT row_no {where} ORDER BY row_no LIMIT %s", [limit])
        return count, [(row_no, col, "document_missing") for (row_no,) in rows]

    def preview(self, limit: int) -> list[dict]:
        rows = self._all(
            f"SELECT v.row_no, v.hh_key, n.code, v.first_name, v.last_name, v.national_code, "
            f"v.birth_date, v.sex, v.relation, v.person_id, h.hh_id FROM {VAL} v "
            f"JOIN {HH} h ON h.hh_key = v.hh_key LEFT JOIN geo_neighbourhood n ON n.id = h.nb_id "
            f"ORDER BY v.row_no LIMIT %s",
            [limit],
        )
        out = []
        for row_no, key, nb, first, last, code, birth, sex, relation, person, hh in rows:
            out.append(
                {
                    "row": row_no,
                    "household_key": key,
                    "neighbourhood": nb or "",
                    "first_name": first,
                    "last_name": last,
                    "national_code": code or "",
                    "birth_date": birth.isoformat() if hasattr(birth, "isoformat") else (birth or ""),
                    "sex": sex,
                    "relation": relation,
                    "person_action": "update" if person else "create",
                    "household_action": "update" if hh else "create",
                }
            )
        return out

    def errors(self, *, limit: int | None = None, batch: int = 5000):
        """Every error in sheet order, as (row, col, code, value, params), a batch at a time."""
        last = (-1, -1, "")
        while True:
            take = batch if limit is None else min(batch, limit)
            if take <= 0:
                return
            rows = self._all(
                f"SELECT row_no, col, code, value, params, p_key, p_row, p_text FROM {ERR} "
                f"WHERE row_no > %s OR (row_no = %s AND (col > %s OR (col = %s AND code > %s))) "
                f"ORDER BY row_no, col, code LIMIT %s",
                [last[0], last[0], last[1], last[1], last[2], take],
            )
            if not rows:
                return
            for row_no, col, code, value, params, p_key, p_row, p_text in rows:
                data = json.loads(params) if params else {}
                if p_key is not None:
                    data["key"] = p_key
                if p_row is not None:
                    data["row"] = p_row
                if p_text is not None:
                    if code in ("duplicate_in_file", "duplicate_person_in_file"):
                        data["rows"] = sorted(int(x) for x in p_text.split(","))
                    else:
                        data["code"] = p_text
                yield row_no, col, code, value or "", data
            last = rows[-1][0], rows[-1][1], rows[-1][2]
            if limit is not None:
                limit -= len(rows)

    # ------------------------------------------------------------------ writing (commit only)

    def lock(self, office_id: int) -> None:
        """Take the write lock first, so the checks and the writes see the same registry."""
        if self.pg:
            # Two imports of one office at once would race on the same households.
            self._run("SELECT pg_advisory_xact_lock(%s, %s)", params=[0x4D48, office_id])
        else:
            # A write statement (that changes nothing) makes SQLite take its write lock now.
            self._run("UPDATE registry_household SET id = id WHERE 0")

    # What an update writes, column by column: a filled cell replaces, an empty one keeps what is
    # stored, and a national code is never removed (a row without one was matched by name).
    _PERSON_SET = (
        ("household_id", "r.target_hh"),
        # The place follows a resident who moves household in the file.
        ("neighbourhood_id", "r.target_nb"),
        ("office_id", "r.target_office"),
        (
            "id_type",
            "CASE WHEN p.national_code IS NULL THEN COALESCE(r.id_type, p.id_type) ELSE p.id_type END",
        ),
        ("document_number", "COALESCE(r.document_number, p.document_number)"),
        ("first_name", "r.first_name"),
        ("last_name", "r.last_name"),
        ("father_name", "COALESCE(r.father_name, p.father_name)"),
        ("sex", "r.sex"),
        ("birth_date", "COALESCE(r.birth_date, p.birth_date)"),
        ("relation", "r.relation"),
        ("nationality", "COALESCE(r.nationality, p.nationality)"),
        ("education", "COALESCE(r.education, p.education)"),
        ("school_enrolled", "COALESCE(r.school_enrolled, p.school_enrolled)"),
        ("employment", "COALESCE(r.employment, p.employment)"),
        ("disability", "COALESCE(r.disability, p.disability)"),
        ("insurance", "COALESCE(r.insurance, p.insurance)"),
        ("mobile", "COALESCE(r.mobile, p.mobile)"),
        ("search_key", "r.name_key || '|' || COALESCE(r.father_key, {after})"),
    )
    _HOUSEHOLD_SET = (
        ("address", "COALESCE(r.address, p.address)"),
        ("phone", "COALESCE(r.phone, p.phone)"),
        ("tenure", "COALESCE(r.tenure, p.tenure)"),
        ("income_band", "COALESCE(r.income, p.income_band)"),
        ("search_key", "{before} || '|' || COALESCE(r.addr_key, {after})"),
    )

    def _update(self, table: str, source: str, sets, where: str, now) -> None:
        """``UPDATE table … FROM source r`` that only rewrites rows where something changes (so a
        re-import of the same file writes nothing); in ``sets`` the target is called ``p``."""
        before = self.dialect.before_pipe(f"{table}.search_key")
        after = self.dialect.after_pipe(f"{table}.search_key")
        exprs = [(c, e.replace("p.", f"{table}.").format(before=before, after=after)) for c, e in sets]
        assignments = ", ".join(f"{c} = {e}" for c, e in exprs)
        changed = " OR ".join(f"{table}.{c} IS DISTINCT FROM ({e})" for c, e in exprs)
        self._run(
            f"UPDATE {table} SET {assignments}, updated_at = %s FROM {source} r "
            f"WHERE {where} AND ({changed})",
            params=[now],
        )

    def write(self, *, user_id: int | None, now) -> None:
        d = self.dialect
        now = now if self.pg else connection.ops.adapt_datetimefield_value(now)
        self._new_person_ids()
        self._run(
            # New households, written with their head and search key at once when the head is a new
            # resident (its id is taken above): updating 60,000 households just written cost a
            # third of the writes. A registered resident who heads a new household is set by
            # refresh_heads below, which first clears them as the head of the household they leave.
            f"INSERT INTO registry_household (neighbourhood_id, office_id, address, phone, tenure, "
            f"income_band, external_id, search_key, vulnerability, head_id, created_at, updated_at, "
            f"created_by_id) "
            f"SELECT x.nb_id, n.office_id, COALESCE(x.address, ''), COALESCE(x.phone, ''), "
            f"COALESCE(x.tenure, ''), COALESCE(x.income, ''), x.hh_key, "
            f"COALESCE(hv.name_key, '') || '|' || COALESCE(x.addr_key, ''), "
            f"NULL, hn.id, %s, %s, %s "
            f"FROM {HH} x JOIN geo_neighbourhood n ON n.id = x.nb_id "
            f"LEFT JOIN ({VAL} hv JOIN {NEW} hn ON hn.row_no = hv.row_no) "
            f"ON hv.hh_key = x.hh_key AND hv.relation = 'head' "
            f"WHERE x.used = 1 AND x.hh_id IS NULL ORDER BY x.first_row",
            params=[now, now, user_id],
        )
        self._match_households(new=True)
        self._update(
            "registry_household", HH, self._HOUSEHOLD_SET,
            "registry_household.id = r.hh_id AND r.new_hh = 0 AND r.used = 1", now,
        )  # fmt: skip
        self._run(
            # Households that residents move out of need a new head and search key too.
            f"CREATE TEMP TABLE {TOUCHED} AS SELECT hh_id FROM {HH} WHERE used = 1 "
            f"UNION SELECT p.household_id FROM registry_person p JOIN {VAL} v ON v.person_id = p.id "
            f"JOIN {HH} h ON h.hh_key = v.hh_key WHERE p.household_id <> h.hh_id",
        )
        if not self.pg:
            self._run(
                # Which registered residents get a new search key (the SQLite FTS table follows).
                f"ALTER TABLE {VAL} ADD COLUMN key_changed SMALLINT NOT NULL DEFAULT 0",
                f"UPDATE {VAL} SET key_changed = 1 WHERE person_id IS NOT NULL AND EXISTS "
                f"(SELECT 1 FROM registry_person p WHERE p.id = {VAL}.person_id AND p.search_key IS NOT "
                f"({VAL}.name_key || '|' || COALESCE({VAL}.father_key, {d.after_pipe('p.search_key')})))",
            )
        inserted = self._insert_persons(user_id=user_id, now=now)
        self._update(
            "registry_person",
            f"(SELECT v.*, h.hh_id AS target_hh, h.nb_id AS target_nb, n.office_id AS target_office "
            f"FROM {VAL} v JOIN {HH} h ON h.hh_key = v.hh_key JOIN geo_neighbourhood n ON n.id = h.nb_id "
            f"WHERE v.person_id IS NOT NULL)",
            self._PERSON_SET,
            "registry_person.id = r.person_id",
            now,
        )
        self._run(
            # Harm cases follow a resident who moved to another office's household in the file.
            "UPDATE registry_harmcase SET office_id = (SELECT p.office_id FROM registry_person p "
            "WHERE p.id = registry_harmcase.person_id) "
            f"WHERE person_id IN (SELECT person_id FROM {VAL} WHERE person_id IS NOT NULL) "
            "AND office_id IS DISTINCT FROM (SELECT p.office_id FROM registry_person p "
            "WHERE p.id = registry_harmcase.person_id)",
        )
        self.refresh_heads(now=now)
        self.refresh_fts()
        if self.pg and inserted > 10_000:
            # A large part of the table is new (typically an office's first import): without fresh
            # statistics the next import and the app's own queries would be planned for an empty
            # table. ANALYZE inside the transaction sees its own rows.
            reltuples = self._one("SELECT reltuples FROM pg_class WHERE oid = 'registry_person'::regclass")[0]
            if inserted > 0.2 * max(reltuples or 0, 0):
                self._run("ANALYZE registry_person", "ANALYZE registry_household")

    def _new_person_ids(self) -> None:
        """The ids of the residents to be created, in the file's order, in NEW (row_no → id):
        PostgreSQL takes them from the table's sequence (safe beside other writers); SQLite counts
        on from the largest id ever given, its write lock being held since lock()."""
        if self.pg:
            source = (
                f"SELECT row_no, nextval(pg_get_serial_sequence('registry_person', 'id')) AS id "
                f"FROM (SELECT row_no FROM {VAL} WHERE person_id IS NULL ORDER BY row_no) o"
            )
            params = None
        else:
            # Never an id a deleted resident had (AUTOINCREMENT's counter), as an insert would take.
            self._first_new_person = self._one(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'registry_person'), 0), "
                "COALESCE((SELECT MAX(id) FROM registry_person), 0)) + 1"
            )[0]
            source = (
                f"SELECT row_no, ROW_NUMBER() OVER (ORDER BY row_no) + %s - 1 AS id "
                f"FROM {VAL} WHERE person_id IS NULL"
            )
            params = [self._first_new_person]
        self._run(f"CREATE TEMP TABLE {NEW} AS {source}", params=params)
        self._run(f"CREATE UNIQUE INDEX {NEW}_row ON {NEW} (row_no)")
        self._analyze(NEW)

    def _insert_persons(self, *, user_id, now) -> int:
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO registry_person (id, household_id, neighbourhood_id, office_id, id_type, "
                f"national_code, document_number, "
                f"first_name, last_name, father_name, sex, birth_date, relation, nationality, education, "
                f"school_enrolled, employment, disability, insurance, mobile, status, status_changed_on, "
                f"search_key, created_at, updated_at, created_by_id) "
                f"SELECT i.id, h.hh_id, h.nb_id, n.office_id, COALESCE(v.id_type, 'none'), v.national_code, "
                f"COALESCE(v.document_number, ''), "
                f"v.first_name, v.last_name, COALESCE(v.father_name, ''), v.sex, v.birth_date, v.relation, "
                f"COALESCE(v.nationality, "
                f"CASE WHEN v.national_code IS NULL THEN 'unknown' ELSE 'iranian' END), "
                f"COALESCE(v.education, ''), v.school_enrolled, COALESCE(v.employment, ''), "
                f"COALESCE(v.disability, 'none'), COALESCE(v.insurance, ''), COALESCE(v.mobile, ''), "
                f"'active', NULL, "
                f"v.name_key || '|' || COALESCE(v.father_key, ''), %s, %s, %s "
                f"FROM {VAL} v JOIN {NEW} i ON i.row_no = v.row_no JOIN {HH} h ON h.hh_key = v.hh_key "
                f"JOIN geo_neighbourhood n ON n.id = h.nb_id "
                f"ORDER BY v.row_no",
                [now, now, user_id],
            )
            return cur.rowcount

    def refresh_heads(self, *, now) -> None:
        """Household.head = its member whose relation is head; then the household search keys."""
        d = self.dialect
        self._run(
            f"CREATE TEMP TABLE {HEADS} AS SELECT t.hh_id, MIN(p.id) AS head FROM {TOUCHED} t "
            f"LEFT JOIN registry_person p ON p.household_id = t.hh_id AND p.relation = 'head' "
            f"GROUP BY t.hh_id",
            f"CREATE UNIQUE INDEX {HEADS}_hh ON {HEADS} (hh_id)",
        )
        self._analyze(HEADS)
        with connection.cursor() as cur:
            # Cleared first where the head changes: a person may become the head of one household
            # while leaving another, and the head column is unique.
            cur.execute(
                f"UPDATE registry_household SET head_id = NULL FROM {HEADS} x "
                f"WHERE registry_household.id = x.hh_id AND registry_household.head_id IS NOT NULL "
                f"AND registry_household.head_id IS DISTINCT FROM x.head"
            )
            # Then head and search key in one pass, only where one of them changes.
            key = (
                f"COALESCE({d.before_pipe('p.search_key')}, '') || '|' || "
                f"{d.after_pipe('registry_household.search_key')}"
            )
            cur.execute(
                f"UPDATE registry_household SET head_id = x.head, search_key = {key}, updated_at = %s "
                f"FROM {HEADS} x LEFT JOIN registry_person p ON p.id = x.head "
                f"WHERE registry_household.id = x.hh_id "
                f"AND (registry_household.head_id IS DISTINCT FROM x.head "
                f"OR registry_household.search_key IS DISTINCT FROM ({key}))",
                [now],
            )

    def refresh_fts(self) -> None:
        """SQLite only: the FTS5 trigram table follows the search keys (PostgreSQL's index needs nothing)."""
        if self.pg:
            return
        from mahalleh.registry.search import FTS_TABLE

        with connection.cursor() as cur:
            cur.execute(
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN (SELECT person_id FROM {VAL} WHERE key_changed = 1)"
            )
            # New residents are exactly the ids above the largest one before the insert: SQLite's
            # write lock has been held since lock().
            cur.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, search_key) "
                f"SELECT p.id, p.search_key FROM registry_person p "
                f"WHERE p.id >= %s UNION ALL SELECT p.id, p.search_key FROM registry_person p "
                f"JOIN {VAL} v ON v.person_id = p.id WHERE v.key_changed = 1",
                [self._first_new_person],
            )
