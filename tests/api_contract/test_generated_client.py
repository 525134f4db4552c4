"""An integrator's journey through a client generated from the API's own schema.

openapi-python-client generates a package from `/api/schema/` (tests/api_contract/conftest.py);
the journey below drives it against the live test server. Every raw answer is also checked
against the schema (strictly: undeclared fields, wrong types, enums, nulls, undocumented
statuses), so the test fails when the schema and the server disagree -- whether or not the
generated code happens to notice.
"""

import datetime
import inspect
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from mahalleh.accounts.models import User
from mahalleh.accounts.services import token_issue
from mahalleh.core.jalali import Period
from mahalleh.demo.loader import DEMO_USERS
from mahalleh.referrals.models import Service
from mahalleh.registry.models import HarmType
from tests.api_contract.conftest import CONTENT_TYPE_OVERRIDES

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-9"  # tests/conftest.py `world`


def _client(package, live_server, contract, token=None):
    def check(response):
        response.read()
        content_type = response.headers.get("content-type", "")
        if response.content and not content_type.startswith("application/json"):
            problems = contract.media_type_errors(  # a file: a documented binary media type
                method=response.request.method,
                path=response.request.url.path,
                status=response.status_code,
                content_type=content_type,
            )
        else:
            problems = contract.errors(
                method=response.request.method,
                path=response.request.url.path,
                status=response.status_code,
                body=response.json() if response.content else None,
            )
        assert not problems, f"{response.request.method} {response.request.url}: {problems}"

    options = {
        "base_url": live_server.url,
        "raise_on_unexpected_status": True,
        "headers": {"Accept-Language": "en"},
        "httpx_args": {"event_hooks": {"response": [check]}},
    }
    if token is None:
        return package.Client(**options)
    return package.AuthenticatedClient(token=token, prefix="Token", **options)


def test_the_user_guide_gives_integrators_the_overrides_this_client_is_generated_with():
    guide = (Path(__file__).parents[2] / "docs" / "user-guide.md").read_text()
    for media_type, read_as in CONTENT_TYPE_OVERRIDES.items():
        assert f"    {media_type}: {read_as}\n" in guide, media_type


def _cursor(link):
    return parse_qs(urlparse(link).query)["cursor"][0] if link else None


