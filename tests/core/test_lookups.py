"""``field__any``: the same rows as ``field__in``, with the list as one array on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mahalleh.geo.models import County, Province

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    provinces = [
        Province.objects.create(code=f"LK{i}", name_fa=f"استان {i}", name_en=f"P{i}") for i in range(4)
    ]
    counties = [
        County.objects.create(code=f"LKC{i}", name_fa=f"شهرستان {i}", name_en=f"C{i}", province=p)
        for i, p in enumerate(provinces)
    ]
    return provinces, counties


def codes(qs) -> list[str]:
    return sorted(qs.values_list("code", flat=True))


def test_any_finds_the_rows_in_finds(places):
    provinces, _ = places
    wanted = [provinces[0].pk, provinces[2].pk, provinces[2].pk]
    assert codes(Province.objects.filter(pk__any=wanted)) == codes(Province.objects.filter(pk__in=wanted))
    assert codes(Province.objects.filter(pk__any=wanted)) == ["LK0", "LK2"]
    assert codes(Province.objects.exclude(pk__any=wanted).filter(code__startswith="LK")) == ["LK1", "LK3"]


def test_any_on_a_foreign_key_and_its_column(places):
    provinces, _ = places
    wanted = {provinces[1].pk, provinces[3].pk}
    assert codes(County.objects.filter(province__any=wanted)) == ["LKC1", "LKC3"]
    assert codes(County.objects.filter(province_id__any=sorted(wanted))) == ["LKC1", "LKC3"]


def test_an_empty_list_or_only_none_matches_nothing_without_a_query(places):
    with CaptureQueriesContext(connection) as ctx:
        assert list(Province.objects.filter(pk__any=[])) == []
        assert list(Province.objects.filter(pk__any=[None])) == []
    assert len(ctx.captured_queries) == 0
    provinces, _ = places
    assert codes(Province.objects.filter(pk__any=[None, provinces[1].pk])) == ["LK1"]


def test_a_subquery_is_an_in_subquery(places):
    inner = Province.objects.filter(code__in=["LK0", "LK3"]).values("pk")
    assert codes(County.objects.filter(province__any=inner)) == ["LKC0", "LKC3"]


def test_the_list_is_one_parameter_on_postgresql_an_in_list_on_sqlite(places):
    provinces, _ = places
    with CaptureQueriesContext(connection) as ctx:
        list(Province.objects.filter(pk__any=[p.pk for p in provinces]))
    sql = ctx.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        ids = ",".join(str(p.pk) for p in sorted(provinces, key=lambda p: p.pk))
        assert f"= ANY('{{{ids}}}'" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_a_bigint_id_is_sent_typed_on_postgresql_and_finds_the_row(places):
    from mahalleh.core.lookups import BigIntId

    _, counties = places
    wanted = counties[2].province_id
    with CaptureQueriesContext(connection) as ctx:
        assert codes(County.objects.filter(province_id=BigIntId(wanted))) == ["LKC2"]
        assert codes(County.objects.filter(province=BigIntId(wanted))) == ["LKC2"]
    typed = f"{wanted}::bigint" in ctx.captured_queries[0]["sql"]
    assert typed == (connection.vendor == "postgresql")
