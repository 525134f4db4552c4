"""The lean list serialization (mahalleh.api.lean) gives every list endpoint the same JSON as DRF's
serializers would: each list of the API is read over the demo twice, the lean way and DRF's way,
by the roles that see it, and the two bodies must be equal."""

import json
from unittest import mock

import pytest

from mahalleh.api import base
from mahalleh.api.urls import router
from mahalleh.demo.loader import DEMO_USERS

pytestmark = pytest.mark.django_db

ROLES = tuple(username for username, _role, _scope in DEMO_USERS)


def drf_way(serializer_class, instances, **kwargs):
    return serializer_class(list(instances), many=True, **kwargs).data


def records(serializer_class, queryset):
    return queryset


def list_paths():
    return [f"/api/v1/{prefix}/" for prefix, viewset, _name in router.registry if hasattr(viewset, "list")]


def nested_list_paths(openapi) -> list[str]:
    """The lists under one record (e.g. /survey-rounds/{id}/sample/): paged answers at a path with an id."""
    found = []
    for template, operations in openapi.raw["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get("200", {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        if "{id}" in template and schema.get("$ref", "").rsplit("/", 1)[-1].startswith("Paginated"):
            found.append(template)
    return found


def _results(response) -> list:
    body = json.loads(response.content)
    return body.get("results", body) if isinstance(body, dict) else body


def test_every_list_endpoint_answers_the_same_with_and_without_the_lean_path(demo, api, openapi):
    """Every role, every list (and every list under a record, read at the role's first record)."""
    from mahalleh.accounts.models import User

    nested = nested_list_paths(openapi)
    assert "/api/v1/survey-rounds/{id}/sample/" in nested
    compared, rows = set(), 0
    for username in ROLES:
        client = api(User.objects.get(username=username))
        paths = [(path, path) for path in list_paths()]
        for template in nested:
            parent = client.get(template.split("{id}")[0])
            if parent.status_code == 200 and _results(parent):
                paths.append((template, template.replace("{id}", str(_results(parent)[0]["id"]))))
        for template, path in paths:
            lean = client.get(path, {"page_size": 100})
            if lean.status_code != 200:
                continue
            with mock.patch.object(base, "lean_data", drf_way), mock.patch.object(base, "as_rows", records):
                plain = client.get(path, {"page_size": 100})
            assert plain.status_code == 200
            assert json.loads(lean.content) == json.loads(plain.content), (path, username)
            if _results(lean):
                compared.add((template, username))
                rows += len(_results(lean))
    # The comparison means something only if the lists had rows: most endpoints do in the demo, and
    # every role sees rows somewhere.
    assert len({path for path, _username in compared}) >= 20, sorted(compared)
    assert {username for _path, username in compared} == set(ROLES)
    assert ("/api/v1/survey-rounds/{id}/sample/", "facilitator") in compared
    assert rows > 500


def test_a_list_whose_serializer_reads_columns_only_is_read_as_light_rows():
    """The residents' list reads rows, not instances; a serializer, a queryset or a column that
    needs the instance keeps it (the test above checks the JSON is the same either way)."""
    from rest_framework import serializers

    from mahalleh.api.lean import RowIterable, as_rows
    from mahalleh.registry.api import HouseholdOut, PersonOut
    from mahalleh.registry.models import Household, ImportJob, Person

    class JobOut(serializers.ModelSerializer):
        class Meta:
            model = ImportJob
            fields = ["id", "file"]

    residents = Person.objects.filter(office_id=1)
    assert as_rows(PersonOut, residents)._iterable_class is RowIterable
    for records in (
        residents.select_related("household"),  # joined records are read into instances
        residents.only("id", "updated_at"),  # a deferred column would be read later, one by one
        residents.prefetch_related("consents"),
        residents.values("id"),
    ):
        assert as_rows(PersonOut, records) is records
    households = Household.objects.all()
    assert as_rows(HouseholdOut, households) is households  # head_name reads the head
    jobs = ImportJob.objects.all()
    assert as_rows(JobOut, jobs) is jobs  # a file column reads as a file, not the name stored
