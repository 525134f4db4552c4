"""Commit: one transaction, re-import updates and never duplicates, search keys and heads kept in step."""

import datetime

import pytest
from django.db import connection
from python_calamine import CalamineWorkbook

from mahalleh.audit.models import AuditEntry
from mahalleh.registry import search, selectors, services
from mahalleh.registry.importer import stage
from mahalleh.registry.models import Household, Person
from tests.registry.importer.conftest import code, person, reason, write_csv, write_xlsx


def family(key="H1", base=0, hood="NA", **head):
    return [
        person(key, hood=hood, national=code(base + 1), address="کوچه ۵، پلاک ۷", phone="034-3222 1234",
               tenure="استیجاری", income_band="کم", mobile="09121234567", **head),
        person(key, hood="", relation="همسر", first="فاطمه", sex="زن", birth="1365/02/10",
               national=code(base + 2)),
        person(key, hood="", relation="فرزند", first="زهرا", sex="زن", birth="1395/06/01"),  # no code
    ]  # fmt: skip


def fts_keys() -> dict[int, str]:
    if connection.vendor != "sqlite":
        return {}
    with connection.cursor() as cur:
        cur.execute(f"SELECT rowid, search_key FROM {search.FTS_TABLE}")  # noqa: S608
        return dict(cur.fetchall())


def snapshot():
    return (
        sorted(Household.objects.values_list("id", "external_id", "head_id", "search_key", "address")),
        sorted(Person.objects.values_list("id", "household_id", "national_code", "first_name", "search_key")),
        AuditEntry.objects.filter(action="import").count(),
        fts_keys(),
    )


def test_commit_writes_households_members_head_and_search_keys(run, tmp_path, world):
    result = run(write_csv(tmp_path / "f.csv", family() + family("H2", 10, first="حسن")), commit=True)
    assert result.committed and result.errors == []
    assert (result.households_created, result.persons_created) == (2, 6)
    household = Household.objects.get(external_id="H1")
    head = Person.objects.get(national_code=code(1))
    assert household.head == head and household.neighbourhood == world.hood_a
    assert (household.address, household.phone, household.tenure, household.income_band) == (
        "کوچه ۵، پلاک ۷", "03432221234", "rented", "low",
    )  # fmt: skip
    assert household.search_key == "علیرضایی|کوچه5،پلاک7"
    assert head.search_key == search.person_key(first_name="علی", last_name="رضایی", father_name="")
    assert (head.birth_date, head.mobile, head.created_by) == (
        datetime.date(1981, 7, 3),
        "09121234567",
        world.facilitator_a,
    )
    assert household.members.count() == 3
    if connection.vendor == "sqlite":
        assert fts_keys() == dict(Person.objects.values_list("id", "search_key"))


def test_imported_residents_are_found_by_the_persian_search(run, tmp_path, world):
    run(write_csv(tmp_path / "f.csv", family(first="محمدرضا")), commit=True)
    found = selectors.person_search(user=world.facilitator_a, query="محمد رضا")  # space, and …
    assert [p.first_name for p in found] == ["محمدرضا"]
    assert [
        p.first_name for p in selectors.person_search(user=world.facilitator_a, query="رضايي")
    ]  # Arabic yeh
    assert not list(selectors.person_search(user=world.facilitator_b, query="رضایی"))  # office B sees nothing


def test_reimporting_the_same_file_updates_and_never_duplicates(run, tmp_path):
    path = write_csv(tmp_path / "f.csv", family() + family("H2", 10))
    first = run(path, commit=True)
    before = snapshot()
    second = run(path, commit=True)
    assert (Household.objects.count(), Person.objects.count()) == (2, 6)
    assert (first.rows_valid, second.rows_valid) == (6, 6)
    assert (
        first.households_created,
        first.households_updated,
        first.persons_created,
        first.persons_updated,
    ) == (2, 0, 6, 0)
    assert (
        second.households_created,
        second.households_updated,
        second.persons_created,
        second.persons_updated,
    ) == (0, 2, 0, 6)
    after = snapshot()
    assert after[:2] == before[:2] and after[3] == before[3]  # nothing changed, nothing written twice
    assert after[2] == before[2] + 1  # but the import itself is audited


def test_reimporting_the_same_rows_as_xlsx_also_matches(run, tmp_path):
    from tests.registry.importer.test_formats import KEYS

    rows = family()
    run(write_csv(tmp_path / "f.csv", rows), commit=True)
    result = run(write_xlsx(tmp_path / "f.xlsx", [[r.get(k, "") for k in KEYS] for r in rows]), commit=True)
    assert (result.persons_created, result.persons_updated, Person.objects.count()) == (0, 3, 3)


