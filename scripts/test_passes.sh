#!/usr/bin/env bash
# `make test`'s pytest: on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too.
#
# The two runs go side by side, not one after the other: each is one Python process, much of a
# browser test is waiting for Chromium, and the machines have two cores, so the pair takes about
# the time of the longer run instead of the sum (CI has 90 minutes). They share nothing but the
# CPU: the live servers take free ports, uploads go to temporary folders, and the tests that bring
# their own database run in the SQLite run only (tests/passes.py). The PostgreSQL run's output is
# kept in a file and printed after the SQLite run's. TEST_PASSES=sequential runs them one after
# the other (to read one run's output as it comes, or on a machine with one core).
#
# Usage: scripts/test_passes.sh PYTHON [pytest arguments]
set -uo pipefail
py="$1"
shift

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  echo "== pytest on SQLite =="
  "$py" -m pytest "$@"
  rc=$?
  echo "TEST_DATABASE_URL is not set: the PostgreSQL run is skipped (CI sets it)."
  exit $rc
fi

if [ "${TEST_PASSES:-parallel}" = "sequential" ]; then
  echo "== pytest on SQLite =="
  "$py" -m pytest "$@"
  sqlite_rc=$?
  echo "== pytest on PostgreSQL ($TEST_DATABASE_URL) =="
  DATABASE_URL="$TEST_DATABASE_URL" "$py" -m pytest -p no:cacheprovider "$@"
  pg_rc=$?
else
  pg_log="$(mktemp /tmp/mahalleh-pytest-postgresql.XXXXXX)"
  echo "== pytest on SQLite, and on PostgreSQL ($TEST_DATABASE_URL) side by side: its output follows =="
  # Its own cache folder off: the two runs would both write .pytest_cache.
  DATABASE_URL="$TEST_DATABASE_URL" "$py" -m pytest -p no:cacheprovider "$@" >"$pg_log" 2>&1 &
  pg_pid=$!
  trap 'kill "$pg_pid" 2>/dev/null; rm -f "$pg_log"; exit 130' INT TERM
  "$py" -m pytest "$@"
  sqlite_rc=$?
  wait "$pg_pid"
  pg_rc=$?
  trap - INT TERM
  echo
  echo "== pytest on PostgreSQL ($TEST_DATABASE_URL) =="
  cat "$pg_log"
  rm -f "$pg_log"
fi

echo "pytest on SQLite: $([ $sqlite_rc -eq 0 ] && echo passed || echo "FAILED (exit $sqlite_rc)");" \
  "on PostgreSQL: $([ $pg_rc -eq 0 ] && echo passed || echo "FAILED (exit $pg_rc)")"
[ $sqlite_rc -eq 0 ] && [ $pg_rc -eq 0 ]