def test_an_integrator_drives_the_referral_journey_through_a_generated_client(
    generated, contract, live_server, world
):
    package, op = generated
    models = package.models
    service = Service.objects.create(partner=world.partner, name="سبد غذایی", answer_days=10)
    harm_type, _created = HarmType.objects.get_or_create(
        code="contract-test", defaults={"name_fa": "آسیب آزمون", "name_en": "Test harm"}
    )
    anonymous = _client(package, live_server, contract)

    def sign_in(username):
        body = models.TokenRequestRequest(username=username, password=PASSWORD)
        answer = op["v1_auth_token_create"].sync_detailed(client=anonymous, body=body)
        assert answer.status_code == 200, answer.content
        return _client(package, live_server, contract, answer.parsed.token)

    facilitator = sign_in("facilitator_a")
    partner = sign_in("partner")

    # A household, its head, a harm, consent and a referral -- all through the generated models.
    household = op["v1_households_create"].sync(
        client=facilitator,
        body=models.HouseholdCreateInRequest(neighbourhood=world.hood_a.pk, address="کوچهٔ ۵"),
    )
    person = op["v1_persons_create"].sync(
        client=facilitator,
        body=models.PersonCreateInRequest(
            household=household.id,
            first_name="زهرا",
            last_name="احمدی",
            sex=models.SexEnum("female"),
            relation=models.RelationEnum("head"),
            birth_date=datetime.date(1985, 3, 21),
            id_type=models.IdTypeEnum("none"),
            mobile="09121234567",
        ),
    )
    assert isinstance(person, models.PersonOut) and person.household == household.id
    today = timezone.localdate()
    harm = op["v1_harm_cases_create"].sync(
        client=facilitator,
        body=models.HarmCaseCreateInRequest(person=person.id, harm_type=harm_type.pk, identified_on=today),
    )
    assert harm.person == person.id
    op["v1_consents_create"].sync(
        client=facilitator,
        body=models.ConsentInRequest(
            person=person.id, purpose=models.PurposeEnum("referral"), given=True, on=today
        ),
    )
    referral = op["v1_referrals_create"].sync(
        client=facilitator,
        body=models.ReferralCreateInRequest(person=person.id, service=service.pk, reason="نیاز به سبد غذایی"),
    )
    assert isinstance(referral, models.ReferralDetailOut)
    assert referral.status.value == "sent" and referral.outcome is None

    # The partner accepts and completes it from its own inbox.
    inbox = op["v1_partner_referrals_list"].sync(client=partner)
    assert [r.id for r in inbox.results] == [referral.id]
    assert isinstance(inbox.results[0], models.ReferralPartnerOut)
    step = models.ReferralTransitionInRequest
    accepted = op["v1_partner_referrals_transition_create"].sync(
        referral.id,
        client=partner,
        body=step(to_status=models.ReferralTargetStatusEnum("accepted"), version=inbox.results[0].version),
    )
    assert accepted.status.value == "accepted"
    done = op["v1_partner_referrals_transition_create"].sync(
        referral.id,
        client=partner,
        body=step(
            to_status=models.ReferralTargetStatusEnum("completed"),
            outcome=models.OutcomeEnum("delivered"),
            note="تحویل شد",
        ),
    )
    assert (done.status.value, done.outcome.value) == ("completed", "delivered")

    # The facilitator reads the outcome.
    read = op["v1_referrals_retrieve"].sync(referral.id, client=facilitator)
    assert (read.outcome.value, read.outcome_note) == ("delivered", "تحویل شد")
    assert [e.to_status.value for e in read.events] == ["sent", "accepted", "completed"]

    # A stale edit is a 409 in the documented error shape.
    stale = op["v1_partner_referrals_transition_create"].sync_detailed(
        referral.id,
        client=partner,
        body=step(to_status=models.ReferralTargetStatusEnum("accepted"), version="x"),
    )
    assert stale.status_code == 409, stale.content
    assert isinstance(stale.parsed, models.Error) and stale.parsed.code == "stale"


def test_persons_are_read_over_cursor_pages(generated, contract, live_server, world):
    package, op = generated
    models = package.models
    client = _client(package, live_server, contract, token_issue(user=world.facilitator_a).key)
    household = op["v1_households_create"].sync(
        client=client, body=models.HouseholdCreateInRequest(neighbourhood=world.hood_a.pk)
    )
    for i, name in enumerate(["علی", "رضا", "مریم", "سارا", "حسن", "نرگس", "امید"]):
        relation = "head" if i == 0 else "other"
        op["v1_persons_create"].sync(
            client=client,
            body=models.PersonCreateInRequest(
                household=household.id,
                first_name=name,
                last_name="کاظمی",
                sex=models.SexEnum("male"),
                relation=models.RelationEnum(relation),
                birth_date=datetime.date(1990 - i, 1, 1),
                id_type=models.IdTypeEnum("none"),
            ),
        )
    seen, cursor, pages = [], None, 0
    while True:
        page = op["v1_persons_list"].sync(client=client, page_size=3, cursor=cursor or package.types.UNSET)
        seen += [p.id for p in page.results]
        pages += 1
        cursor = _cursor(page.next_)
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 7 == len(set(seen))
    bad = op["v1_persons_list"].sync_detailed(client=client, cursor="not-a-cursor")
    assert bad.status_code == 400 and "cursor" in bad.parsed.additional_properties


