"""Who sees what: every role × every places page, staff page and API endpoint.

The fixed cast (tests/conftest.py): provinces Kerman and Fars; counties A and B in Kerman and F in
Fars; offices A, B and F; target neighbourhoods A, B and F and a comparison neighbourhood in county A.
An object outside a user's scope does not exist for them: pages and API answer 404, never 403,
and no list, map or breadcrumb mentions its name.
"""

import json

import pytest
from django.urls import reverse
from django.utils.html import escape

ROLES = [
    "admin",
    "analyst",
    "coordinator",
    "coordinator_fars",
    "manager_a",
    "facilitator_a",
    "pr_a",
    "manager_b",
    "facilitator_b",
    "partner_user",
]
PROVINCES = ["kerman", "fars"]
COUNTIES = ["county_a", "county_b", "county_f"]
OFFICES = ["office_a", "office_b", "office_f"]
NEIGHBOURHOODS = ["hood_a", "hood_a_comparison", "hood_b", "hood_f"]
PLACES = {"provinces": PROVINCES, "counties": COUNTIES, "offices": OFFICES, "neighbourhoods": NEIGHBOURHOODS}

EVERYWHERE = {kind: set(objects) for kind, objects in PLACES.items()}
KERMAN = {
    "provinces": {"kerman"},
    "counties": {"county_a", "county_b"},
    "offices": {"office_a", "office_b"},
    "neighbourhoods": {"hood_a", "hood_a_comparison", "hood_b"},
}
FARS = {
    "provinces": {"fars"},
    "counties": {"county_f"},
    "offices": {"office_f"},
    "neighbourhoods": {"hood_f"},
}
OFFICE_A = {
    "provinces": {"kerman"},
    "counties": {"county_a"},
    "offices": {"office_a"},
    "neighbourhoods": {"hood_a"},
}
OFFICE_B = {
    "provinces": {"kerman"},
    "counties": {"county_b"},
    "offices": {"office_b"},
    "neighbourhoods": {"hood_b"},
}
NOTHING = {kind: set() for kind in PLACES}

SEES_PLACES = {
    "admin": EVERYWHERE,
    "analyst": EVERYWHERE,
    "coordinator": KERMAN,
    "coordinator_fars": FARS,
    "manager_a": OFFICE_A,
    "facilitator_a": OFFICE_A,
    "pr_a": OFFICE_A,
    "manager_b": OFFICE_B,
    "facilitator_b": OFFICE_B,
    "partner_user": NOTHING,
}

OFFICE_STAFF = {"manager_a", "facilitator_a", "pr_a", "manager_b", "facilitator_b"}
KERMAN_STAFF = {"manager_a", "facilitator_a", "pr_a", "manager_b", "facilitator_b"}
# Staff pages: None means the role has no staff pages at all (404).
SEES_STAFF_PAGES = {
    "admin": set(ROLES),
    "analyst": None,
    "coordinator": {"coordinator", *KERMAN_STAFF},
    "coordinator_fars": {"coordinator_fars"},
    "manager_a": {"manager_a", "facilitator_a", "pr_a"},
    "facilitator_a": None,
    "pr_a": None,
    "manager_b": {"manager_b", "facilitator_b"},
    "facilitator_b": None,
    "partner_user": None,
}
# The users API: staff managers see their staff, everyone else only their own account.
SEES_USERS_API = {role: seen if seen is not None else {role} for role, seen in SEES_STAFF_PAGES.items()}

DETAIL_URL = {
    "provinces": "geo:province_detail",
    "counties": "geo:county_detail",
    "offices": "geo:office_detail",
    "neighbourhoods": "geo:neighbourhood_detail",
}
# Names that belong to exactly one place (county A is called «کرمان» like its province, so it is left out).
UNIQUE_NAMES = {
    "fars": "فارس",
    "county_b": "سیرجان",
    "county_f": "شیراز",
    "office_a": "دفتر الف",
    "office_b": "دفتر ب",
    "office_f": "دفتر شیراز",
    "hood_a": "محله الف",
    "hood_a_comparison": "محله شاهد الف",
    "hood_b": "محله ب",
    "hood_f": "محله شیراز",
}


