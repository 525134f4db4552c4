"""Browser journey: a facilitator creates an activity, enrols residents by searching, adds two
sessions and takes attendance with the htmx switches, then adds a walk-in."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.activities.models import Activity, Attendance, Enrolment
from mahalleh.core.jalali import format_jalali
from mahalleh.geo.models import Neighbourhood
from mahalleh.registry import services as registry_services
from mahalleh.registry.models import Person
from tests.e2e.conftest import close_calendar, sign_in, snap

pytestmark = pytest.mark.e2e

NAMES = [("سارا", "female"), ("مریم", "female"), ("نرگس", "female"), ("زینب", "female")]


def residents(facilitator: User) -> list[Person]:
    hood = Neighbourhood.objects.filter(office=facilitator.office).order_by("code").first()
    household = registry_services.household_create(actor=facilitator, neighbourhood=hood, address="کوچه ۳")
    people = []
    for i, (first, sex) in enumerate(NAMES):
        people.append(
            registry_services.person_create(
                actor=facilitator,
                household=household,
                id_type=Person.IdType.NONE,
                first_name=first,
                last_name="کاظمی",
                sex=sex,
                birth_date=datetime.date(2011, 3, 1 + i),
                relation=Person.Relation.HEAD if i == 0 else Person.Relation.SIBLING,
            )
        )
    return people


def test_facilitator_runs_a_class_and_takes_attendance_with_htmx(page):  # noqa: F811
    facilitator = User.objects.get(username="facilitator")
    people = residents(facilitator)
    today = timezone.localdate()
    sign_in(page, "facilitator")

    # The activity, with Jalali dates typed in.
    page.goto("/activities/")
    page.get_by_test_id("add-activity").click()
    page.select_option("#id_kind", "class")
    page.fill("#id_title", "کلاس مهارت‌های زندگی دختران")
    page.check("input[name=age_groups][value=adolescent]")
    page.select_option("#id_sex", "female")
    page.fill("#id_starts_on", format_jalali(today - datetime.timedelta(days=14), persian_digits=False))
    close_calendar(page)
    page.get_by_test_id("save-activity").click()
    expect(page.get_by_test_id("activity-title")).to_contain_text("کلاس مهارت")
    activity = Activity.objects.get(title="کلاس مهارت‌های زندگی دختران")

    # Enrol three residents from the htmx search box.
    page.get_by_test_id("enrol-search").fill("کاظمی")
    expect(page.get_by_test_id("enrol-result")).to_have_count(4)
    for person in people[:3]:
        page.locator(f"#enrol-row-{person.pk} [data-testid=enrol-button]").click()
        expect(page.locator(f"#enrol-row-{person.pk} [data-testid=enrolled-badge]")).to_be_visible()
    expect(page.get_by_test_id("enrolled-row")).to_have_count(3)
    assert Enrolment.objects.filter(activity=activity).count() == 3

    # Two sessions: yesterday's and today's.
    for day in (today - datetime.timedelta(days=1), today):
        page.get_by_test_id("add-session").click()
        # The field comes filled (Persian digits, shown in Latin digits on focus): empty it first.
        page.fill("#id_date", "")
        page.fill("#id_date", format_jalali(day, persian_digits=False))
        close_calendar(page)
        page.fill("#id_start_time", "16:00")
        page.fill("#id_end_time", "17:30")
        page.get_by_test_id("save-session").click()
        expect(page.get_by_test_id("activity-title")).to_be_visible()
    expect(page.get_by_test_id("session-row")).to_have_count(2)

    # Yesterday's attendance, in the order the help text gives: switch off the absent one (htmx
    # saves it at once), then save the sheet as marked; the absence is kept (issue 8.1).
    page.get_by_test_id("attendance-link").first.click()
    expect(page.get_by_test_id("attendance-row")).to_have_count(3)
    absent = people[1]
    page.locator(f"#present-{absent.pk}").click()
    expect(page.locator(f"#mark-{absent.pk}")).to_have_attribute("data-saved", "1")
    page.get_by_test_id("save-top").click()
    expect(page.get_by_test_id("saved-mark")).to_have_count(3)
    expect(page.locator(f"#mark-{absent.pk}")).to_have_attribute("data-present", "0")
    expect(page.get_by_test_id("absent-count")).to_have_text("۱")
    expect(page.get_by_test_id("present-count")).to_have_text("۲")
    session = activity.sessions.order_by("date").first()
    marks = dict(Attendance.objects.filter(session=session).values_list("person_id", "present"))
    assert marks == {people[0].pk: True, people[1].pk: False, people[2].pk: True}

    # A walk-in found by name and added as present.
    page.get_by_test_id("walkin-search").fill("زینب")
    page.get_by_test_id("add-walkin").click()
    expect(page.get_by_test_id("attendance-row")).to_have_count(4)
    assert Attendance.objects.get(session=session, person=people[3]).walk_in
    snap(page, "activities_attendance")

    # The activity page shows the rate: 2 of 3 present at the one session held.
    page.goto(f"/activities/{activity.pk}/")
    expect(page.get_by_test_id("rate-card").get_by_test_id("activity-rate")).to_have_text("۶۷٪")
    snap(page, "activities_detail")