def test_reimport_with_changes_updates_and_empty_cells_keep_what_is_stored(run, tmp_path):
    run(write_csv(tmp_path / "a.csv", family()), commit=True)
    zahra = Person.objects.get(first_name="زهرا")
    changed = family()
    changed[0].update(address="", mobile="", tenure="ملکی", father_name="حسین")
    changed[2].update(first="زهرا", education="ابتدایی")  # matched by household, name and birth date
    result = run(write_csv(tmp_path / "b.csv", changed), commit=True)
    assert (result.persons_created, result.persons_updated) == (0, 3)
    household = Household.objects.get()
    assert (household.address, household.tenure) == ("کوچه ۵، پلاک ۷", "owned")
    head = Person.objects.get(relation="head")
    assert (head.mobile, head.father_name) == ("09121234567", "حسین")
    assert head.search_key.endswith("|حسین")
    assert Person.objects.get(pk=zahra.pk).education == "primary"
    if connection.vendor == "sqlite":
        assert fts_keys()[head.pk] == head.search_key


def test_a_match_by_name_never_removes_a_national_code_added_since(run, tmp_path, world):
    run(write_csv(tmp_path / "a.csv", family()), commit=True)
    zahra = Person.objects.get(first_name="زهرا")
    services.person_update(
        actor=world.facilitator_a, person=zahra, id_type="national_code", national_code=code(50)
    )
    result = run(write_csv(tmp_path / "a.csv", family()), commit=True)
    assert result.persons_created == 0
    zahra.refresh_from_db()
    assert (zahra.national_code, zahra.id_type) == (code(50), "national_code")


def test_a_resident_moving_to_another_household_leaves_the_old_one_without_a_head(run, tmp_path):
    run(write_csv(tmp_path / "a.csv", family("H1") + family("H2", 10, first="حسن")), commit=True)
    old = Household.objects.get(external_id="H1")
    ali = Person.objects.get(national_code=code(1))
    moved = [person("H3", national=code(1))]  # Ali now heads a new household
    result = run(write_csv(tmp_path / "b.csv", moved), commit=True)
    assert (result.households_created, result.persons_updated) == (1, 1)
    old.refresh_from_db()
    ali.refresh_from_db()
    assert old.head is None and old.search_key == "|کوچه5،پلاک7"
    assert ali.household.external_id == "H3" and ali.household.head == ali


def test_a_new_head_when_the_registered_head_is_not_in_the_file_is_refused(run, tmp_path):
    run(write_csv(tmp_path / "a.csv", family()), commit=True)
    result = run(write_csv(tmp_path / "b.csv", [person(first="حسن", national=code(30))]), commit=True)
    (error,) = result.errors
    assert (error["row"], error["column"], error["code"]) == (2, "نسبت با سرپرست", "household_has_head")
    assert "already has a different head" in reason(error)
    assert Person.objects.count() == 3


def test_the_head_can_change_when_both_are_in_the_file(run, tmp_path):
    run(write_csv(tmp_path / "a.csv", family()), commit=True)
    rows = family()
    rows[0]["relation"], rows[1]["relation"] = "همسر", "سرپرست"
    run(write_csv(tmp_path / "b.csv", rows), commit=True)
    household = Household.objects.get()
    assert household.head.first_name == "فاطمه"
    assert household.search_key.startswith("فاطمهرضایی|")


def test_a_failure_in_the_middle_of_a_commit_leaves_the_database_as_it_was(run, tmp_path, monkeypatch):
    run(write_csv(tmp_path / "a.csv", family()), commit=True)
    before = snapshot()
    rows = family() + family("H2", 10, first="حسن")
    rows[0]["address"] = "نشانی تازه"

    def explode(self, **kwargs):
        raise RuntimeError("disk full")

    # After the households and residents are written, before the heads: the worst place to stop.
    monkeypatch.setattr(stage.Stage, "refresh_heads", explode)
    with pytest.raises(RuntimeError):
        run(write_csv(tmp_path / "b.csv", rows), commit=True)
    assert snapshot() == before
    assert Household.objects.get().address == "کوچه ۵، پلاک ۷"


