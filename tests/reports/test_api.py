"""The reports API. Every answer is checked against the OpenAPI schema by the `api` client
(tests/api/conftest.py): JSON bodies against their schema, the downloads against their documented
binary media types."""

import hashlib
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from mahalleh.core.jalali import Period
from mahalleh.reports import services
from mahalleh.reports.models import Report

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def post(api, django_capture_on_commit_callbacks):
    """post(user, body, language) -> the answer to POST /api/v1/reports/, its job run."""

    def _post(user, body, language="fa"):
        with django_capture_on_commit_callbacks(execute=True):
            return api(user).post("/api/v1/reports/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)

    return _post


def test_schema_documents_the_report_endpoints_and_binary_downloads(openapi):
    paths = openapi.raw["paths"]
    assert set(paths["/api/v1/reports/"]) == {"get", "post"}
    assert set(paths["/api/v1/reports/{id}/"]) == {"get"}
    for kind, media_type in (("pdf", PDF), ("xlsx", XLSX)):
        answers = paths[f"/api/v1/reports/{{id}}/{kind}/"]["get"]["responses"]
        assert answers["200"]["content"] == {media_type: {"schema": {"type": "string", "format": "binary"}}}
        assert list(answers["404"]["content"]) == ["application/json"]
    create = paths["/api/v1/reports/"]["post"]
    assert list(create["requestBody"]["content"]) == ["application/json"]
    assert "415" in create["responses"] and "403" in create["responses"]


def test_manager_requests_a_report_then_downloads_its_pdf_and_xlsx(world, residents, last_month, post, api):
    answer = post(world.manager_a, {"scope": "office", "period": last_month.code}, language="en")
    assert answer.status_code == 201, answer.json()
    created = answer.json()
    assert (created["scope"], created["office"], created["period"]) == (
        "office",
        world.office_a.pk,
        last_month.code,
    )
    assert created["language"] == "en"  # the request's language by default
    assert created["status"] == "queued" and created["pdf_url"] is None
    client = api(world.manager_a)
    report = client.get(f"/api/v1/reports/{created['id']}/").json()
    assert report["status"] == "ready" and report["has_data"] and report["progress"] == 100
    assert report["pdf_url"] == f"/api/v1/reports/{created['id']}/pdf/"

    pdf = client.get(report["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == PDF
    assert f'filename="report-{last_month.code}-v1.pdf"' in pdf["Content-Disposition"]
    content = _body(pdf)
    assert content.startswith(b"%PDF")
    assert Report.objects.get(pk=created["id"]).sha256 == hashlib.sha256(content).hexdigest()

    xlsx = client.get(report["xlsx_url"])
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == XLSX
    assert f'filename="report-{last_month.code}-v1.xlsx"' in xlsx["Content-Disposition"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(_body(xlsx)))
    assert len(book.sheetnames) > 1

    # A client that asks for the file's own type gets it, not a 406.
    assert client.get(report["pdf_url"], HTTP_ACCEPT=PDF).status_code == 200


def test_a_download_before_the_job_has_run_is_a_404(world, api, last_month):
    client = api(world.manager_a)
    answer = client.post("/api/v1/reports/", {"scope": "office", "period": last_month.code}, format="json")
    assert answer.status_code == 201  # the job runs after the commit, which this test never makes
    assert answer.json()["status"] == "queued"
    for kind in ("pdf", "xlsx"):
        missing = client.get(f"/api/v1/reports/{answer.json()['id']}/{kind}/")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_an_office_manager_never_sees_another_offices_reports(
    world, residents, last_month, post, api, generate
):
    own = generate(user=world.manager_a, scope="office", period=last_month.code)
    other = generate(user=world.manager_b, scope="office", period=last_month.code)
    client = api(world.manager_a)
    listed = [r["id"] for r in client.get("/api/v1/reports/").json()["results"]]
    assert listed == [own.pk]
    for path in (
        f"/api/v1/reports/{other.pk}/",
        f"/api/v1/reports/{other.pk}/pdf/",
        f"/api/v1/reports/{other.pk}/xlsx/",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path  # never 403: another office's report does not exist here
        assert answer.json()["code"] == "not_found"
    assert client.get(f"/api/v1/reports/?office={world.office_b.pk}").json()["results"] == []
    # The coordinator reads an office report once it is approved; other roles never.
    coordinator = api(world.coordinator)
    assert coordinator.get(f"/api/v1/reports/{own.pk}/").status_code == 404
    services.report_approve(user=world.manager_a, report=own)
    assert coordinator.get(f"/api/v1/reports/{own.pk}/").status_code == 200
    assert api(world.coordinator_fars).get(f"/api/v1/reports/{own.pk}/").status_code == 404
    for role in ("facilitator_a", "partner_user"):
        client = api(getattr(world, role))
        assert client.get("/api/v1/reports/").json()["results"] == []
        assert client.get(f"/api/v1/reports/{own.pk}/pdf/").status_code == 404


def test_list_filters_by_scope_period_and_status(world, residents, last_month, generate, api):
    season = Period.containing(timezone.localdate(), "season").previous()
    office = generate(user=world.admin, scope="nation", period=season.code)
    province = generate(user=world.admin, scope="province", period=season.code, province=world.kerman)
    client = api(world.admin)

    def ids(query):
        answer = client.get("/api/v1/reports/" + query)
        assert answer.status_code == 200, answer.json()
        return {r["id"] for r in answer.json()["results"]}

    assert ids("") == {office.pk, province.pk}
    assert ids("?scope=province") == {province.pk}
    assert ids(f"?period={season.code}&status=ready") == {office.pk, province.pk}
    assert ids("?status=approved") == set()
    assert ids(f"?province={world.kerman.pk}") == {province.pk}
    assert ids("?period=" + season.code.replace("S", "s")) == {office.pk, province.pk}  # as the code reads
    pages = client.get("/api/v1/reports/?page_size=1")
    assert len(pages.json()["results"]) == 1 and pages.json()["next"]
    bad = client.get("/api/v1/reports/?period=1403-13", HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and bad.json()["period"][0].startswith("Not a period")


@pytest.mark.parametrize("language", ["fa", "en"])
def test_a_bad_period_gets_the_pages_message_in_the_callers_language(world, post, login, language):
    answer = post(world.manager_a, {"scope": "office", "period": "۱۴۰۳-۱۳"}, language=language)
    assert answer.status_code == 400
    with translation.override(language):
        expected = gettext("Not a period: write 1403-05 (a month), 1403-S2 (a season) or 1403 (a year).")
    assert answer.json() == {"period": [expected]}
    assert ("دوره درست نیست" in expected) == (language == "fa")
    # The page's form says the same (the page's language is the one chosen with the switch).
    client = login(world.manager_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.post(
        reverse("reports:list"), {"scope": "office", "period": "۱۴۰۳-۱۳", "language": language}
    )
    assert escape(expected) in page.content.decode()
    assert not Report.objects.exists()


def test_the_same_rules_as_the_form(world, post, last_month):
    current = Period.containing(timezone.localdate(), "month")
    answer = post(world.manager_a, {"scope": "office", "period": current.code})
    assert answer.status_code == 400 and "هنوز تمام نشده" in answer.json()["period"][0]
    year = post(world.manager_a, {"scope": "office", "period": str(last_month.year - 1)}, language="en")
    assert year.json() == {"period": ["An office report covers a month or a season."]}
    month = post(world.admin, {"scope": "nation", "period": last_month.code}, language="en")
    assert month.json() == {"period": ["Province and national reports cover a season or a year."]}
    # A scope the role may not generate is not among its choices, as in the form.
    nation = post(world.manager_a, {"scope": "nation", "period": last_month.code}, language="en")
    assert nation.status_code == 400 and list(nation.json()) == ["scope"]
    unknown = post(
        world.manager_a, {"scope": "office", "period": last_month.code, "periodd": "x"}, language="en"
    )
    assert unknown.status_code == 400 and "periodd" in unknown.json()
    assert not Report.objects.exists()


def test_roles_that_may_not_generate_get_a_403_and_form_bodies_a_415(world, api, last_month):
    body = {"scope": "office", "period": last_month.code}
    for role in ("facilitator_a", "pr_a", "partner_user"):
        answer = api(getattr(world, role)).post("/api/v1/reports/", body, format="json")
        assert answer.status_code == 403, role
        assert answer.json()["code"] == "permission_denied"
    form = api(world.manager_a).post("/api/v1/reports/", body, format="multipart")
    assert form.status_code == 415
    assert not Report.objects.exists()


def test_province_reports_name_a_province_in_scope(world, post):
    season = Period.containing(timezone.localdate(), "season").previous()
    body = {"scope": "province", "period": season.code}
    missing = post(world.admin, body, language="en")
    assert missing.json() == {"province": ["Choose the province."]}
    made = post(world.admin, {**body, "province": world.fars.pk}, language="en")
    assert made.status_code == 201 and made.json()["province"] == world.fars.pk
    # The coordinator's is their own province; another province is refused, not silently swapped.
    other = post(world.coordinator, {**body, "province": world.fars.pk}, language="en")
    assert other.json() == {"province": ["Choose the province."]}
    own = post(world.coordinator, body, language="en")
    assert own.status_code == 201 and own.json()["province"] == world.kerman.pk
    office = post(world.manager_a, {"scope": "office", "period": season.code, "province": world.kerman.pk})
    assert office.status_code == 400 and list(office.json()) == ["province"]
    assert Report.objects.count() == 2


def test_the_api_lists_what_the_report_pages_list(world, residents, last_month, generate, api, login):
    report = generate(user=world.manager_a, scope="office", period=last_month.code)
    page = login(world.manager_a).get(reverse("reports:list")).content.decode()
    assert reverse("reports:detail", args=[report.pk]) in page
    assert [r["id"] for r in api(world.manager_a).get("/api/v1/reports/").json()["results"]] == [report.pk]