def test_an_office_manager_requests_a_report_and_downloads_its_files_as_bytes(
    generated, contract, live_server, world
):
    package, op = generated
    models = package.models
    client = _client(package, live_server, contract, token_issue(user=world.manager_a).key)
    month = Period.containing(timezone.localdate(), "month").previous()
    body = models.ReportCreateInRequest(scope=models.ReportScopeEnum("office"), period=month.code)
    created = op["v1_reports_create"].sync(client=client, body=body)
    assert isinstance(created, models.ReportOut) and created.scope.value == "office"
    # The job ran after the request's commit (huey runs jobs at once under pytest).
    report = op["v1_reports_retrieve"].sync(created.id, client=client)
    assert report.status.value == "ready" and report.pdf_url == f"/api/v1/reports/{created.id}/pdf/"
    pdf = op["v1_reports_pdf_retrieve"].sync(created.id, client=client)
    assert pdf.payload.read().startswith(b"%PDF")
    xlsx = op["v1_reports_xlsx_retrieve"].sync(created.id, client=client)
    assert xlsx.payload.read().startswith(b"PK")  # a zip: the XLSX container
    bad = op["v1_reports_create"].sync_detailed(
        client=client,
        body=models.ReportCreateInRequest(scope=models.ReportScopeEnum("office"), period="1403-13"),
    )
    assert bad.status_code == 400 and bad.parsed.additional_properties["period"][0].startswith("Not a period")
    other = _client(package, live_server, contract, token_issue(user=world.manager_b).key)
    assert op["v1_reports_pdf_retrieve"].sync_detailed(created.id, client=other).status_code == 404


# Each role, and the list endpoints it may call. Everything else it is not offered answers 403
# (in the schema's error shape) -- checked below too.
ROLES = ["admin", "analyst", "coordinator", "manager_a", "facilitator_a", "pr_a", "partner_user"]
AUDIENCE_ONLY = {"v1_referrals_list": "office", "v1_partner_referrals_list": "partner"}


@pytest.mark.parametrize("role", ROLES)
def test_every_list_endpoint_parses_for_every_role(generated, contract, live_server, world, role):
    package, op = generated
    user = getattr(world, role)
    client = _client(package, live_server, contract, token_issue(user=user).key)
    # Collection endpoints: a list under one record (e.g. /stories/{id}/…) needs that record's id.
    lists = sorted(
        name
        for name in op
        if name.endswith("_list") and "id" not in inspect.signature(op[name].sync_detailed).parameters
    )
    assert len(lists) >= 20
    for name in lists:
        answer = op[name].sync_detailed(client=client)
        audience = AUDIENCE_ONLY.get(name)
        is_partner = role == "partner_user"
        if audience and (audience == "partner") != is_partner:
            assert answer.status_code == 403, (name, answer.content)
            assert isinstance(answer.parsed, package.models.Error)
        else:
            assert answer.status_code == 200, (name, answer.status_code, answer.content)
            assert type(answer.parsed).__name__.startswith("Paginated"), name


DEMO_ROLES = [username for username, _role, _scope in DEMO_USERS]
# What state a row of a list is in (open or closed, and how), gathered over every role's rows, and
# the states the demo must show there -- so the test keeps reading rows in each of them.
STATE_OF = {
    "v1_referrals_list": lambda row: (row["status"], row["outcome"]),
    "v1_partner_referrals_list": lambda row: (row["status"], row["outcome"]),
    "v1_harm_cases_list": lambda row: row["status"],
    "v1_sessions_list": lambda row: "attendance taken" if row["marked_count"] else "attendance not taken",
    "v1_activities_list": lambda row: "ended" if (row["ends_on"] or "9999") < _today() else "running",
    "v1_enrolments_list": lambda row: "left" if row["left_on"] else "enrolled",
    "v1_groups_list": lambda row: "active" if row["is_active"] else "inactive",
    "v1_memberships_list": lambda row: "current" if row["is_current"] else "left",
    "v1_stories_list": lambda row: row["status"],
    "v1_reports_list": lambda row: row["status"],
    "v1_manual_values_list": lambda row: row["status"],
    "v1_survey_rounds_list": lambda row: row["kind"],
}
OPEN_REFERRALS = {(status, None) for status in ("sent", "accepted", "in_progress")}
CLOSED_REFERRALS = {("declined", None), ("cancelled", None)} | {
    ("completed", outcome) for outcome in ("delivered", "not_eligible", "no_show", "other")
}
DEMO_STATES = {
    "v1_referrals_list": OPEN_REFERRALS | CLOSED_REFERRALS,
    "v1_partner_referrals_list": OPEN_REFERRALS | CLOSED_REFERRALS,
    "v1_harm_cases_list": {"identified", "in_care", "resolved"},
    "v1_sessions_list": {"attendance taken", "attendance not taken"},
    "v1_activities_list": {"ended", "running"},
    "v1_enrolments_list": {"enrolled", "left"},
    "v1_groups_list": {"active", "inactive"},
    "v1_memberships_list": {"current", "left"},
    "v1_stories_list": {"in_review", "published"},
    "v1_reports_list": {"ready"},
    "v1_manual_values_list": {"approved", "rejected"},
    "v1_survey_rounds_list": {"baseline", "follow_up"},
}


