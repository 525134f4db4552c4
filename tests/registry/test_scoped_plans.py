"""PostgreSQL plans an office's newest-first list on its (office_id, id) index, also when the office
holds a large share of the residents and another office's rows are newer (issue #10).

With the default random_page_cost of 4 the planner walked the primary key backwards past every
newer row of the other office (17 ms against 0.09 ms at 200,000 of 390,000 residents); the
settings send 1.1 (config/settings.py, DB_RANDOM_PAGE_COST)."""

import pytest
from django.db import connection

from mahalleh.registry import selectors
from mahalleh.registry.models import Household, Person

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]

PER_OFFICE = 12_000


def _residents(hood, *, households: int, per_household: int = 5) -> None:
    made = Household.objects.bulk_create(
        Household(neighbourhood=hood, office_id=hood.office_id, external_id=f"{hood.code}-{i}")
        for i in range(households)
    )
    Person.objects.bulk_create(
        Person(
            household=h,
            neighbourhood=hood,
            office_id=hood.office_id,
            first_name="نام",
            last_name=f"خانواده {h.pk}",
            sex="female" if n % 2 else "male",
            relation="head" if n == 0 else "child",
        )
        for h in made
        for n in range(per_household)
    )


def test_an_office_list_is_a_range_scan_of_its_own_index(world):
    # Office A registered first; office B's residents are all newer (a later import).
    _residents(world.hood_a, households=PER_OFFICE // 5)
    _residents(world.hood_b, households=PER_OFFICE // 5)
    with connection.cursor() as cur:
        cur.execute("ANALYZE registry_person")
    newest = selectors.person_list(user=world.facilitator_a).select_related(None).order_by("-pk")[:21]
    plan = newest.explain()
    assert "person_office_id" in plan, plan
    assert [p.office_id for p in newest] == [world.office_a.pk] * 21


def test_a_name_search_takes_the_office_inside_the_trigram_index(world):
    """The office is part of the residents' trigram index (btree_gin, registry/0013) and the scope
    sends it typed as the column, so the index finds the office's matches alone: at 5M residents a
    common name part's matches in other offices were fetched first (123 ms against 7 ms)."""
    _residents(world.hood_b, households=PER_OFFICE // 5)  # the other office's rows come first
    _residents(world.hood_a, households=PER_OFFICE // 5)
    # One resident in 50 of each office is a "رقیه"; the office's 20 are what the search must find.
    Person.objects.update(search_key="نامخانواده")
    Person.objects.filter(pk__in=Person.objects.values_list("pk", flat=True)[::50]).update(
        search_key="رقیهخانواده"
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE registry_person")
    found = selectors.person_search(user=world.facilitator_a, query="رقیه", limit=20)
    with connection.cursor() as cur:
        # Only bitmap scans, so the plan shows what the trigram index itself is given.
        cur.execute("SET LOCAL enable_indexscan = off")
        cur.execute("SET LOCAL enable_seqscan = off")
        plan = found.explain()
    index_cond = [line for line in plan.splitlines() if "Index Cond" in line and "search_key" in line]
    assert index_cond and "office_id" in index_cond[0], plan
    assert "registry_person_office_search_trgm" in plan, plan
    assert {p.office_id for p in found} == {world.office_a.pk} and len(found) == 20
