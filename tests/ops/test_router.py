"""The database router's decisions (no replica needed: these run on SQLite and PostgreSQL)."""

import logging

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client, RequestFactory, override_settings
from django.urls import resolve

from mahalleh.core import dbrouting
from mahalleh.core.dbrouting import ReplicaRouter, ReplicaStatus, replica_view, using_replica

router = ReplicaRouter()


@pytest.fixture
def one_healthy_replica(monkeypatch):
    """Settings that name one replica, whose health check says it is current."""
    monkeypatch.setattr(
        dbrouting, "replica_status", lambda alias, fresh=False: ReplicaStatus(alias, True, 0.0)
    )
    with override_settings(DATABASE_REPLICAS=["replica1"]):
        yield


@pytest.fixture
def reads_seen(one_healthy_replica, monkeypatch):
    """Where each ORM read of a request would go, as (model label, alias); every query still runs
    on the test database (there is no replica here). Tests using it commit (transaction=True):
    inside a transaction every read stays on the primary."""
    seen = []
    decide = ReplicaRouter.db_for_read

    def recording(self, model, **hints):
        seen.append((model._meta.label if model else None, decide(self, model, **hints)))
        return "default"

    monkeypatch.setattr(ReplicaRouter, "db_for_read", recording)
    return seen


def token_client(user) -> Client:
    """A script with the user's API token and no cookie jar: a new client for every request."""
    from mahalleh.accounts.services import token_issue

    return Client(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")


@override_settings(DATABASE_REPLICAS=[])
def test_without_replicas_everything_reads_the_primary():
    with using_replica():
        assert router.db_for_read(None) == "default"
    assert router.db_for_read(None) == "default"


def test_heavy_reads_go_to_a_healthy_replica_and_other_reads_to_the_primary(one_healthy_replica):
    assert router.db_for_read(None) == "default"
    with using_replica():
        assert router.db_for_read(None) == "replica1"
    assert router.db_for_read(None) == "default"


def test_reads_after_a_write_in_the_same_block_stay_on_the_primary(one_healthy_replica):
    with using_replica():
        assert router.db_for_read(None) == "replica1"
        assert router.db_for_write(None) == "default"
        assert router.db_for_read(None) == "default"


def test_a_lagging_or_unreachable_replica_is_skipped(monkeypatch):
    monkeypatch.setattr(
        dbrouting, "replica_status", lambda alias, fresh=False: ReplicaStatus(alias, False, 95.0, "lag 95 s")
    )
    with override_settings(DATABASE_REPLICAS=["replica1"]), using_replica():
        assert router.db_for_read(None) == "default"


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "registry") is True
    assert router.allow_migrate("replica1", "registry") is False


@pytest.mark.django_db
def test_inside_a_transaction_reads_stay_on_the_primary(one_healthy_replica):
    # pytest-django wraps the test in a transaction on the primary, as `transaction.atomic` would.
    assert connections["default"].in_atomic_block
    with using_replica():
        assert router.db_for_read(None) == "default"


@pytest.mark.parametrize(
    ("path", "method", "routed"),
    [
        ("/registry/export/", "GET", True),
        ("/audit/", "GET", True),
        ("/api/v1/audit/", "GET", True),
        # Every role's dashboard at /, the evaluation results (pages and API) and the map.
        ("/", "GET", True),
        ("/indicators/dashboard/", "GET", True),
        ("/evaluation/nation/", "GET", True),
        ("/evaluation/province/KER/", "GET", True),
        ("/api/v1/evaluation/", "GET", True),
        ("/api/v1/evaluation/KER/", "GET", True),
        ("/places/map/", "GET", True),
        ("/registry/", "GET", False),
        ("/audit/", "POST", False),
        # Survey rounds are field work (written and read back at once): they stay on the primary.
        ("/evaluation/", "GET", False),
        ("/api/v1/survey-rounds/", "GET", False),
        ("/places/neighbourhoods/", "GET", False),
    ],
)
def test_the_configured_views_are_routed_to_a_replica(path, method, routed):
    request = RequestFactory().generic(method, path)
    request.resolver_match = resolve(path)
    assert dbrouting._routed(request, request.resolver_match.func) is routed


def test_a_route_is_one_line_of_settings():
    request = RequestFactory().get("/registry/")
    request.resolver_match = resolve("/registry/")
    with override_settings(REPLICA_VIEWS=["registry:household_*"]):
        assert dbrouting._routed(request, request.resolver_match.func) is True


def test_a_view_decorated_with_replica_view_reads_from_the_replica(one_healthy_replica):
    seen = []

    @replica_view
    def dashboard(request):
        seen.append(router.db_for_read(None))
        return "page"

    assert dashboard(RequestFactory().get("/x/")) == "page"
    assert seen == ["replica1"]


def test_a_replica_failing_mid_view_falls_back_to_the_primary_with_a_warning(one_healthy_replica, caplog):
    from django.db import OperationalError

    calls = []

    @replica_view
    def dashboard(request):
        alias = router.db_for_read(None)
        calls.append(alias)
        if alias == "replica1":
            raise OperationalError("server closed the connection unexpectedly")
        return f"served by {alias}"

    with caplog.at_level(logging.WARNING, logger="mahalleh.replicas"):
        assert dashboard(RequestFactory().get("/x/")) == "served by default"
    assert calls == ["replica1", "default"]
    assert "replica1 failed during a request" in caplog.text


