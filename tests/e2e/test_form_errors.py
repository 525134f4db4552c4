"""Issue #16 item 3: a form's errors are tied to their fields, so a screen reader reads the error
with the field it belongs to. Bad input is sent through the sign-in, referral and activity forms;
every field marked invalid must name a visible error of its own in aria-describedby, and every
error shown at a field must be named so by that field (or by the fieldset of a group of boxes).
"""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from tests.e2e.conftest import close_calendar, sign_in, snap, submit
from tests.e2e.test_activities_journey import residents
from tests.e2e.test_referrals_journey import make_resident

pytestmark = pytest.mark.e2e

TIES = """(form) => {
  form = document.querySelector(form);
  const described = (el) => (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
  const invalid = [...form.querySelectorAll('[aria-invalid=true]')].map((control) => {
    const errors = described(control).map((id) => document.getElementById(id))
      .filter((el) => el && el.matches('[data-field-error]'));
    return {name: control.name, errors: errors.map((el) => el.textContent.trim()),
            visible: errors.every((el) => el.checkVisibility())};
  });
  const holders = [...form.querySelectorAll('[aria-describedby]')];
  const untied = [...form.querySelectorAll('[data-field-error]')]
    .filter((error) => !error.id || !holders.some((el) => described(el).includes(error.id)))
    .map((error) => `${error.dataset.fieldError}: ${error.textContent.trim()}`);
  return {invalid, untied};
}"""


def fa(text: str) -> str:
    with translation.override("fa"):
        return gettext(text)


def ties(page, form: str) -> dict:
    return page.evaluate(TIES, form)


def assert_tied(page, form: str, fields: set[str]) -> None:
    """`fields` are marked invalid, each with a visible error of its own; no error is left untied."""
    found = ties(page, form)
    by_name = {c["name"]: c for c in found["invalid"]}
    assert set(by_name) == fields, found
    for name, control in by_name.items():
        assert control["errors"] and control["visible"], f"{name}: no visible error named: {control}"
    assert found["untied"] == [], found


def test_sign_in_errors_are_read_with_their_fields(page):
    page.goto("/accounts/login/")
    submit(page)
    expect(page.locator("[data-field-error]")).to_have_count(2)
    assert_tied(page, "#main form", {"username", "password"})
    expect(page.locator("#id_username")).to_have_attribute("aria-describedby", "id_username_error")
    expect(page.locator("#id_username_error")).to_have_text(fa("This field is required."))
    snap(page, "form_errors_login")


def test_referral_errors_are_read_with_their_fields(page):
    facilitator = User.objects.get(username="facilitator")
    hood = facilitator.office.neighbourhoods.order_by("code").first()
    person = make_resident(
        facilitator, hood, first="نسرین", last="یگانه", code="0012345679", address="کوچه سرو"
    )
    sign_in(page, "facilitator")
    page.goto(f"/referrals/people/{person.pk}/new/")
    submit(page)
    expect(page.locator("[data-field-error]")).to_have_count(2)
    assert_tied(page, "[data-testid=referral-form]", {"service", "reason"})
    # The reason's help (what the partner sees) is read with it too, after the error.
    described = page.locator("#id_reason").get_attribute("aria-describedby").split()
    assert described == ["id_reason_helptext", "id_reason_error"], described
    snap(page, "form_errors_referral")


def test_activity_errors_are_read_with_their_fields(page):
    residents(User.objects.get(username="facilitator"))
    sign_in(page, "facilitator")
    page.goto("/activities/new/")
    page.fill("#id_title", "")
    page.fill("#id_starts_on", "1402/12/30")  # not a date: Esfand 1402 has 29 days
    close_calendar(page)
    page.get_by_test_id("save-activity").click()
    expect(page.locator("[data-field-error=starts_on]")).to_be_visible()
    assert_tied(page, "[data-testid=activity-form] form", {"kind", "title", "starts_on"})
    # The group of age boxes is a fieldset: its help is named by the fieldset, as Django does.
    fieldset = page.get_by_test_id("age-groups")
    expect(fieldset).to_have_attribute("aria-describedby", "id_age_groups_helptext")
    expect(page.locator("#id_age_groups_helptext")).to_have_text(fa("Leave all unticked for every age."))
    snap(page, "form_errors_activity")