def _forms(name: str) -> list[str]:
    """The ways a name can appear in a page: as text, HTML-escaped, or inside JSON (the map data)."""
    return [name, escape(name), json.dumps(name)[1:-1]]


def mentions(html: str, name: str) -> bool:
    return any(form in html for form in _forms(name))


def _seen_names(role: str) -> set[str]:
    """Attributes of the places the role sees, including the places that contain them."""
    seen = set().union(*SEES_PLACES[role].values())
    return seen


def assert_names(html: str, *, present=(), absent=()):
    missing = [UNIQUE_NAMES.get(a, a) for a in present if not mentions(html, UNIQUE_NAMES.get(a, a))]
    leaked = [UNIQUE_NAMES.get(a, a) for a in absent if mentions(html, UNIQUE_NAMES.get(a, a))]
    assert not missing, f"should be on the page: {missing}"
    assert not leaked, f"outside the scope but on the page: {leaked}"


def _hidden_names(role: str) -> list[str]:
    """Uniquely named places the role must never see anywhere.

    «شیراز» (county F) is a substring of office F's and neighbourhood F's names, so it is only checked
    when none of the three is in scope.
    """
    seen = _seen_names(role)
    hidden = [attr for attr in UNIQUE_NAMES if attr not in seen]
    if {"office_f", "hood_f"} & seen:
        hidden = [attr for attr in hidden if attr != "county_f"]
    return hidden


# ---------------------------------------------------------------------------------------------
# Places pages


@pytest.mark.parametrize("kind", list(PLACES))
@pytest.mark.parametrize("role", ROLES)
def test_place_detail_pages_answer_200_in_scope_and_404_outside(world, login, role, kind):
    client = login(getattr(world, role))
    expected = {attr: 200 if attr in SEES_PLACES[role][kind] else 404 for attr in PLACES[kind]}
    actual = {
        attr: client.get(reverse(DETAIL_URL[kind], args=[getattr(world, attr).pk])).status_code
        for attr in PLACES[kind]
    }
    assert actual == expected


@pytest.mark.parametrize("role", ROLES)
def test_neighbourhood_list_shows_only_neighbourhoods_in_scope(world, login, role):
    response = login(getattr(world, role)).get(reverse("geo:neighbourhood_list"))
    if role == "partner_user":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    seen = SEES_PLACES[role]["neighbourhoods"]
    assert_names(response.content.decode(), present=seen, absent=set(NEIGHBOURHOODS) - seen)


@pytest.mark.parametrize("role", ROLES)
def test_map_shows_only_neighbourhoods_in_scope(world, login, role):
    response = login(getattr(world, role)).get(reverse("geo:map"))
    if role == "partner_user":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    seen = SEES_PLACES[role]["neighbourhoods"]
    features = response.context["features"]["features"]
    assert {f["properties"]["code"] for f in features} == {getattr(world, a).code for a in seen}
    assert_names(response.content.decode(), present=seen, absent=set(NEIGHBOURHOODS) - seen)


@pytest.mark.parametrize("role", ROLES)
def test_office_list_shows_only_offices_in_scope(world, login, role):
    response = login(getattr(world, role)).get(reverse("geo:office_list"), follow=True)
    if role == "partner_user":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    seen = SEES_PLACES[role]["offices"]
    assert_names(response.content.decode(), present=seen, absent=set(OFFICES) - seen)
    if role in OFFICE_STAFF:  # office staff land on their own office's page
        office = getattr(world, next(iter(seen)))
        assert response.redirect_chain[-1][0] == reverse("geo:office_detail", args=[office.pk])


@pytest.mark.parametrize("role", ROLES)
def test_province_list_shows_only_provinces_in_scope(world, login, role):
    response = login(getattr(world, role)).get(reverse("geo:province_list"), follow=True)
    if role == "partner_user":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    seen = SEES_PLACES[role]["provinces"]
    html = response.content.decode()
    assert mentions(html, "کرمان") == ("kerman" in seen)
    assert mentions(html, "فارس") == ("fars" in seen)
    if len(seen) == 1:  # a coordinator or office staff land on their one province
        province = getattr(world, next(iter(seen)))
        assert response.redirect_chain[-1][0] == reverse("geo:province_detail", args=[province.pk])


