"""The dashboards, their downloads and the indicator pages, per role."""

import csv
import io

import pytest
from django.urls import reverse

from mahalleh.indicators.models import ManualValue
from mahalleh.indicators.refresh import refresh
from tests.indicators.conftest import TODAY


@pytest.fixture
def refreshed(hood, monkeypatch):
    from mahalleh.indicators import dashboards

    monkeypatch.setattr(dashboards, "today_tehran", lambda: TODAY)
    refresh(full=True, today=TODAY)
    return hood


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize(
    "who", ["admin", "analyst", "coordinator", "manager_a", "facilitator_a", "pr_a", "manager_b"]
)
def test_every_role_gets_a_dashboard_on_the_home_page(refreshed, login, who):
    html = page(login(getattr(refreshed.world, who)), "/")
    assert 'data-testid="refreshed"' in html


def test_the_partner_user_keeps_their_own_home(refreshed, login):
    html = page(login(refreshed.world.partner_user), "/")
    assert 'data-testid="cards"' not in html
    assert login(refreshed.world.partner_user).get(reverse("indicators:dashboard")).status_code == 404


def _places_csv(client, query):
    response = client.get(reverse("indicators:download", args=["places", "csv"]) + "?" + query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_office_manager_sees_only_their_offices_neighbourhoods(refreshed, login):
    client = login(refreshed.world.manager_a)
    html = page(client, "/?period=1403&indicator=school_enrolment")
    assert "Hood A" in html or "محله الف" in html
    assert "محله ب" not in html and "محله شیراز" not in html
    rows = _places_csv(client, "period=1403&indicator=school_enrolment")
    names = [r[0] for r in rows[1:]]
    assert names[:-1] == ["محله الف"]  # then the total


def test_the_manager_sees_exact_small_figures(refreshed, login):
    rows = _places_csv(login(refreshed.world.manager_a), "period=1403&indicator=school_enrolment")
    # 2 of 3 enrolled: exact for staff with personal-data access.
    assert rows[1][1] == "66.67"
    assert rows[1][2:4] == ["2.0", "3.0"]


def test_the_analyst_never_sees_a_count_under_5(refreshed, login):
    client = login(refreshed.world.analyst)
    rows = _places_csv(client, "period=1403&indicator=school_enrolment")
    assert rows[0][0] == "استان" or rows[0][0] == "Place" or rows[0][0]
    values = {r[0]: r[1:4] for r in rows[1:]}
    assert values["کرمان"] == ["کمتر از ۵", "", ""]
    assert values["فارس"][0] in ("", "کمتر از ۵")
    html = page(client, "/?period=1403")
    assert "66.7" not in html and "۶۶٫۷" not in html
    assert "کمتر از ۵" in html


def test_the_pr_officer_sees_suppressed_office_aggregates(refreshed, login):
    html = page(login(refreshed.world.pr_a), "/?period=1403&indicator=group_members")
    assert "کمتر از ۵" in html
    assert 'data-testid="staff-table"' not in html


def test_the_coordinator_gets_ranking_and_map_of_their_province_only(refreshed, login):
    html = page(login(refreshed.world.coordinator), "/?period=1403&indicator=school_enrolment")
    assert 'data-testid="ranking"' in html and 'data-testid="hood-ranking"' in html
    assert 'id="choropleth-data"' in html
    assert "محله شیراز" not in html  # Fars
    assert "محله شاهد الف" in html  # the comparison neighbourhood is on the map


def test_the_facilitator_sees_their_own_work(refreshed, login):
    html = page(login(refreshed.world.facilitator_a), "/")
    assert 'data-testid="open-cases"' in html
    assert 'data-testid="facilitator-indicators"' in html


def test_changing_the_period_changes_the_figures(refreshed, login):
    client = login(refreshed.world.manager_a)
    aban = _places_csv(client, "period=1403-08&indicator=referrals_on_time")
    azar = _places_csv(client, "period=1403-09&indicator=referrals_on_time")
    assert aban[1][1] == "50.0" and azar[1][1] == ""


def test_the_indicator_table_downloads_as_xlsx(refreshed, login):
    response = login(refreshed.world.manager_a).get(
        reverse("indicators:download", args=["indicators", "xlsx"])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_every_figure_links_to_its_definition(refreshed, login):
    client = login(refreshed.world.manager_a)
    html = page(client, "/")
    assert reverse("indicators:detail", args=["school_enrolment"]) in html
    detail = page(client, reverse("indicators:detail", args=["school_enrolment"]))
    assert "۶ تا ۱۸" in detail


def test_manual_value_entered_then_approved_counts_after_refresh(refreshed, login):
    w = refreshed.world
    client = login(w.facilitator_a)
    response = client.post(
        reverse("indicators:manual_create"),
        {"indicator": _manual("official_dropout_rate").pk, "neighbourhood": w.hood_a.pk, "period": "1403",
         "value": "140", "source_note": "آموزش و پرورش"},
    )  # fmt: skip
    assert response.status_code == 200
    # A percentage of 140 is refused at the field, in Persian, and nothing is saved.
    assert "مقداری از ۰ تا ۱۰۰ وارد کنید" in response.content.decode()
    assert not ManualValue.objects.exists()
    response = client.post(
        reverse("indicators:manual_create"),
        {"indicator": _manual("official_dropout_rate").pk, "neighbourhood": w.hood_a.pk, "period": "1403",
         "value": "12.5", "source_note": "آموزش و پرورش"},
    )  # fmt: skip
    assert response.status_code == 302
    value = ManualValue.objects.get()
    assert (
        login(w.facilitator_a)
        .post(reverse("indicators:manual_decide", args=[value.pk]), {"decision": "approve"})
        .status_code
        == 404
    )
    login(w.manager_b).post(reverse("indicators:manual_decide", args=[value.pk]), {"decision": "approve"})
    value.refresh_from_db()
    assert value.status == "pending"
    login(w.manager_a).post(reverse("indicators:manual_decide", args=[value.pk]), {"decision": "approve"})
    value.refresh_from_db()
    assert value.status == "approved"
    refresh(today=TODAY)
    rows = _places_csv(login(w.manager_a), "period=1403&indicator=official_dropout_rate")
    assert rows[1][1] == "12.5"


def _manual(code):
    from mahalleh.indicators.models import Indicator

    return Indicator.objects.get(code=code)


def test_a_target_file_is_checked_then_committed_in_one_go(refreshed, login):
    from mahalleh.indicators.models import Target

    client = login(refreshed.world.manager_a)
    content = (
        b"indicator,level,place,year,value\n"
        b"school_enrolment,office,OA,1404,85\n"
        b"no_such_code,office,OA,1404,85\n"
        b"school_enrolment,office,OA,1420,85\n"
        b"school_enrolment,neighbourhood,NA,1404,140\n"
        b"school_enrolment,office,OB,1404,85\n"
    )
    upload = io.BytesIO(content)
    upload.name = "targets.csv"
    html = client.post(reverse("indicators:targets_import"), {"file": upload}).content.decode()
    assert 'data-testid="import-errors"' in html
    assert Target.objects.count() == 0  # a dry run writes nothing
    stored = client.session["indicators_targets_import"]
    assert len(stored["valid"]) == 1
    assert [(e["row"], e["column"]) for e in stored["errors"]] == [
        (3, "indicator"), (4, "year"), (5, "value"), (6, "place"),
    ]  # fmt: skip
    report = client.get(reverse("indicators:targets_import") + "?report=1")
    assert report.status_code == 200
    response = client.post(reverse("indicators:targets_import"), {"action": "commit"})
    assert response.status_code == 302
    target = Target.objects.get()
    assert (target.level, target.office, target.year, target.value) == (
        "office",
        refreshed.world.office_a,
        1404,
        85,
    )