def test_a_failed_commit_job_says_so_and_saves_nothing(world, tmp_path, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mahalleh.registry.importer.jobs import household_import_commit, import_job_start
    from mahalleh.registry.models import ImportJob

    content = write_csv(tmp_path / "a.csv", family()).read_bytes()
    job = import_job_start(
        actor=world.facilitator_a, upload=SimpleUploadedFile("a.csv", content), language="en"
    )
    assert job.status == ImportJob.Status.VALIDATED
    monkeypatch.setattr(stage.Stage, "_insert_persons", lambda self, **kw: 1 / 0)
    job = household_import_commit(actor=world.facilitator_a, job=job, language="en")
    assert job.status == ImportJob.Status.FAILED
    assert job.message.startswith("The import stopped because of an unexpected error and nothing was saved")
    assert (
        Household.objects.count(),
        Person.objects.count(),
        AuditEntry.objects.filter(action="import").count(),
    ) == (0, 0, 0)


def test_one_audit_entry_per_commit_with_the_counts_in_the_office(run, tmp_path, world):
    run(write_csv(tmp_path / "a.csv", family()))  # a dry run is not a change
    assert not AuditEntry.objects.filter(action="import").exists()
    run(write_csv(tmp_path / "a.csv", family()), commit=True)
    entry = AuditEntry.objects.get(action="import")
    assert (entry.user, entry.office, entry.province) == (world.facilitator_a, world.office_a, world.kerman)
    assert entry.changes["persons_created"] == [None, "3"]
    assert entry.changes["households_created"] == [None, "1"]


def test_only_valid_rows_are_written(run, tmp_path):
    rows = family() + [person("H2", national="1111111111"), person("H3", hood="NB", national=code(40))]
    result = run(write_csv(tmp_path / "a.csv", rows), commit=True)
    assert (result.rows_valid, result.rows_invalid) == (3, 2)
    assert list(Household.objects.values_list("external_id", flat=True)) == ["H1"]


def test_the_error_report_has_every_error_as_row_column_value_reason(run, tmp_path):
    from django.utils import translation

    rows = [person(f"H{i}", national="123") for i in range(700)]
    report = tmp_path / "report.xlsx"
    with translation.override("en"):
        result = run(write_csv(tmp_path / "a.csv", rows), report_path=report)
    assert (result.error_count, len(result.errors)) == (700, 500)  # the page keeps the first 500
    sheet = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0)
    data = list(sheet.iter_rows())
    assert data[0] == ["Row", "Column", "Value", "Reason"]
    assert len(data) == 701
    assert data[1] == [2.0, "کد ملی", "123", "A national code must have 10 digits (3 were entered)."]
    assert data[-1][0] == 701.0


def test_the_report_never_turns_a_refused_formula_into_a_formula(run, tmp_path):
    report = tmp_path / "report.xlsx"
    run(write_csv(tmp_path / "a.csv", [person(national=code(1), father_name="=1+1")]), report_path=report)
    sheet = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0)
    assert list(sheet.iter_rows())[1][2] == "=1+1"  # a text cell: calamine gives the text, not 2


def test_school_enrolment_is_only_kept_for_ages_6_to_18(run, tmp_path):
    rows = [person(national=code(1), school_enrolled="بله"),
            person(relation="فرزند", first="رضا", birth="1394/1/1",
            school_enrolled="بله")]  # fmt: skip
    run(write_csv(tmp_path / "a.csv", rows), commit=True)
    assert dict(Person.objects.values_list("first_name", "school_enrolled")) == {"علی": None, "رضا": True}


def test_residents_and_households_are_imported_into_their_own_office_only(run, tmp_path, world):
    result = run(
        write_csv(tmp_path / "a.csv", family(hood="NB")),
        commit=True,
        user=world.facilitator_b,
        office=world.office_b,
    )
    assert result.rows_valid == 3
    assert Household.objects.get().neighbourhood == world.hood_b
    assert not list(selectors.household_list(user=world.facilitator_a))


def test_an_empty_birth_date_still_matches_by_name_and_fills_in_later(run, tmp_path):
    rows = family()
    rows[2]["birth"] = ""  # the child, no national code, no birth date yet
    run(write_csv(tmp_path / "a.csv", rows), commit=True)
    rows[2]["birth"] = "1395/06/01"  # the next file knows it
    result = run(write_csv(tmp_path / "b.csv", rows), commit=True)
    assert (result.persons_created, Person.objects.count()) == (0, 3)
    assert Person.objects.get(first_name="زهرا").birth_date == datetime.date(2016, 8, 22)
    rows[2]["birth"] = ""  # and a later file without it keeps it
    run(write_csv(tmp_path / "c.csv", rows), commit=True)
    assert Person.objects.get(first_name="زهرا").birth_date == datetime.date(2016, 8, 22)
