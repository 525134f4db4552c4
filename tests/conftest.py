"""Shared fixtures: the fixed cast of users, one per role and scope.

Two offices in two counties of one province, a second province with its own
office, and a partner organisation — so every permission test reads as
"the facilitator of office A cannot see office B's neighbourhood".
"""

import datetime
import os
import tempfile

import hypothesis
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from mahalleh.accounts.models import Role, User
from mahalleh.geo.models import County, Neighbourhood, Office, Province
from mahalleh.referrals.models import Partner

# Hypothesis on 2 cores shared by several developers and CI jobs: a property test that is slow
# because another job holds the CPU is not a failing test. "shared" (the default) drops the
# per-example deadline and the too-slow health check; the checks that point at a badly written
# strategy (filter_too_much, data_too_large, ...) stay on. HYPOTHESIS_PROFILE=dev restores
# Hypothesis' own defaults for a quiet machine.
hypothesis.settings.register_profile(
    "shared", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow], print_blob=True
)
hypothesis.settings.register_profile("dev")
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "shared"))


def pytest_configure(config):
    # Tests do not run collectstatic: serve static files from the app folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploaded files (story photos, the demo's too) go to a temporary folder, never var/media.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="mahalleh-media-")
    # Without this every test client makes whitenoise scan var/static (~0.1 s each).
    settings.WHITENOISE_AUTOREFRESH = True
    _live_server_closes_each_connection()


def _live_server_closes_each_connection():
    """The live server answers every request with `Connection: close`.

    Chromium keeps its connections to the live server open after a test closes its browser
    context, and Django's threaded test server keeps one thread per open connection, waiting for
    the next request: `_live_server_requests_finish` below then waited its whole 10 s at the end of
    every browser test (8 of the 50 minutes of the suite). A connection closed after each answer
    ends its thread with the answer; the browser opens a new one for the next request (on the
    loopback, a fraction of a millisecond)."""
    from django.core.servers import basehttp

    keep_alive = basehttp.ServerHandler.cleanup_headers

    def cleanup_headers(self):
        keep_alive(self)
        self.headers["Connection"] = "close"
        self.request_handler.close_connection = True

    basehttp.ServerHandler.cleanup_headers = cleanup_headers


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (Persian). A request in English activates English
    for the thread and Django leaves it so; the next test must not inherit it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the token endpoint's rate limit counts sign-ins in it,
    and the schema fuzzing's many sign-ins left the next test's integrator throttled (429)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _live_server_requests_finish(request):
    """Before the live server of a test stops, let the requests it is still answering finish.

    A browser that closes its context leaves the server's request threads to end on their own; one
    that ended after the server had stopped sharing the test's database connection failed in
    `close_all()` ("DatabaseWrapper objects created in a thread can only be used in that same
    thread", issue 8.17). Asking for live_server here makes this teardown run before its teardown."""
    if "live_server" not in request.fixturenames:
        yield
        return
    import threading
    import time

    request.getfixturevalue("live_server")
    yield
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not any("process_request_thread" in t.name for t in threading.enumerate() if t.is_alive()):
            break
        time.sleep(0.05)


def pytest_collection_modifyitems(config, items):
    # Browser tests and tests with real transactions flush the database when they end, rows seeded
    # by migrations included (harm types, checklist items): run them after every other test.
    def flushes(item) -> bool:
        names = getattr(item, "fixturenames", ())
        on_live_db = "transactional_db" in names or "live_server" in names
        return item.get_closest_marker("e2e") is not None or on_live_db

    items.sort(key=flushes)


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


class World:
    """The places and the users of a test, as attributes."""


@pytest.fixture
def jobs_run_by_a_worker(monkeypatch):
    """Jobs go through the queue and come back done, on whichever queue the run uses.

    On SQLite under pytest huey runs a job in-process as it is queued (immediate mode). On Redis
    (REDIS_URL, as `.ci/run`'s Redis stage sets) a job is queued in Redis as in production, then
    taken from Redis and run at once, as an idle worker would: the test sees the same outcome,
    and the job has been through Redis's queue (serialised, stored, taken)."""
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        yield
        return
    HUEY.flush()
    enqueue = HUEY.enqueue

    def enqueue_then_work(task):
        result = enqueue(task)
        while (queued := HUEY.dequeue()) is not None:
            HUEY.execute(queued)
        return result

    monkeypatch.setattr(HUEY, "enqueue", enqueue_then_work)
    yield
    HUEY.flush()