def _today() -> str:
    return timezone.localdate().isoformat()


def _load_demo():
    """The demo with a small registry (200 households), committed for the live server (the test's
    database is flushed after it)."""
    from unittest import mock

    from mahalleh.demo import loader
    from mahalleh.demo.registry import load_registry

    def small(*args, **kwargs):
        return load_registry(*args, **{**kwargs, "households": 200, "comparison_households": 20})

    with mock.patch.object(loader, "load_registry", small):
        assert loader.load() is True


def test_every_list_and_its_first_record_parse_for_every_role_over_the_demo(generated, contract, live_server):
    """The every-role test above reads lists that are empty; this one reads them over the demo, with
    rows open, closed and in between (DEMO_STATES) -- each role's first page of every list, and
    every read under its first row (the record itself, a round's sample, a session's attendance,
    a report's files), through the generated client and the strict checker."""
    package, op = generated
    _load_demo()
    lists = sorted(
        name
        for name in op
        if name.endswith("_list") and "id" not in inspect.signature(op[name].sync_detailed).parameters
    )
    states: dict[str, set] = {}
    reads_under: set[str] = set()
    for username in DEMO_ROLES:
        token = token_issue(user=User.objects.get(username=username)).key
        # Closed after each role, so the live server's keep-alive threads end before it stops.
        with _client(package, live_server, contract, token) as client:
            for name in lists:
                answer = op[name].sync_detailed(client=client, page_size=100)
                audience = AUDIENCE_ONLY.get(name)
                if audience and (audience == "partner") != (username == "partner_user"):
                    assert answer.status_code == 403, (username, name, answer.content)
                    continue
                assert answer.status_code == 200, (username, name, answer.status_code, answer.content)
                assert type(answer.parsed).__name__.startswith("Paginated"), name
                rows = json.loads(answer.content)["results"]
                if name in STATE_OF:
                    states.setdefault(name, set()).update(STATE_OF[name](row) for row in rows)
                if not rows:
                    continue
                # Every read under the first row: the record, and what hangs off it (a round's sample ...).
                stem = name.removesuffix("_list") + "_"
                reads = (n for n in op if n.startswith(stem) and n.endswith(("_retrieve", "_list")))
                for under in sorted(reads):
                    key = next(iter(inspect.signature(op[under].sync_detailed).parameters))
                    if key not in rows[0]:
                        continue
                    read = op[under].sync_detailed(rows[0][key], client=client)
                    assert read.status_code == 200, (username, under, read.status_code, read.content)
                    reads_under.add(under)
    for name, expected in DEMO_STATES.items():
        assert expected <= states[name], (name, sorted(expected - states[name], key=str))
    # A detail read of the first row of every list that has one (no one has imported a file in the
    # demo: the imports list is empty), and the reads under it.
    expected = {name.removesuffix("_list") + "_retrieve" for name in lists} & set(op)
    expected = expected - {"v1_imports_retrieve"} | {
        "v1_survey_rounds_sample_list",
        "v1_sessions_attendance_retrieve",
        "v1_reports_pdf_retrieve",
        "v1_reports_xlsx_retrieve",
    }
    assert expected <= reads_under, sorted(expected - reads_under)
