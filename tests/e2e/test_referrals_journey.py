"""Browser journey of a closed-loop referral (issue 4, item 7), in Chromium against the live server.

A facilitator refers a resident from her page to a charity's job-training service; the charity's
user logs in, sees the referral in the inbox with the minimum personal data (the name, never the
national code or the address), accepts it and records the outcome; the facilitator finds the
outcome on the resident's timeline. Referrals past their due date show in the office's overdue
list and, for the charity's own, in the charity's overdue list.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.core.jalali import format_jalali
from mahalleh.core.national_code import make_national_code
from mahalleh.core.persian import localized_digits
from mahalleh.referrals import services as referral_services
from mahalleh.referrals.models import Partner, Referral, ReferralEvent, Service
from mahalleh.registry import services as registry_services
from mahalleh.registry.models import Person
from tests.e2e.conftest import sign_in, snap, submit

pytestmark = pytest.mark.e2e

LATIN_DIGIT = re.compile(r"[0-9]")

# The resident of the journey, and two more whose referrals are overdue.
MOTHER = {
    "first_name": "فاطمه",
    "last_name": "مرادی",
    "father_name": "غلامعلی",
    "code": make_national_code("298300001"),
    "mobile": "09131234567",
    "birth": datetime.date(1988, 5, 4),
    "address": "خیابان شهید باهنر، کوچه نسترن، پلاک ۱۹",
}
LATE_CHARITY = ("سمیه", "اکبری", make_national_code("298300002"))
LATE_WELFARE = ("حسن", "نیک‌نام", make_national_code("298300003"))


def fa(text: str) -> str:
    """The Persian translation of an English msgid, from the compiled catalogue."""
    with translation.override("fa"):
        return gettext(text)


def fa_digits(value) -> str:
    return str(localized_digits(value))


def make_resident(facilitator: User, hood, *, first, last, code, address, **fields) -> Person:
    """A household with one resident who consented to be referred, through the registry services."""
    household = registry_services.household_create(actor=facilitator, neighbourhood=hood, address=address)
    person = registry_services.person_create(
        actor=facilitator,
        household=household,
        id_type=Person.IdType.NATIONAL_CODE,
        national_code=code,
        first_name=first,
        last_name=last,
        sex="female",
        relation=Person.Relation.HEAD,
        **fields,
    )
    registry_services.consent_record(
        actor=facilitator,
        person=person,
        purpose="referral",
        given=True,
        on=timezone.localdate(),
        given_by=person.full_name,
    )
    return person


def overdue_referral(facilitator: User, person: Person, service: Service, days_late: int) -> Referral:
    """A referral sent through the service, then moved back in time: sent `answer_days +
    days_late` days ago, so it is `days_late` days past its due date and still unanswered."""
    referral = referral_services.referral_create(
        actor=facilitator, person=person, service=service, reason="پیگیری وضعیت اشتغال"
    )
    sent = timezone.now() - datetime.timedelta(days=service.answer_days + days_late)
    Referral.objects.filter(pk=referral.pk).update(
        created_at=sent, due_on=timezone.localdate() - datetime.timedelta(days=days_late)
    )
    ReferralEvent.objects.filter(referral=referral).update(at=sent)
    return referral


def test_referral_goes_round_the_loop_and_overdue_ones_are_listed(page, browsing):
    facilitator = User.objects.get(username="facilitator")
    partner_user = User.objects.get(username="partner_user")
    charity = partner_user.partner
    welfare = Partner.objects.exclude(pk=charity.pk).get(
        kind=Partner.Kind.GOVERNMENT, name__contains="بهزیستی"
    )
    training = Service.objects.create(partner=charity, name="آموزش خیاطی و اشتغال خانگی", answer_days=10)
    counselling = Service.objects.create(partner=welfare, name="مشاوره خانواده", answer_days=5)
    hood = facilitator.office.neighbourhoods.order_by("code").first()
    today = timezone.localdate()

    mother = make_resident(
        facilitator,
        hood,
        first=MOTHER["first_name"],
        last=MOTHER["last_name"],
        code=MOTHER["code"],
        address=MOTHER["address"],
        father_name=MOTHER["father_name"],
        mobile=MOTHER["mobile"],
        birth_date=MOTHER["birth"],
    )
    late_people = [
        make_resident(facilitator, hood, first=first, last=last, code=code, address="کوچه ۵")
        for first, last, code in (LATE_CHARITY, LATE_WELFARE)
    ]
    late_charity = overdue_referral(facilitator, late_people[0], training, days_late=4)
    late_welfare = overdue_referral(facilitator, late_people[1], counselling, days_late=2)

    # 1. The facilitator refers the mother from her page.
    sign_in(page, "facilitator")
    page.goto(f"/registry/people/{mother.pk}/")
    expect(page.get_by_test_id("person-title")).to_contain_text(mother.full_name)
    page.get_by_test_id("refer-person").click()
    page.wait_for_url(f"/referrals/people/{mother.pk}/new/")
    expect(page.get_by_test_id("no-consent")).to_have_count(0)
    page.select_option("#id_service", str(training.pk))
    # The due date follows the service's usual days to answer.
    due = today + datetime.timedelta(days=training.answer_days)
    expect(page.locator("#id_due_on")).to_have_value(format_jalali(due))
    page.fill("#id_reason", "سرپرست خانوار است و برای کار در خانه به آموزش خیاطی نیاز دارد.")
    page.select_option("#id_urgency", "high")
    page.keyboard.press("Escape")
    submit(page)
    page.wait_for_url(re.compile(r"/referrals/\d+/$"))
    expect(page.locator(".alert-success")).to_have_text(
        fa("The referral was sent to the partner organisation.")
    )
    referral = Referral.objects.get(person=mother)
    assert (referral.service_id, referral.status, referral.urgency, referral.due_on) == (
        training.pk,
        Referral.Status.SENT,
        Referral.Urgency.HIGH,
        due,
    )
    title = page.get_by_test_id("referral-title")
    expect(title.locator("[data-status=sent]")).to_have_text(fa("sent"))
    expect(page.get_by_test_id("due-on")).to_have_text(format_jalali(due))
    snap(page, "referrals_sent")

    # 2. The office's overdue list: the two late referrals, not the one just sent.
    page.goto("/referrals/")
    expect(page.get_by_test_id("referrals-title")).to_have_text(fa("Referrals"))
    expect(page.get_by_test_id("overdue-count")).to_have_text(fa_digits(2))
    page.get_by_test_id("overdue-tab").click()
    page.wait_for_url(re.compile(r"overdue=1"))
    expect(page.get_by_test_id("referrals-title")).to_have_text(fa("Overdue referrals"))
    rows = page.get_by_test_id("referral-table").get_by_test_id("referral-row")
    expect(rows).to_have_count(2)
    for late in (late_charity, late_welfare):
        row = rows.filter(has_text=late.person.full_name)
        expect(row.get_by_test_id("overdue-badge")).to_have_text(fa("overdue"))
        expect(row).to_contain_text(format_jalali(Referral.objects.get(pk=late.pk).due_on))
    expect(rows.filter(has_text=mother.full_name)).to_have_count(0)
    snap(page, "referrals_office_overdue")

    # 3. The charity's user: the inbox has the name, age group and mobile, nothing more.
    partner_page = browsing.new_page()
    sign_in(partner_page, "partner_user")
    partner_page.goto("/referrals/")
    partner_page.wait_for_url("/referrals/inbox/")
    expect(partner_page.get_by_test_id("inbox-title")).to_have_text(fa("Referrals to your organisation"))
    inbox_rows = partner_page.get_by_test_id("inbox-table").get_by_test_id("referral-row")
    expect(inbox_rows).to_have_count(2)  # the mother's and the late one to the charity, not welfare's
    row = inbox_rows.filter(has_text=mother.full_name)
    expect(row).to_have_count(1)
    with translation.override("fa"):
        adult = pgettext("age group", "adult")
    expect(row).to_contain_text(adult)
    expect(row).to_contain_text(fa_digits(MOTHER["mobile"]))
    expect(row).to_contain_text(training.name)
    expect(inbox_rows.filter(has_text=late_people[1].full_name)).to_have_count(0)
    table_text = partner_page.get_by_test_id("inbox-table").inner_text()
    assert not LATIN_DIGIT.search(table_text), table_text
    assert_no_private_data(partner_page.locator("#main").inner_text())
    snap(partner_page, "referrals_partner_inbox")

    # ... opens the referral, accepts it, then records the outcome.
    row.get_by_role("link").first.click()
    partner_page.wait_for_url(f"/referrals/{referral.pk}/")
    expect(partner_page.get_by_test_id("referral-data")).to_contain_text(mother.full_name)
    assert_no_private_data(partner_page.locator("#main").inner_text())
    partner_page.fill("#id_accept_note", "برای دوره مهر ثبت‌نام شد.")
    partner_page.get_by_test_id("action-accept").click()
    expect(partner_page.locator(".alert-success")).to_contain_text(fa("accepted"))
    expect(partner_page.get_by_test_id("referral-title").locator("[data-status]")).to_have_text(
        fa("accepted")
    )
    partner_page.select_option("#id_complete_outcome", "delivered")
    outcome_note = "دوره سه‌ماهه را با موفقیت گذراند."
    partner_page.fill("#id_complete_note", outcome_note)
    partner_page.get_by_test_id("action-complete").click()
    expect(partner_page.get_by_test_id("referral-title").locator("[data-status]")).to_have_text(
        fa("completed")
    )
    expect(partner_page.get_by_test_id("outcome")).to_contain_text(fa("service delivered"))
    expect(partner_page.get_by_test_id("outcome")).to_contain_text(outcome_note)
    expect(partner_page.get_by_test_id("referral-actions")).to_have_count(0)  # nothing left to answer
    events = partner_page.get_by_test_id("referral-event")
    expect(events).to_have_count(3)
    assert [e.get_attribute("data-to") for e in events.all()] == ["sent", "accepted", "completed"]
    snap(partner_page, "referrals_partner_completed")
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == (Referral.Status.COMPLETED, Referral.Outcome.DELIVERED)

    # ... and the charity's overdue list has its own late referral only.
    partner_page.goto("/referrals/inbox/")
    expect(partner_page.get_by_test_id("overdue-count")).to_have_text(fa_digits(1))
    partner_page.get_by_test_id("overdue-tab").click()
    partner_page.wait_for_url(re.compile(r"overdue=1"))
    expect(partner_page.get_by_test_id("inbox-title")).to_have_text(fa("Overdue referrals"))
    expect(inbox_rows).to_have_count(1)
    expect(inbox_rows).to_contain_text(late_charity.person.full_name)
    expect(inbox_rows.get_by_test_id("overdue-badge")).to_have_text(fa("overdue"))
    snap(partner_page, "referrals_partner_overdue")

    # 4. Back at the office: the outcome on the mother's page and timeline.
    page.goto(f"/registry/people/{mother.pk}/")
    referral_row = page.get_by_test_id("referral-table").get_by_test_id("referral-row")
    expect(referral_row).to_have_count(1)
    expect(referral_row.locator("[data-status]")).to_have_text(fa("completed"))
    expect(referral_row).to_contain_text(fa("service delivered"))
    items = page.get_by_test_id("timeline").locator("[data-testid=timeline-item][data-kind=referral]")
    expect(items).to_have_count(3)
    completed = fa("Referral of %(name)s to %(partner)s completed: %(outcome)s.") % {
        "name": mother.full_name,
        "partner": charity.name,
        "outcome": fa("service delivered"),
    }
    done = items.filter(has_text=completed)
    expect(done).to_have_count(1)
    expect(done).to_contain_text(outcome_note)
    expect(done).to_contain_text(format_jalali(today))
    accepted = fa("%(partner)s accepted the referral of %(name)s.") % {
        "partner": charity.name,
        "name": mother.full_name,
    }
    expect(items.filter(has_text=accepted)).to_have_count(1)
    page.get_by_test_id("timeline").scroll_into_view_if_needed()
    snap(page, "referrals_person_timeline")


def assert_no_private_data(text: str) -> None:
    """What a partner organisation must not see of the mother: national code, address, father,
    birth date (in either digits)."""
    birth = format_jalali(MOTHER["birth"], persian_digits=False)
    for secret in (MOTHER["code"], MOTHER["address"], "نسترن", MOTHER["father_name"], birth):
        assert secret not in text, secret
        assert fa_digits(secret) not in text, secret


# The catalogue entries the journey reads its labels from (see `fa`).
LABELS = (
    "The referral was sent to the partner organisation.",
    "Referrals",
    "Overdue referrals",
    "Referrals to your organisation",
    "sent",
    "accepted",
    "completed",
    "overdue",
    "service delivered",
    "%(partner)s accepted the referral of %(name)s.",
    "Referral of %(name)s to %(partner)s completed: %(outcome)s.",
)


def test_the_labels_of_the_journey_are_translated():
    """`fa()` falls back to the English msgid when the catalogue lacks it, so the journey would
    pass on an English page: this says whether the Persian UI really has them."""
    missing = [label for label in LABELS if fa(label) == label]
    assert not missing, f"not in the Persian catalogue: {missing}"
