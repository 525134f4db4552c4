"""`mahalleh import FILE --office CODE [--commit] [--user USERNAME]` on the terminal."""

import io

import pytest
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from mahalleh.audit.models import AuditEntry
from mahalleh.registry.models import Household, Person
from tests.registry.importer.conftest import code, person, write_csv


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rows():
    return [person(national=code(1)), person(relation="همسر", first="فاطمه", sex="زن", national="123"), {}]


def test_a_dry_run_prints_the_counts_and_the_errors_and_writes_nothing(world, tmp_path):
    path = write_csv(tmp_path / "f.csv", rows())
    out, err = run_command(path, "--office", "OA", "--language", "en")
    assert "Checked only (a dry run): nothing was written." in out
    assert "Valid rows" in out and "Rows with errors" in out and "Empty rows skipped" in out
    assert "1 errors:" in out
    line = next(line for line in out.splitlines() if line.startswith("3 "))
    assert (
        "کد ملی" in line and "123" in line and "A national code must have 10 digits (3 were entered)." in line
    )
    assert "\r[" in err and "100%" in err  # the progress bar, redrawn in place on stderr
    assert not Household.objects.exists()


def test_commit_writes_and_records_the_user(world, tmp_path):
    path = write_csv(tmp_path / "f.csv", rows())
    out, _err = run_command(path, "--office", "OA", "--commit", "--user", "facilitator_a", "--language", "en")
    assert "Saved" in out
    assert (Household.objects.count(), Person.objects.count()) == (1, 1)
    entry = AuditEntry.objects.get(action="import")
    assert (entry.user, entry.via, entry.office) == (world.facilitator_a, "cli", world.office_a)
    assert Person.objects.get().created_by == world.facilitator_a
    out, _err = run_command(path, "--office", "OA", "--commit", "--no-progress")  # again: updates only
    assert Person.objects.count() == 1 and _err == ""


def test_the_report_option_writes_every_error(world, tmp_path):
    path = write_csv(tmp_path / "f.csv", [person(f"H{i}", national="12") for i in range(150)])
    report = tmp_path / "errors.xlsx"
    out, _err = run_command(
        path, "--office", "OA", "--report", report, "--max-errors", "5", "--language", "en"
    )
    assert f"…and 145 more in {report}." in out
    assert len(list(CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).iter_rows())) == 151


def test_a_file_that_cannot_be_read_exits_non_zero(world, tmp_path):
    path = tmp_path / "scan.xlsx"
    path.write_bytes(b"%PDF-1.4 nothing to see")
    with pytest.raises(CommandError, match="PDF"):
        run_command(path, "--office", "OA", "--language", "en")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError):
        run_command(empty, "--office", "OA")
    with pytest.raises(CommandError):
        run_command(tmp_path / "missing.csv", "--office", "OA")


def test_unknown_office_and_a_user_of_another_office_are_refused(world, tmp_path):
    path = write_csv(tmp_path / "f.csv", rows())
    with pytest.raises(CommandError):
        run_command(path, "--office", "NOPE")
    with pytest.raises(CommandError):
        run_command(path, "--office", "OA", "--commit", "--user", "facilitator_b")
    with pytest.raises(CommandError):
        run_command(path, "--office", "OA", "--commit", "--user", "pr_a")
    assert not Household.objects.exists()


def test_the_command_exits_with_status_1_from_the_shell(world, tmp_path):
    from mahalleh.cli import main

    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(SystemExit) as exit_info:
        main(["import", str(path), "--office", "OA"])
    assert exit_info.value.code == 1
