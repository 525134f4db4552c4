from tests.registry_import.conftest import person, write_csv, code, errors_by_row
from mahalleh.registry.models import Household, Person

def test_smoke(world, run, tmp_path):
    rows = [person(national=code(1)), person(relation="همسر", first="فاطمه", sex="زن", hood="", national=code(2)),
            person("H2", national="123"), {}, person("H3", hood="NB", national=code(3))]
    p = write_csv(tmp_path / "a.csv", rows)
    r = run(p)
    print(r)
    assert not r.failed, r.file_error and r.file_error.text()
    r2 = run(p, commit=True)
    print(r2.counts())
    print(list(Household.objects.values()))
    print(list(Person.objects.values("id","household_id","national_code","search_key","relation")))
    r3 = run(p, commit=True)
    print(r3.counts())
    assert Person.objects.count() == 2
