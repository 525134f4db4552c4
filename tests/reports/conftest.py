import datetime

import pytest
from django.utils import timezone

from mahalleh.core.jalali import Period


@pytest.fixture
def last_month() -> Period:
    return Period.containing(timezone.localdate(), "month").previous()


@pytest.fixture
def residents(world, last_month):
    """Seven residents of office A's neighbourhood and three of office B's, registered last month."""
    from mahalleh.registry.models import Household, Person

    def add(hood, n):
        household = Household.objects.create(neighbourhood=hood)
        people = [
            Person.objects.create(
                household=household, first_name="نام", last_name="فامیل", sex="female", relation="head"
            )
            for _ in range(n)
        ]
        when = timezone.make_aware(datetime.datetime.combine(last_month.first_day, datetime.time(10)))
        Person.objects.filter(pk__in=[p.pk for p in people]).update(created_at=when)
        return people

    return add(world.hood_a, 7) + add(world.hood_b, 3)


@pytest.fixture
def generate(django_capture_on_commit_callbacks):
    """generate(user=…, scope=…, period=…) -> the report after its background job ran."""
    from mahalleh.reports import services
    from mahalleh.reports.models import Report

    def _generate(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            report = services.report_request(**kwargs)
        return Report.objects.get(pk=report.pk)

    return _generate


from tests.api.conftest import (  # noqa: E402, F401 — the schema-checked API client
    _no_static_scan,
    api,
    openapi,
)
