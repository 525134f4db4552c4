"""The dashboards' date filters select the same rows as the `__date` lookups they replaced."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from mahalleh.core.jalali import Period, day_bounds
from mahalleh.indicators import dashboards
from mahalleh.registry import selectors, services
from mahalleh.registry.models import Consent, Household, Person
from tests.indicators.conftest import make_person

pytestmark = pytest.mark.django_db


def _household_at(hood, at: datetime.datetime) -> Household:
    household = Household.objects.create(neighbourhood=hood, address="کوچه ۱")
    Household.objects.filter(pk=household.pk).update(created_at=at)
    return household


def test_month_households_on_the_home_page_are_those_the_date_lookup_selects(world):
    month = Period.containing(timezone.localdate(), "month")
    zone = timezone.get_current_timezone()
    first = datetime.datetime.combine(month.first_day, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(
        month.last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    second = datetime.timedelta(seconds=1)
    for at in (first - second, first, first + datetime.timedelta(hours=5), after - second, after):
        _household_at(world.hood_a, at)
    _household_at(world.hood_b, first)  # another office's

    panel = dashboards.facilitator_panel(world.facilitator_a)

    by_date = Household.objects.filter(
        office_id=world.office_a.pk,
        created_at__date__gte=month.first_day,
        created_at__date__lte=month.last_day,
    )
    assert panel["households_month"] == dashboards.Capped(3, more=False)
    assert by_date.count() == 3


def test_day_bounds_select_the_rows_of_the_date_range(world):
    zone = timezone.get_current_timezone()
    day = datetime.date(2026, 3, 20)
    for hour in (-1, 0, 12, 47, 48):
        _household_at(
            world.hood_a,
            datetime.datetime.combine(day, datetime.time.min, tzinfo=zone) + datetime.timedelta(hours=hour),
        )
    start, end = day_bounds(day, day + datetime.timedelta(days=1))

    by_range = set(
        Household.objects.filter(created_at__gte=start, created_at__lt=end).values_list("pk", flat=True)
    )
    by_date = set(
        Household.objects.filter(created_at__date__range=(day, day + datetime.timedelta(days=1))).values_list(
            "pk", flat=True
        )
    )
    assert by_range == by_date
    assert len(by_range) == 3


def test_consents_missing_counts_the_office_active_residents_with_no_registry_consent_in_force(world):
    mine = Household.objects.create(neighbourhood=world.hood_a)
    theirs = Household.objects.create(neighbourhood=world.hood_b)
    born = datetime.date(1990, 1, 1)
    none = make_person(mine, "علی", "male", born)
    other_purpose = make_person(mine, "زهرا", "female", born)
    given = make_person(mine, "مریم", "female", born)
    withdrawn = make_person(mine, "رضا", "male", born)
    given_again = make_person(mine, "نرگس", "female", born)
    make_person(mine, "حسن", "male", born, status=Person.Status.DECEASED)
    make_person(theirs, "سارا", "female", born)
    for person, purpose, given_, on in (
        (other_purpose, Consent.Purpose.PHOTOS, True, born),
        (given, Consent.Purpose.REGISTRY, True, born),
        (withdrawn, Consent.Purpose.REGISTRY, True, born),
        (withdrawn, Consent.Purpose.REGISTRY, False, born + datetime.timedelta(days=30)),
        # Recorded in another order than it happened: the later "given" is in force.
        (given_again, Consent.Purpose.REGISTRY, True, born + datetime.timedelta(days=30)),
        (given_again, Consent.Purpose.REGISTRY, False, born),
    ):
        services.consent_record(
            actor=world.facilitator_a, person=person, purpose=purpose, given=given_, on=on
        )

    panel = dashboards.facilitator_panel(world.facilitator_a)

    # Missing: none recorded, another purpose only, or the latest registry consent withdrawn — the
    # residents the household list's "consent missing" filter finds.
    assert panel["consents_missing"] == dashboards.Capped(3, more=False)
    in_force = {
        p.pk
        for p in Person.objects.filter(office_id=world.office_a.pk, status=Person.Status.ACTIVE)
        if selectors.consent_in_force(person=p, purpose=Consent.Purpose.REGISTRY)
    }
    assert in_force == {given.pk, given_again.pk}
    assert {none.pk, other_purpose.pk, withdrawn.pk} == set(
        Person.objects.filter(office_id=world.office_a.pk, status=Person.Status.ACTIVE)
        .filter(registry_consent=False)
        .values_list("pk", flat=True)
    )
    missing = selectors.household_list(user=world.facilitator_a, consent="missing")
    assert list(missing) == []  # two members of `mine` have it in force


def test_the_migration_fills_the_flag_from_the_consents_already_recorded(world):
    mine = Household.objects.create(neighbourhood=world.hood_a)
    born = datetime.date(1990, 1, 1)
    people = [make_person(mine, name, "female", born) for name in ("مینا", "لیلا", "سمیه")]
    for person, given_ in ((people[0], True), (people[1], False)):
        Consent.objects.create(
            person=person, purpose=Consent.Purpose.REGISTRY, given=given_, on=born,
            recorded_by=world.facilitator_a,
        )  # fmt: skip
    assert not Person.objects.filter(registry_consent=True).exists()  # written around the service

    migration = importlib.import_module("mahalleh.registry.migrations.0011_person_registry_consent")
    migration.fill_registry_consent(django_apps, None)

    assert set(Person.objects.filter(registry_consent=True).values_list("pk", flat=True)) == {people[0].pk}


def test_staff_activity_counts_each_members_sessions_and_households_of_the_period(
    world, django_assert_max_num_queries
):
    from mahalleh.activities.models import Activity, Session

    month = Period.containing(timezone.localdate(), "month")
    inside = datetime.datetime.combine(
        month.first_day, datetime.time(9), tzinfo=timezone.get_current_timezone()
    )
    before = inside - datetime.timedelta(days=40)
    fa, manager = world.facilitator_a, world.manager_a
    for at, by in ((inside, fa), (inside, fa), (before, fa), (inside, manager)):
        household = _household_at(world.hood_a, at)
        Household.objects.filter(pk=household.pk).update(created_by=by)
    _household_at(world.hood_b, inside)  # another office's
    activity = Activity.objects.create(
        office=world.office_a, kind="class", title="کلاس", facilitator=world.facilitator_a,
        starts_on=month.first_day - datetime.timedelta(days=60),
    )  # fmt: skip
    for day in (month.first_day, month.last_day, month.first_day - datetime.timedelta(days=1)):
        Session.objects.create(activity=activity, date=day)
    filters = dashboards.parse_filters(world.manager_a, {"period": month.code})

    with django_assert_max_num_queries(4):  # the members, then two grouped counts: not per member
        rows = dashboards.staff_activity(world.manager_a, filters)

    by_name = {row["user"].username: (row["sessions"], row["households"]) for row in rows}
    assert by_name["facilitator_a"] == (2, 2)
    assert by_name["manager_a"] == (0, 1)
    assert "facilitator_b" not in by_name


def test_a_large_office_s_tiles_are_counted_up_to_the_cap(world, monkeypatch, client):
    """The home page's tiles stop counting at COUNT_CAP (an office of 200,000 residents took 30 ms
    to count in full) and then say "more than"; below it, the exact figure."""
    home = Household.objects.create(neighbourhood=world.hood_a)
    born = datetime.date(1990, 1, 1)
    for name in ("علی", "زهرا", "مریم"):
        make_person(home, name, "female", born)
    Household.objects.create(neighbourhood=world.hood_a)  # two households this month
    monkeypatch.setattr(dashboards, "COUNT_CAP", 2)
    panel = dashboards.facilitator_panel(world.facilitator_a)
    assert panel["consents_missing"] == dashboards.Capped(2, more=True)
    assert panel["households_month"] == dashboards.Capped(2, more=False)
    client.force_login(world.facilitator_a)
    tiles = client.get("/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert 'data-testid="consents-missing">بیش از ۲</div>' in tiles
    assert 'data-testid="households-month">۲</div>' in tiles
    client.cookies["mahalleh_language"] = "en"
    tiles = client.get("/").content.decode()
    assert 'data-testid="consents-missing">more than 2</div>' in tiles

    Household.objects.create(neighbourhood=world.hood_a)
    panel = dashboards.facilitator_panel(world.facilitator_a)
    assert panel["households_month"] == dashboards.Capped(2, more=True)
    monkeypatch.setattr(dashboards, "COUNT_CAP", 3)
    panel = dashboards.facilitator_panel(world.facilitator_a)
    assert panel["consents_missing"] == dashboards.Capped(3, more=False)
