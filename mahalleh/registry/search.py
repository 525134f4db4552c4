"""Persian-aware search over residents and households.

Every searchable name is stored with a search key (`core.persian.search_key`): Arabic
yeh/kaf folded, digits to ASCII, diacritics, ZWNJ and spaces removed. A query is folded
the same way and matched as a substring of the key, so any part of a name finds the
person however it was spelled.

PostgreSQL: a pg_trgm GIN index on the key makes `LIKE '%…%'` an index scan.
SQLite: an FTS5 table with the trigram tokenizer, kept in step by the services, does
the same for queries of three characters or more.
"""

from django.db import connection

from mahalleh.core.persian import search_key, to_latin_digits

FTS_TABLE = "registry_person_fts"


def person_key(*, first_name: str, last_name: str, father_name: str = "") -> str:
    # First and last name joined, then the father's name after a separator the
    # folding never produces, so "ali" + "rezaei" and "alireza" + "ei" don't blur.
    return f"{search_key(first_name)}{search_key(last_name)}|{search_key(father_name)}"


def household_key(*, head, address: str) -> str:
    """A household's key: its head's first and last name (`head` may be None), then the address."""
    name = f"{head.first_name}{head.last_name}" if head else ""
    return search_key(name) + "|" + search_key(address)


def uses_fts() -> bool:
    return connection.vendor == "sqlite"


def fts_upsert(rows) -> None:
    """rows: iterable of (person_id, search_key). SQLite only; PostgreSQL needs nothing."""
    if not uses_fts():
        return
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cur:
        cur.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk, _k in rows])  # noqa: S608
        cur.executemany(f"INSERT INTO {FTS_TABLE}(rowid, search_key) VALUES (%s, %s)", rows)  # noqa: S608


def fts_delete(ids) -> None:
    if not uses_fts():
        return
    with connection.cursor() as cur:
        cur.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk in ids])  # noqa: S608


def classify(query: str) -> tuple[str, str]:
    """What the user typed: ('national_code' | 'mobile' | 'digits' | 'name', normalised text)."""
    text = to_latin_digits(query or "").strip()
    compact = text.replace(" ", "").replace("-", "").replace("+", "")
    if compact.isdigit():
        if compact.startswith("0098"):
            compact = "0" + compact[4:]
        elif compact.startswith("98") and len(compact) == 12:
            compact = "0" + compact[2:]
        elif compact.startswith("9") and len(compact) == 10:
            compact = "0" + compact
        if len(compact) == 11 and compact.startswith("09"):
            return "mobile", compact
        if 8 <= len(compact) <= 10:
            return "national_code", compact.zfill(10)
        return "digits", compact
    return "name", search_key(text)


def fts_match_sql(key: str) -> tuple[str, list] | None:
    """SQL (and params) selecting the ids of persons whose key contains `key`, through the SQLite
    FTS5 trigram table; None when the table can't answer (fewer than 3 characters, or PostgreSQL,
    where the pg_trgm index serves a plain LIKE). Used as a subquery, so the user's scope and the
    LIMIT apply in the same statement however many rows match elsewhere."""
    if not uses_fts() or len(key) < 3:
        return None
    quoted = '"' + key.replace('"', '""') + '"'
    return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [quoted]  # noqa: S608
