"""Browser journeys of the reports (issue #12): the office manager generates, reads and approves
last month's office report; the national analyst generates the national report of the last
season and downloads its PDF. (Tests run huey immediately: the job is done when the page after
"Generate" is drawn, so the progress bar itself is covered by the view tests, not here.)"""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from mahalleh.core.jalali import Period
from mahalleh.geo.models import Office
from mahalleh.registry.models import Household, Person
from tests.e2e.conftest import sign_in, snap, submit

pytestmark = pytest.mark.e2e


def fa(text: str) -> str:
    with translation.override("fa"):
        return gettext(text)


def test_office_manager_generates_reads_and_approves_the_monthly_report(page):
    from mahalleh.accounts.models import User

    manager = User.objects.get(username="office_manager")
    hood = Office.objects.get(pk=manager.office_id).neighbourhoods.first()
    month = Period.containing(timezone.localdate(), "month").previous()
    household = Household.objects.create(neighbourhood=hood)
    people = [
        Person.objects.create(
            household=household, first_name="مریم", last_name="کاظمی", sex="female", relation="head"
        )
        for _ in range(6)
    ]
    when = timezone.make_aware(datetime.datetime.combine(month.first_day, datetime.time(9)))
    Person.objects.filter(pk__in=[p.pk for p in people]).update(created_at=when)

    sign_in(page, "office_manager")
    page.get_by_role("link", name=fa("Reports"), exact=True).click()
    page.get_by_label(fa("Period")).fill(month.code)
    submit(page)
    expect(page.get_by_test_id("report-ready")).to_be_visible()
    document = page.get_by_test_id("report-document")
    expect(document).to_contain_text(fa("Office report"))
    expect(document).to_contain_text(month.label("fa"))
    counts = page.get_by_test_id("report-counts")
    expect(counts.get_by_role("row", name=fa("Residents registered"))).to_contain_text("۶")
    page.get_by_label(fa("Narrative by the office manager")).fill("در این ماه شش خانوار تازه ثبت شد.")
    page.get_by_role("button", name=fa("Save the narrative")).click()
    expect(page.get_by_test_id("report-narrative")).to_contain_text("شش خانوار")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("report-sha")).to_be_visible()
    expect(page.get_by_test_id("approve")).to_have_count(0)
    snap(page, "report-approved")


def test_analyst_downloads_the_national_pdf(page, tmp_path):
    season = Period.containing(timezone.localdate(), "season").previous()
    sign_in(page, "national_analyst")
    page.get_by_role("link", name=fa("Reports"), exact=True).click()
    page.get_by_label(fa("Report")).select_option("nation")
    page.get_by_label(fa("Period")).fill(season.code)
    submit(page)
    expect(page.get_by_test_id("report-ready")).to_be_visible()
    expect(page.get_by_test_id("report-document")).to_contain_text(fa("National report"))
    with page.expect_download() as download:
        page.get_by_test_id("download-pdf").click()
    path = tmp_path / "national.pdf"
    download.value.save_as(path)
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    assert fa("National report") in text
    snap(page, "report-national")
