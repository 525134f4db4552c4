"""Household.office and Person.neighbourhood/office are copies (for index range scans on the scoped
lists): after every kind of write they equal the household's neighbourhood and its office."""

import datetime

import pytest

from mahalleh.demo import synthetic
from mahalleh.geo import services as geo_services
from mahalleh.registry import selectors, services
from mahalleh.registry.importer.pipeline import run_import
from mahalleh.registry.models import HarmCase, Household, Person
from tests.registry.conftest import office_drift, person_data
from tests.registry.importer.conftest import code, person, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def hood_a2(world):
    """A second neighbourhood of office A (same county)."""
    return geo_services.neighbourhood_create(
        actor=world.admin, county=world.county_a, code="NA2", name_fa="محله الف ۲", office=world.office_a
    )


def test_registering_through_the_services_copies_the_office(reg, world):
    assert reg.household_a.office_id == world.office_a.pk
    assert Person.objects.get(pk=reg.child_a.pk).office_id == world.office_a.pk
    assert (
        Person.objects.filter(office=world.office_b).count()
        == Person.objects.filter(household__neighbourhood__office=world.office_b).count()
        > 0
    )
    assert office_drift() == []


def test_edits_status_and_harm_cases_keep_the_office(reg, world):
    fa = world.facilitator_a
    services.household_update(actor=fa, household=reg.household_a, address="کوچه ۹")
    services.person_update(actor=fa, person=reg.child_a, first_name="رضا")
    services.person_set_status(
        actor=fa, person=reg.child_a, status=Person.Status.MOVED_AWAY, on=datetime.date(2024, 1, 1)
    )
    case = services.harm_case_open(
        actor=fa, person=reg.head_a, harm_type=reg.addiction, identified_on=datetime.date(2024, 2, 1)
    )
    assert case.office_id == world.office_a.pk
    assert office_drift() == []


def test_a_move_to_a_household_in_another_neighbourhood_takes_its_place(reg, world, hood_a2):
    fa = world.facilitator_a
    other = services.household_create(actor=fa, neighbourhood=hood_a2, address="کوچه ۱")
    services.harm_case_open(
        actor=fa, person=reg.child_a, harm_type=reg.child_labour, identified_on=datetime.date(2024, 2, 1)
    )
    services.person_move(actor=fa, person=reg.child_a, to_household=other, relation=Person.Relation.HEAD)
    moved = Person.objects.get(pk=reg.child_a.pk)
    assert (moved.neighbourhood_id, moved.office_id) == (hood_a2.pk, world.office_a.pk)
    assert office_drift() == []


def test_a_neighbourhood_changing_office_takes_its_households_and_residents(reg, world, hood_a2):
    fa = world.facilitator_a
    household = services.household_create(actor=fa, neighbourhood=hood_a2)
    resident = services.person_create(
        actor=fa, household=household, **person_data(relation=Person.Relation.HEAD)
    )
    case = services.harm_case_open(
        actor=fa, person=resident, harm_type=reg.addiction, identified_on=datetime.date(2024, 2, 1)
    )
    new_office = geo_services.office_create(
        actor=world.admin, county=world.county_a, code="OA2", name_fa="دفتر الف ۲", neighbourhoods=[hood_a2]
    )
    assert Person.objects.get(pk=resident.pk).office_id == new_office.pk
    assert HarmCase.objects.get(pk=case.pk).office_id == new_office.pk
    assert office_drift() == []
    # Office A's staff no longer see the resident; the new office's lists do.
    assert not selectors.person_list(user=fa).filter(pk=resident.pk).exists()
    assert not selectors.harm_case_list(user=fa).filter(pk=case.pk).exists()

    geo_services.office_update(actor=world.admin, office=new_office, neighbourhoods=[])
    assert Household.objects.get(pk=household.pk).office_id is None
    assert office_drift() == []

    hood_a2.refresh_from_db()
    geo_services.neighbourhood_update(actor=world.admin, neighbourhood=hood_a2, office=world.office_a)
    assert Person.objects.get(pk=resident.pk).office_id == world.office_a.pk
    assert selectors.person_list(user=fa).filter(pk=resident.pk).exists()
    assert office_drift() == []


def test_the_importer_copies_the_office_and_moves_residents_between_neighbourhoods(world, hood_a2, tmp_path):
    rows = [
        person("H1", national=code(1)),
        person("H1", hood="", relation="همسر", first="فاطمه", sex="زن", national=code(2)),
        person("H2", hood="NA2", national=code(3), first="حسن"),
    ]

    def commit(rows, name):
        return run_import(
            path=write_csv(tmp_path / name, rows), name=name, office=world.office_a,
            user=world.facilitator_a, commit=True,
        )  # fmt: skip

    result = commit(rows, "first.csv")
    assert result.committed and result.errors == []
    assert Person.objects.filter(office=world.office_a).count() == 3
    assert office_drift() == []
    # The spouse moves to H2 (in the other neighbourhood) in the next file.
    rows[1] = person("H2", hood="", relation="همسر", first="فاطمه", sex="زن", national=code(2))
    assert commit(rows, "second.csv").errors == []
    spouse = Person.objects.get(national_code=code(2))
    assert (spouse.neighbourhood_id, spouse.household.external_id) == (hood_a2.pk, "H2")
    assert office_drift() == []


def test_bench_data_copies_the_office(db):
    synthetic.load_db(persons=300, seed=7)
    assert Person.objects.filter(office__isnull=False).count() == 300
    assert office_drift() == []
