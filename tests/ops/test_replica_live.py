"""The router against a real PostgreSQL streaming replica (`.ci/run` starts one).

Needs DATABASE_REPLICA_URLS (a replica of the test database's server) and, for the test that
stops the replica, REPLICA_PGDATA (its data directory). Skipped, with the reason shown,
without them.
"""

import logging
import os

import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from mahalleh.core import dbrouting
from mahalleh.registry.models import Household
from tests.conftest import verified_client
from tests.ops.pgtools import as_postgres, pg_bin, wait_until

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_REPLICA_URLS"),
        reason="DATABASE_REPLICA_URLS is not set: real-replica router tests SKIPPED (.ci/run sets it)",
    ),
    pytest.mark.django_db(transaction=True, databases=["default", "replica1"]),
]


@pytest.fixture(autouse=True)
def fresh_health():
    dbrouting.reset_health()
    yield
    dbrouting.reset_health()


def replica_sees(model, **filters) -> bool:
    return model.objects.using("replica1").filter(**filters).exists()


def in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def export_csv(client) -> str:
    response = client.get("/registry/export/?format=csv")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_export_is_read_from_the_replica(client, world):
    Household.objects.create(
        neighbourhood=world.hood_a, address="کوچه بنفشه ۷", created_by=world.facilitator_a
    )
    wait_until(lambda: replica_sees(Household, address="کوچه بنفشه ۷"))
    verified_client(client, world.facilitator_a)

    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        body = export_csv(client)

    assert "کوچه بنفشه ۷" in body
    assert any("registry_household" in q["sql"] for q in on_replica.captured_queries)
    assert in_recovery("replica1") is True  # the connection that served it is a standby
    assert in_recovery("default") is False


def test_a_trivial_page_of_an_aggregate_role_is_read_from_the_replica(client, world):
    verified_client(client, world.analyst)
    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        response = client.get("/")
    assert response.status_code == 200
    # The dashboard's heavy read, the summed facts (the provinces' sums for a national role), was
    # served by the standby.
    assert any("indicators_provincefact" in q["sql"] for q in on_replica.captured_queries)


def test_the_dashboard_of_an_office_role_at_home_is_read_from_the_replica(client, world):
    verified_client(client, world.facilitator_a)
    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        response = client.get("/")
    assert response.status_code == 200
    assert any("indicators_" in q["sql"] for q in on_replica.captured_queries)


def test_after_a_write_the_same_user_reads_from_the_primary(client, world, api):
    verified_client(client, world.facilitator_a)
    created = api(world.facilitator_a).post(
        "/api/v1/households/", {"neighbourhood": world.hood_a.pk, "address": "کوچه تازه ۳"}, format="json"
    )
    assert created.status_code == 201
    # The browser session of the same user wrote through the page, as a person would.
    response = client.post("/i18n/setlang/", {"language": "fa", "next": "/"})
    assert response.cookies[dbrouting.PIN_COOKIE].value == "1"

    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        body = export_csv(client)
    assert "کوچه تازه ۳" in body
    assert on_replica.captured_queries == []


def test_a_lagging_replica_is_skipped_with_a_warning_and_the_primary_serves_the_page(client, world, caplog):
    verified_client(client, world.facilitator_a)
    with connections["replica1"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")  # the standby receives WAL but applies none
    try:
        Household.objects.create(
            neighbourhood=world.hood_a, address="کوچه اقاقیا ۹", created_by=world.facilitator_a
        )
        with (
            override_settings(REPLICA_MAX_LAG_SECONDS=1),
            caplog.at_level(logging.WARNING, "mahalleh.replicas"),
        ):
            wait_until(lambda: not dbrouting.replica_status("replica1", fresh=True).ok, timeout=60, step=0.5)
            body = export_csv(client)
        assert "کوچه اقاقیا ۹" in body  # a row the standby has not applied: the primary served it
        assert not replica_sees(Household, address="کوچه اقاقیا ۹")
        assert "replica replica1 skipped, reads go to the primary: lag" in caplog.text
    finally:
        with connections["replica1"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    wait_until(lambda: replica_sees(Household, address="کوچه اقاقیا ۹"))
    dbrouting.reset_health()


@pytest.mark.skipif(
    not os.environ.get("REPLICA_PGDATA") or pg_bin() is None,
    reason="REPLICA_PGDATA is not set: the 'replica stopped mid-test' test is SKIPPED (.ci/run sets it)",
)
def test_stopping_the_replica_falls_back_to_the_primary_without_a_failed_request(client, world, caplog):
    Household.objects.create(neighbourhood=world.hood_a, address="کوچه یاس ۱", created_by=world.facilitator_a)
    wait_until(lambda: replica_sees(Household, address="کوچه یاس ۱"))
    verified_client(client, world.facilitator_a)
    assert "کوچه یاس ۱" in export_csv(client)  # served by the replica; its connection stays open

    pg_ctl = [str(pg_bin() / "pg_ctl"), "-D", os.environ["REPLICA_PGDATA"]]
    as_postgres([*pg_ctl, "-m", "fast", "-w", "stop"])
    try:
        with caplog.at_level(logging.WARNING, logger="mahalleh.replicas"):
            first = export_csv(client)  # the open replica connection fails mid-request
            second = export_csv(client)  # the replica is known to be down: straight to the primary
        assert "کوچه یاس ۱" in first and "کوچه یاس ۱" in second
        assert "replica replica1 failed during a request" in caplog.text
    finally:
        log = os.path.join(os.path.dirname(os.environ["REPLICA_PGDATA"]), "replica.log")
        as_postgres([*pg_ctl, "-l", log, "-w", "-t", "60", "start"])
        connections["replica1"].close()
    dbrouting.reset_health()
    wait_until(lambda: dbrouting.replica_status("replica1", fresh=True).ok, timeout=60)


def test_migrations_are_refused_on_the_replica():
    assert settings.DATABASE_REPLICAS == ["replica1"]
    assert dbrouting.ReplicaRouter().allow_migrate("replica1", "registry") is False