@pytest.fixture
def world(db) -> World:
    w = World()
    w.kerman = Province.objects.create(code="KRM", name_fa="کرمان", name_en="Kerman")
    w.fars = Province.objects.create(code="FRS", name_fa="فارس", name_en="Fars")
    w.county_a = County.objects.create(province=w.kerman, code="KRM-C1", name_fa="کرمان", name_en="Kerman")
    w.county_b = County.objects.create(province=w.kerman, code="KRM-C2", name_fa="سیرجان", name_en="Sirjan")
    w.county_f = County.objects.create(province=w.fars, code="FRS-C1", name_fa="شیراز", name_en="Shiraz")
    w.office_a = Office.objects.create(
        county=w.county_a,
        code="OA",
        name_fa="دفتر الف",
        name_en="Office A",
        opened_on=datetime.date(2023, 3, 21),
    )
    w.office_b = Office.objects.create(county=w.county_b, code="OB", name_fa="دفتر ب", name_en="Office B")
    w.office_f = Office.objects.create(county=w.county_f, code="OF", name_fa="دفتر شیراز", name_en="Office F")
    w.hood_a = Neighbourhood.objects.create(
        county=w.county_a, code="NA", name_fa="محله الف", name_en="Hood A", office=w.office_a,
        boundary=square(57.0, 30.2), est_population=12000, est_households=3300,
    )  # fmt: skip
    w.hood_a_comparison = Neighbourhood.objects.create(
        county=w.county_a, code="NAC", name_fa="محله شاهد الف", name_en="Comparison A",
        kind=Neighbourhood.Kind.COMPARISON, boundary=square(57.05, 30.2),
    )  # fmt: skip
    w.hood_b = Neighbourhood.objects.create(
        county=w.county_b, code="NB", name_fa="محله ب", name_en="Hood B", office=w.office_b,
        boundary=square(55.6, 29.4),
    )  # fmt: skip
    w.hood_f = Neighbourhood.objects.create(
        county=w.county_f, code="NF", name_fa="محله شیراز", name_en="Hood F", office=w.office_f,
        boundary=square(52.5, 29.6),
    )  # fmt: skip
    w.partner = Partner.objects.create(name="بنیاد امید", kind=Partner.Kind.CHARITY, province=w.kerman)
    w.other_partner = Partner.objects.create(name="انجمن مهر", kind=Partner.Kind.NGO, province=w.kerman)

    def make(username, role, **scope):
        user = User.objects.create_user(username=username, password="correct-horse-9", role=role, **scope)
        return user

    w.admin = make("admin", Role.NATIONAL_ADMIN)
    w.analyst = make("analyst", Role.NATIONAL_ANALYST)
    w.coordinator = make("coordinator", Role.PROVINCE_COORDINATOR, province=w.kerman)
    w.coordinator_fars = make("coordinator_fars", Role.PROVINCE_COORDINATOR, province=w.fars)
    w.manager_a = make("manager_a", Role.OFFICE_MANAGER, office=w.office_a)
    w.facilitator_a = make("facilitator_a", Role.FACILITATOR, office=w.office_a)
    w.pr_a = make("pr_a", Role.PR_OFFICER, office=w.office_a)
    w.manager_b = make("manager_b", Role.OFFICE_MANAGER, office=w.office_b)
    w.facilitator_b = make("facilitator_b", Role.FACILITATOR, office=w.office_b)
    w.partner_user = make("partner", Role.PARTNER_USER, partner=w.partner)
    return w


def verified_client(client, user):
    """A browser session past the login and, where the role needs it, past the second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    if user.needs_second_factor:
        device, _created = TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def login(client):
    """login(user) -> the Django test client signed in (and verified) as that user."""

    def _login(user):
        client.logout()
        return verified_client(client, user)

    return _login


@pytest.fixture
def api():
    """api(user) -> a DRF client authenticated with the user's token."""
    from mahalleh.accounts.services import token_issue

    def _api(user=None):
        c = APIClient()
        if user is not None:
            c.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
        return c

    return _api