def test_a_failure_after_a_write_is_not_retried(one_healthy_replica):
    from django.db import OperationalError

    @replica_view
    def dashboard(request):
        router.db_for_read(None)
        router.db_for_write(None)
        raise OperationalError("boom")

    with pytest.raises(OperationalError):
        dashboard(RequestFactory().get("/x/"))


@pytest.mark.django_db
def test_a_successful_post_pins_the_user_to_the_primary_for_a_few_seconds(client, world):
    from tests.conftest import verified_client

    verified_client(client, world.facilitator_a)
    with override_settings(DATABASE_REPLICAS=["replica1"], READ_YOUR_WRITES_SECONDS=7):
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = response.cookies[dbrouting.PIN_COOKIE]
    assert cookie.value == "1" and cookie["max-age"] == 7

    state = dbrouting._RequestState(
        request=RequestFactory().get("/", HTTP_COOKIE=f"{dbrouting.PIN_COOKIE}=1")
    )
    assert dbrouting._pinned_to_primary(state) is True
    fresh = dbrouting._RequestState(request=RequestFactory().get("/"))
    assert dbrouting._pinned_to_primary(fresh) is False


@pytest.mark.django_db(transaction=True)
def test_the_analysts_api_calls_with_a_token_are_read_from_the_replica(world, reads_seen):
    # /api/v1/provinces/ is not a routed view: the analyst's role routes it, and the role is only
    # known once the token is.
    client = token_client(world.analyst)
    reads_seen.clear()
    response = client.get("/api/v1/provinces/")
    assert response.status_code == 200
    assert [p["code"] for p in response.json()["results"]]
    assert ("geo.Province", "replica1") in reads_seen
    # The token itself is read once, on the primary (a token issued a moment ago may not be on a
    # replica yet).
    assert [alias for label, alias in reads_seen if label == "authtoken.Token"] == ["default"]


@pytest.mark.django_db(transaction=True)
def test_an_office_role_with_a_token_reads_its_lists_from_the_primary(world, reads_seen):
    client = token_client(world.facilitator_a)
    reads_seen.clear()
    assert client.get("/api/v1/provinces/").status_code == 200
    assert reads_seen and {alias for _label, alias in reads_seen} == {"default"}


@pytest.mark.django_db(transaction=True)
def test_on_a_routed_endpoint_the_token_is_read_once_from_the_primary(world, reads_seen):
    client = token_client(world.facilitator_a)
    reads_seen.clear()
    response = client.get("/api/v1/indicators/")
    assert response.status_code == 200 and response.json()["results"]
    assert ("indicators.Indicator", "replica1") in reads_seen
    assert [alias for label, alias in reads_seen if label == "authtoken.Token"] == ["default"]


@pytest.mark.django_db(transaction=True)
def test_a_bad_token_on_a_routed_endpoint_is_still_a_401(world, reads_seen):
    response = Client(HTTP_AUTHORIZATION="Token not-a-token").get("/api/v1/indicators/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.django_db(transaction=True)
def test_after_a_token_post_the_same_token_reads_from_the_primary_without_cookies(world, reads_seen):
    from mahalleh.registry.models import Household

    with override_settings(READ_YOUR_WRITES_SECONDS=30):
        created = token_client(world.facilitator_a).post(
            "/api/v1/households/",
            {"neighbourhood": world.hood_a.pk, "address": "کوچه نسترن ۴"},
            content_type="application/json",
        )
        assert created.status_code == 201
        reads_seen.clear()
        listed = token_client(world.facilitator_a).get("/api/v1/indicators/")  # a routed endpoint
    assert listed.status_code == 200
    assert ("indicators.Indicator", "default") in reads_seen
    assert {alias for _label, alias in reads_seen} == {"default"}
    assert Household.objects.filter(address="کوچه نسترن ۴").exists()

    # Another user, who wrote nothing, reads the same endpoint from the replica.
    reads_seen.clear()
    assert token_client(world.facilitator_b).get("/api/v1/indicators/").status_code == 200
    assert ("indicators.Indicator", "replica1") in reads_seen


@pytest.mark.django_db
def test_the_pin_of_a_token_user_is_found_before_the_api_identifies_the_user(world):
    # A read routed before DRF's authentication (a replica_view, a using_replica block) sees
    # only the header: the router finds the token's user itself.
    from mahalleh.accounts.services import token_issue

    token = token_issue(user=world.facilitator_a).key
    cache.set(dbrouting._pin_key(world.facilitator_a.pk), 1, timeout=30)
    wrote = dbrouting._RequestState(request=RequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {token}"))
    assert dbrouting._pinned_to_primary(wrote) is True
    other = token_issue(user=world.facilitator_b).key
    fresh = dbrouting._RequestState(request=RequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {other}"))
    assert dbrouting._pinned_to_primary(fresh) is False
