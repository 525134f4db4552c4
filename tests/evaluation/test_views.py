import io
import re

import pytest
import xlsxwriter
from django.urls import reverse
from django.utils import translation

from mahalleh.evaluation import estimator
from mahalleh.evaluation.models import SurveyResponse, SurveyRound
from mahalleh.registry.models import Person
from tests.evaluation.conftest import make_round

needs_stats = pytest.mark.skipif(not estimator.available(), reason="the evaluation extra is not installed")


@needs_stats
def test_analyst_opens_the_province_page_with_one_row_per_indicator(evaluated, login):
    client = login(evaluated.analyst)
    page = client.get(reverse("evaluation:province", args=["KRM"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="indicator-row"') >= 6
    assert "Webb" in html or "وب" in html
    assert 'data-testid="few-clusters"' in html  # three neighbourhoods < 10


@needs_stats
def test_coordinator_sees_the_sentence_and_the_two_by_two_table(evaluated, login):
    client = login(evaluated.coordinator)
    client.cookies["mahalleh_language"] = "en"
    with translation.override("en"):
        html = client.get(reverse("evaluation:province", args=["KRM"])).content.decode()
    html = html.replace("\u2066", "").replace("\u2069", "")
    assert "rose 50.0 points more in target neighbourhoods than in comparison ones" in html
    assert 'data-testid="two-by-two"' in html and 'data-testid="event-table"' in html


def test_evaluation_page_without_baseline_shows_the_reason(ev, login):
    follow = make_round(ev, kind=SurveyRound.Kind.FOLLOW_UP)
    sample = follow.sample.first()
    from mahalleh.evaluation import services

    services.survey_household_save(
        actor=ev.coordinator,
        sample=sample,
        answers={p.pk: {"insured": True} for p in sample.household.members.all()},
    )
    page = login(ev.coordinator).get(reverse("evaluation:province", args=["KRM"]))
    assert page.status_code == 200
    assert 'data-testid="evaluation-error"' in page.content.decode()


def test_missing_library_is_explained_not_a_crash(ev, login, monkeypatch):
    monkeypatch.setattr(estimator, "available", lambda: False)
    page = login(ev.admin).get(reverse("evaluation:nation"))
    assert page.status_code == 200
    assert "mahalleh[evaluation]" in page.content.decode()


@pytest.mark.parametrize("who", ["coordinator_fars", "facilitator_a", "pr_a", "partner_user"])
def test_kerman_page_is_404_outside_scope(ev, login, who):
    assert login(getattr(ev, who)).get(reverse("evaluation:province", args=["KRM"])).status_code == 404


def test_coordinator_has_no_national_page(ev, login):
    assert login(ev.coordinator).get(reverse("evaluation:nation")).status_code == 404


def test_round_form_refuses_a_round_without_comparison_neighbourhood(ev, login):
    client = login(ev.coordinator)
    client.cookies["mahalleh_language"] = "en"
    page = client.post(
        reverse("evaluation:round_create"),
        {
            "province": ev.kerman.pk,
            "name": "Baseline 1403",
            "kind": "baseline",
            "held_on": "1403/01/20",
            "neighbourhoods": [ev.hood_a.pk, ev.hood_b.pk],
            "households_per_neighbourhood": 5,
        },
    )
    assert page.status_code == 200
    assert "at least one comparison neighbourhood" in page.content.decode()
    assert not SurveyRound.objects.exists()


def test_household_screen_saves_every_member_at_once(ev, login):
    round_ = make_round(ev)
    sample = round_.sample.filter(neighbourhood=ev.hood_a).first()
    members = list(sample.household.members.order_by("pk"))
    client = login(ev.facilitator_a)
    url = reverse("evaluation:household", args=[round_.pk, sample.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count('data-testid="member"') == 3
    data = {}
    for p in members:
        data.update({f"p{p.pk}-age": "", f"p{p.pk}-insured": "yes", f"p{p.pk}-employment": ""})
    child = members[2]
    data[f"p{child.pk}-in_school"] = "yes"
    data[f"p{child.pk}-harms"] = ["child_labour"]
    response = client.post(url, data)
    assert response.status_code == 302
    saved = SurveyResponse.objects.get(person=child)
    assert saved.in_school is True and saved.harms == ["child_labour"] and saved.age == 10
    assert SurveyResponse.objects.filter(round=round_).count() == 3


def test_household_screen_errors_are_named_by_their_fields(ev, login):
    """An impossible age is refused at the field, and the field's aria-describedby names the
    element that says why (issue #16: a screen reader reads the error with the field)."""
    round_ = make_round(ev)
    sample = round_.sample.filter(neighbourhood=ev.hood_a).first()
    person = sample.household.members.order_by("pk").first()
    client = login(ev.facilitator_a)
    url = reverse("evaluation:household", args=[round_.pk, sample.pk])
    page = client.post(url, {f"p{person.pk}-age": "200", f"p{person.pk}-harms": ["no-such-harm"]})
    assert page.status_code == 200
    html = page.content.decode()
    for field in ("age", "harms"):
        error_id = f"id_p{person.pk}-{field}_error"
        assert f'id="{error_id}"' in html, field
    assert f'aria-describedby="id_p{person.pk}-age_error"' in html
    # The harm boxes are a group: the fieldset names the error, as Django's own template does.
    assert re.search(rf'<fieldset[^>]*aria-describedby="id_p{person.pk}-harms_error"', html)
    assert not SurveyResponse.objects.filter(round=round_).exists()


def test_household_screen_of_another_office_is_404(ev, login):
    round_ = make_round(ev)
    sample = round_.sample.filter(neighbourhood=ev.hood_b).first()
    url = reverse("evaluation:household", args=[round_.pk, sample.pk])
    assert login(ev.facilitator_a).get(url).status_code == 404


def _sheet(rows):
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["شناسه فرد", "سن", "به مدرسه می‌رود", "وضعیت اشتغال", "بیمه درمانی", "آسیب‌ها"])
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    book.close()
    buf.seek(0)
    buf.name = "survey.xlsx"
    return buf


def test_survey_sheet_dry_run_lists_bad_rows_then_commit_saves_only_valid_ones(ev, login):
    round_ = make_round(ev, per=2)
    sampled = set(round_.sample.values_list("household_id", flat=True))
    inside = Person.objects.filter(household_id__in=sampled).order_by("pk")
    outsider = Person.objects.exclude(household_id__in=sampled).first()
    client = login(ev.coordinator)
    client.cookies["mahalleh_language"] = "en"
    url = reverse("evaluation:import", args=[round_.pk])
    rows = [
        [str(inside[0].pk), "40", "", "شاغل", "بله", ""],
        [str(inside[1].pk), "37", "", "خانه‌دار", "خیر", ""],
        [str(outsider.pk), "30", "", "", "بله", ""],  # not in the sample
        [str(inside[2].pk), "10", "شاید", "", "", "child_labour"],  # bad yes/no
    ]
    page = client.post(url, {"file": _sheet(rows)})
    html = page.content.decode()
    assert "not in the round&#x27;s sample" in html or "not in the round's sample" in html
    assert "Answer yes or no" in html
    assert not SurveyResponse.objects.exists()  # the dry run saves nothing
    report = client.get(reverse("evaluation:import_report", args=[round_.pk]))
    assert report.status_code == 200 and report["Content-Type"].startswith("application/")
    done = client.post(url, {"commit": "1"})
    assert done.status_code == 302
    assert set(SurveyResponse.objects.values_list("person_id", flat=True)) == {inside[0].pk, inside[1].pk}
    assert SurveyResponse.objects.get(person=inside[0]).employment == "employed"
    # The same sheet again: the same two answers, no duplicates.
    client.post(url, {"file": _sheet(rows)})
    client.post(url, {"commit": "1"})
    assert SurveyResponse.objects.count() == 2


def test_survey_sheet_that_is_not_a_spreadsheet_is_refused_at_the_field(ev, login):
    round_ = make_round(ev)
    client = login(ev.coordinator)
    upload = io.BytesIO(b"%PDF-1.4 not a sheet")
    upload.name = "answers.xlsx"
    page = client.post(reverse("evaluation:import", args=[round_.pk]), {"file": upload})
    assert 'data-field-error="file"' in page.content.decode()


def test_survey_sheet_download_lists_sampled_members(ev, login):
    round_ = make_round(ev, per=2)
    response = login(ev.coordinator).get(reverse("evaluation:sheet", args=[round_.pk]))
    assert response.status_code == 200
    from python_calamine import CalamineWorkbook

    data = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    ids = {int(r[0]) for r in rows[1:]}
    assert ids == set(
        Person.objects.filter(household__survey_samples__round=round_).values_list("pk", flat=True)
    )


def test_round_form_creates_the_round_then_the_sample_is_drawn(ev, login):
    client = login(ev.coordinator)
    response = client.post(
        reverse("evaluation:round_create"),
        {
            "province": ev.kerman.pk,
            "name": "خط پایه ۱۴۰۳",
            "kind": "baseline",
            "held_on": "۱۴۰۳/۰۱/۲۰",
            "neighbourhoods": [ev.hood_a.pk, ev.hood_b.pk, ev.hood_a_comparison.pk],
            "households_per_neighbourhood": 2,
            "seed": 42,
        },
    )
    round_ = SurveyRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:round", args=[round_.pk])
    assert round_.held_on.isoformat() == "2024-04-08" and round_.seed == 42
    client.post(reverse("evaluation:round_draw", args=[round_.pk]))
    page = client.get(reverse("evaluation:round", args=[round_.pk]))
    assert page.content.decode().count("evaluation/rounds/") >= 6  # six sampled households listed
    assert round_.sample.count() == 6