# The home page is the role's dashboard (indicators): its table compares the places one level
# below the user's scope — provinces for the nation, offices for a province, neighbourhoods for an office.
DASHBOARD_ROWS = {
    "admin": {"kerman", "fars"},
    "analyst": {"kerman", "fars"},
    "coordinator": {"office_a", "office_b"},
    "coordinator_fars": {"office_f"},
    "manager_a": {"hood_a"},
    "pr_a": {"hood_a"},
    "manager_b": {"hood_b"},
}
ROW_NAMES = {"kerman": "کرمان", **UNIQUE_NAMES}


@pytest.mark.parametrize("role", ROLES)
def test_home_page_shows_only_places_in_scope(world, login, role):
    response = login(getattr(world, role)).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert_names(html, absent=_hidden_names(role))
    if role in DASHBOARD_ROWS:
        rows = {row["figure"].place_name for row in response.context["places"]["rows"]}
        assert rows == {ROW_NAMES[a] for a in DASHBOARD_ROWS[role]}


INDICATOR_PAGES = [
    "indicators:dashboard",
    "indicators:catalogue",
    "indicators:targets",
    "indicators:manual_list",
]
# Who opens each indicators page (everyone else: 404).
OPENS_INDICATOR_PAGE = {
    "indicators:dashboard": set(ROLES) - {"partner_user"},
    "indicators:catalogue": set(ROLES) - {"partner_user"},
    "indicators:targets": {"admin", "coordinator", "coordinator_fars", "manager_a", "manager_b"},
    "indicators:targets_import": {"admin", "coordinator", "coordinator_fars", "manager_a", "manager_b"},
    "indicators:manual_list": {"admin", "coordinator", "coordinator_fars", "manager_a", "facilitator_a",
                               "manager_b", "facilitator_b"},
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", INDICATOR_PAGES)
def test_indicator_pages_open_for_their_roles_only(world, login, role, name):
    from mahalleh.indicators.models import Plan

    Plan.objects.create(name_fa="برنامه", baseline_year=1402, first_year=1403, last_year=1406)
    response = login(getattr(world, role)).get(reverse(name))
    assert response.status_code == (200 if role in OPENS_INDICATOR_PAGE[name] else 404)
    if response.status_code == 200:
        assert_names(response.content.decode(), absent=_hidden_names(role))


@pytest.mark.parametrize("role", ROLES)
def test_no_reachable_page_names_a_place_outside_the_scope(world, login, role):
    """Sweep: lists, map, home and every detail page the role can open, including maps and breadcrumbs."""
    client = login(getattr(world, role))
    urls = ["/", reverse("geo:province_list"), reverse("geo:office_list"), reverse("geo:neighbourhood_list")]
    urls.append(reverse("geo:map"))
    for kind, attrs in SEES_PLACES[role].items():
        urls += [reverse(DETAIL_URL[kind], args=[getattr(world, a).pk]) for a in attrs]
    hidden = _hidden_names(role)
    opened = 0
    for url in urls:
        response = client.get(url, follow=True)
        if response.status_code == 404:
            continue
        assert response.status_code == 200, url
        opened += 1
        html = response.content.decode()
        leaked = [UNIQUE_NAMES[a] for a in hidden if mentions(html, UNIQUE_NAMES[a])]
        assert not leaked, f"{url} names {leaked}"
    assert opened >= (1 if role == "partner_user" else 5)


def test_facilitator_of_office_a_cannot_see_office_b_neighbourhood(world, login):
    client = login(world.facilitator_a)
    assert client.get(reverse("geo:neighbourhood_detail", args=[world.hood_b.pk])).status_code == 404
    html = client.get(reverse("geo:neighbourhood_list")).content.decode()
    assert mentions(html, "محله الف")
    assert not mentions(html, "محله ب")


def test_coordinator_of_kerman_never_sees_fars(world, login):
    client = login(world.coordinator)
    for url in (
        reverse("geo:province_detail", args=[world.fars.pk]),
        reverse("geo:county_detail", args=[world.county_f.pk]),
        reverse("geo:office_detail", args=[world.office_f.pk]),
        reverse("geo:neighbourhood_detail", args=[world.hood_f.pk]),
    ):
        assert client.get(url).status_code == 404, url
    html = client.get(reverse("geo:province_detail", args=[world.kerman.pk])).content.decode()
    assert mentions(html, "دفتر الف") and mentions(html, "دفتر ب")
    assert not mentions(html, "فارس") and not mentions(html, "شیراز")


def test_out_of_scope_detail_answers_404_not_403(world, login):
    response = login(world.manager_b).get(reverse("geo:office_detail", args=[world.office_a.pk]))
    assert response.status_code == 404
    assert not mentions(response.content.decode(), "دفتر الف")


def test_signed_out_visitor_is_sent_to_the_login_page(world, client):
    for url in (
        "/",
        reverse("geo:neighbourhood_list"),
        reverse("geo:office_detail", args=[world.office_a.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# ---------------------------------------------------------------------------------------------
# Staff pages


@pytest.mark.parametrize("role", ROLES)
def test_staff_list_shows_only_staff_in_scope(world, login, role):
    response = login(getattr(world, role)).get(reverse("accounts:staff_list"))
    seen = SEES_STAFF_PAGES[role]
    if seen is None:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    listed = {u.username for u in response.context["users"]}
    assert listed == {getattr(world, r).username for r in seen}
    html = response.content.decode()
    for other in set(ROLES) - seen:
        assert f">{getattr(world, other).username}<" not in html


@pytest.mark.parametrize("role", ROLES)
def test_staff_detail_pages_answer_200_in_scope_and_404_outside(world, login, role):
    client = login(getattr(world, role))
    seen = SEES_STAFF_PAGES[role] or set()
    expected = {other: 200 if other in seen else 404 for other in ROLES}
    actual = {
        other: client.get(reverse("accounts:staff_detail", args=[getattr(world, other).pk])).status_code
        for other in ROLES
    }
    assert actual == expected


def test_national_analyst_sees_all_places_but_no_staff_pages(world, login):
    client = login(world.analyst)
    html = client.get(reverse("geo:neighbourhood_list")).content.decode()
    assert all(mentions(html, UNIQUE_NAMES[a]) for a in NEIGHBOURHOODS)
    assert client.get(reverse("accounts:staff_list")).status_code == 404
    assert client.get(reverse("accounts:staff_create")).status_code == 404
    assert client.get(reverse("accounts:staff_detail", args=[world.facilitator_a.pk])).status_code == 404
    assert client.get(reverse("accounts:staff_detail", args=[world.analyst.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# API


API_ENDPOINTS = {
    "provinces": "/api/v1/provinces/",
    "counties": "/api/v1/counties/",
    "offices": "/api/v1/offices/",
    "neighbourhoods": "/api/v1/neighbourhoods/",
}


@pytest.mark.parametrize("kind", list(PLACES))
@pytest.mark.parametrize("role", ROLES)
def test_api_lists_contain_only_places_in_scope(world, api, role, kind):
    body = api(getattr(world, role)).get(API_ENDPOINTS[kind]).json()
    assert {item["id"] for item in body["results"]} == {getattr(world, a).pk for a in SEES_PLACES[role][kind]}
    out_of_scope = {getattr(world, a).name_fa for a in set(PLACES[kind]) - SEES_PLACES[role][kind]}
    assert not out_of_scope & {item["name_fa"] for item in body["results"]}


@pytest.mark.parametrize("kind", list(PLACES))
@pytest.mark.parametrize("role", ROLES)
def test_api_details_answer_200_in_scope_and_404_outside(world, api, role, kind):
    client = api(getattr(world, role))
    expected = {attr: 200 if attr in SEES_PLACES[role][kind] else 404 for attr in PLACES[kind]}
    actual = {
        attr: client.get(f"{API_ENDPOINTS[kind]}{getattr(world, attr).pk}/").status_code
        for attr in PLACES[kind]
    }
    assert actual == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_users_list_and_details_follow_the_staff_scope(world, api, role):
    client = api(getattr(world, role))
    seen = SEES_USERS_API[role]
    body = client.get("/api/v1/users/").json()
    assert {u["username"] for u in body["results"]} == {getattr(world, r).username for r in seen}
    expected = {other: 200 if other in seen else 404 for other in ROLES}
    actual = {other: client.get(f"/api/v1/users/{getattr(world, other).pk}/").status_code for other in ROLES}
    assert actual == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_me_is_the_signed_in_user_with_role_and_scope(world, api, role):
    user = getattr(world, role)
    body = api(user).get("/api/v1/me/").json()
    assert body["id"] == user.pk
    assert body["role"] == user.role
    assert (body["province"], body["office"], body["partner"]) == (
        user.province_id,
        user.office_id,
        user.partner_id,
    )


def test_partner_user_sees_no_places_in_the_api(world, api):
    client = api(world.partner_user)
    for endpoint in API_ENDPOINTS.values():
        assert client.get(endpoint).json()["results"] == []
    assert client.get(f"/api/v1/neighbourhoods/{world.hood_a.pk}/").status_code == 404


def test_api_filter_on_an_out_of_scope_office_returns_nothing(world, api):
    body = api(world.facilitator_a).get(f"/api/v1/neighbourhoods/?office={world.office_b.pk}").json()
    assert body["results"] == []


# --------------------------------------------------------------------------- operations endpoints


@pytest.mark.parametrize("role", [None, *ROLES])
def test_operations_endpoints_show_no_data_and_metrics_only_to_allowed_addresses(world, client, role):
    """/healthz and /readyz (for load balancers) are the same for everyone and name no person or
    place; /metrics is a 404 from any other address, whatever the role (even the admin)."""
    from tests.conftest import verified_client

    if role:
        verified_client(client, getattr(world, role))
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert set(ready.json()) == {"status", "database", "disk", "replicas", "cache", "jobs"}
    text = ready.content.decode()
    assert all(getattr(world, place).name_fa not in text for place in ("kerman", "office_a", "hood_a"))
    assert client.get("/metrics", REMOTE_ADDR="198.51.100.7").status_code == 404


# --------------------------------------------------------------------------- evaluation (issue #12)

SURVEY_STAFF = {"admin", "coordinator", "manager_a", "facilitator_a", "manager_b", "facilitator_b"}
EVALUATION_PAGES = {
    # route: roles that get 200 (everyone else 404)
    "index": SURVEY_STAFF | {"analyst", "coordinator_fars"},
    "kerman": {"admin", "analyst", "coordinator"},
    "nation": {"admin", "analyst"},
    "round": SURVEY_STAFF,  # the Kerman round covers neighbourhoods A, B and the comparison one
    "household_a": {"admin", "coordinator", "manager_a", "facilitator_a"},
}


@pytest.fixture
def kerman_round(world):
    from mahalleh.evaluation import services
    from mahalleh.registry.models import Household, Person

    for hood in (world.hood_a, world.hood_b, world.hood_a_comparison):
        household = Household.objects.create(neighbourhood=hood)
        Person.objects.create(
            household=household, first_name="نام", last_name="فامیل", sex="male", relation="head"
        )
    round_ = services.survey_round_create(
        actor=world.coordinator,
        province=world.kerman,
        name="baseline",
        kind="baseline",
        held_on=world.office_a.opened_on,
        neighbourhoods=[world.hood_a, world.hood_b, world.hood_a_comparison],
        households_per_neighbourhood=1,
        seed=1,
    )
    services.survey_sample_draw(actor=world.coordinator, round=round_)
    return round_


@pytest.mark.parametrize("page", list(EVALUATION_PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_evaluation_pages_answer_200_in_scope_and_404_outside(world, kerman_round, login, role, page):
    sample_a = kerman_round.sample.get(neighbourhood=world.hood_a)
    url = {
        "index": reverse("evaluation:index"),
        "kerman": reverse("evaluation:province", args=["KRM"]),
        "nation": reverse("evaluation:nation"),
        "round": reverse("evaluation:round", args=[kerman_round.pk]),
        "household_a": reverse("evaluation:household", args=[kerman_round.pk, sample_a.pk]),
    }[page]
    expected = 200 if role in EVALUATION_PAGES[page] else 404
    assert login(getattr(world, role)).get(url).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_evaluation_api_follows_the_same_scope(world, kerman_round, api, role):
    client = api(getattr(world, role))
    rounds = client.get("/api/v1/survey-rounds/").json()["results"]
    sees_round = role in SURVEY_STAFF | {"analyst"}
    assert [r["id"] for r in rounds] == ([kerman_round.pk] if sees_round else [])
    # In scope: 400 saying there are no answers yet; outside: 404.
    kerman = client.get("/api/v1/evaluation/KRM/")
    assert kerman.status_code == (400 if role in EVALUATION_PAGES["kerman"] else 404)
    sample = client.get(f"/api/v1/survey-rounds/{kerman_round.pk}/sample/")
    if role in SURVEY_STAFF:
        hoods = {s["neighbourhood"] for s in sample.json()["results"]}
        expected = {
            "manager_a": {world.hood_a.pk},
            "facilitator_a": {world.hood_a.pk},
            "manager_b": {world.hood_b.pk},
            "facilitator_b": {world.hood_b.pk},
        }.get(role, {world.hood_a.pk, world.hood_b.pk, world.hood_a_comparison.pk})
        assert hoods == expected
    elif sees_round:
        assert sample.json()["results"] == []  # the analyst sees no households
    else:
        assert sample.status_code == 404


# ---------------------------------------------------------------------------------------------
# Stories (staff pages) and the public portal


# Stories each role sees in the staff pages: None means the pages answer 404 for the role.
SEES_STORIES = {
    "admin": {"story_a", "story_b"},
    "analyst": None,
    "coordinator": {"story_a", "story_b"},
    "coordinator_fars": set(),
    "manager_a": {"story_a"},
    "facilitator_a": {"story_a"},
    "pr_a": {"story_a"},
    "manager_b": {"story_b"},
    "facilitator_b": {"story_b"},
    "partner_user": None,
}


@pytest.fixture
def stories(world, settings, tmp_path):
    from mahalleh.stories import services

    settings.MEDIA_ROOT = tmp_path
    data = {"summary_fa": "خلاصه", "body_fa": "متن"}
    return {
        "story_a": services.story_create(actor=world.facilitator_a, title_fa="روایت الف", **data),
        "story_b": services.story_create(actor=world.facilitator_b, title_fa="روایت ب", **data),
    }


@pytest.mark.parametrize("role", ROLES)
def test_story_pages_follow_the_office_scope(world, login, stories, role):
    client = login(getattr(world, role))
    seen = SEES_STORIES[role]
    listing = client.get(reverse("stories:list"))
    if seen is None:
        assert listing.status_code == 404
    else:
        html = listing.content.decode()
        assert {name for name, s in stories.items() if s.title_fa in html} == seen
    expected = {name: 200 if seen and name in seen else 404 for name in stories}
    actual = {
        name: client.get(reverse("stories:detail", args=[s.pk])).status_code for name, s in stories.items()
    }
    assert actual == expected
    # Only the writers of the story's own office may open its edit form.
    for name, story in stories.items():
        status = client.get(reverse("stories:edit", args=[story.pk])).status_code
        writes = role in {"facilitator_a", "pr_a"} if name == "story_a" else role == "facilitator_b"
        assert status == (200 if writes else 404), (name, status)


def test_public_visitor_gets_404_for_every_unpublished_story(world, client, stories):
    for story in stories.values():
        for lang in ("fa", "en"):
            assert client.get(f"/{lang}/stories/{story.pk}-{story.slug}/").status_code == 404
    assert client.get(reverse("stories:list")).status_code == 302  # the staff list needs a login


# --------------------------------------------------------------------------- reports (issue #12)

# Who opens an office report of office A: the office manager while it is a draft; once approved
# also the province coordinator of Kerman and the national admin. The PR officer and the analyst
# only get suppressed versions, so never this one.
REPORT_DRAFT_READERS = {"manager_a"}
REPORT_APPROVED_READERS = {"manager_a", "coordinator", "admin"}
REPORT_LIST_READERS = {
    "admin",
    "analyst",
    "coordinator",
    "coordinator_fars",
    "manager_a",
    "pr_a",
    "manager_b",
}


@pytest.fixture
def office_a_report(world, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from mahalleh.core.jalali import Period
    from mahalleh.reports import services

    period = Period.containing(timezone.localdate(), "month").previous()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(user=world.manager_a, scope="office", period=period.code)
    report.refresh_from_db()
    return report


@pytest.mark.parametrize("role", ROLES)
def test_report_list_answers_for_report_roles_only(world, login, role):
    expected = 200 if role in REPORT_LIST_READERS else 404
    assert login(getattr(world, role)).get(reverse("reports:list")).status_code == expected


@pytest.mark.parametrize("approved", [False, True])
@pytest.mark.parametrize("role", ROLES)
def test_office_report_pages_and_files_follow_scope(world, office_a_report, login, role, approved):
    from mahalleh.reports import services

    if approved:
        services.report_approve(user=world.manager_a, report=office_a_report)
    readers = REPORT_APPROVED_READERS if approved else REPORT_DRAFT_READERS
    client = login(getattr(world, role))
    pk = office_a_report.pk
    for url in (
        reverse("reports:detail", args=[pk]),
        reverse("reports:status", args=[pk]),
        reverse("reports:file", args=[pk, "pdf"]),
        reverse("reports:file", args=[pk, "xlsx"]),
    ):
        assert client.get(url).status_code == (200 if role in readers else 404), url
    listed = (
        f'href="{reverse("reports:detail", args=[pk])}"'
        in client.get(reverse("reports:list")).content.decode()
    )
    assert listed == (role in readers)
    # Only the office manager of office A approves, and only a draft.
    response = client.post(reverse("reports:approve", args=[pk]))
    assert response.status_code == (302 if role in readers else 404)
    office_a_report.refresh_from_db()
    assert (office_a_report.status == "approved") == (approved or role == "manager_a")


@pytest.mark.parametrize("approved", [False, True])
@pytest.mark.parametrize("role", ROLES)
def test_office_report_api_follows_the_same_scope(world, office_a_report, api, role, approved):
    from mahalleh.reports import services

    if approved:
        services.report_approve(user=world.manager_a, report=office_a_report)
    readers = REPORT_APPROVED_READERS if approved else REPORT_DRAFT_READERS
    client = api(getattr(world, role))
    pk = office_a_report.pk
    for url in (f"/api/v1/reports/{pk}/", f"/api/v1/reports/{pk}/pdf/", f"/api/v1/reports/{pk}/xlsx/"):
        assert client.get(url).status_code == (200 if role in readers else 404), url
    listed = [r["id"] for r in client.get("/api/v1/reports/").json()["results"]]
    assert (pk in listed) == (role in readers)


# --------------------------------------------------------------------------- household page (issue 8.2)

REGISTRY_EDITORS = {"manager_a", "facilitator_a", "manager_b", "facilitator_b"}


@pytest.mark.parametrize("route", ["registry:household_create", "registry:household_member_row"])
@pytest.mark.parametrize("role", ROLES)
def test_household_page_and_its_member_rows_open_for_office_editors_only(world, login, role, route):
    response = login(getattr(world, role)).get(reverse(route))
    assert response.status_code == (200 if role in REGISTRY_EDITORS else 404)
    if response.status_code == 200 and route == "registry:household_create":
        # The neighbourhood choice names only the office's own neighbourhoods.
        other = world.hood_b if role.endswith("_a") else world.hood_a
        assert escape(other.name) not in response.content.decode()
