"""Harms, consent and the needs assessment, recorded through their pages."""

import datetime
import re

from django.utils import timezone

from mahalleh.core.persian import to_persian_digits
from mahalleh.core.services import version_token
from mahalleh.registry import services
from mahalleh.registry.models import Consent, HarmCase
from tests.registry.conftest import CODE_HEAD_B
from tests.registry.pages import (
    jalali,
    page,
    persian,
    section,
    url,
)

# --------------------------------------------------------------------------- harms, consent, assessment


def test_record_a_harm_and_move_it_to_in_care(reg, login):
    client = login(reg.world.facilitator_a)
    today = jalali(timezone.localdate())
    response = client.post(
        url("harm_create", reg.head_a.pk),
        {"harm_type": reg.addiction.pk, "identified_on": today, "note": "گزارش"},
    )
    assert response.status_code == 302
    case = HarmCase.objects.get(person=reg.head_a)
    form = page(client, url("harm_transition", case.pk))
    options = re.findall(r'<option value="(\w+)"', form)
    assert sorted(options) == sorted(services.HARM_TRANSITIONS[HarmCase.Status.IDENTIFIED])
    response = client.post(
        url("harm_transition", case.pk),
        {"to_status": "in_care", "on": today, "note": "", "version": version_token(case)},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_care"
    harms = section(page(client, url("person_detail", reg.head_a.pk)), "harm-table")
    assert "گزارش" in harms


def test_impossible_harm_transition_is_refused_with_the_services_message(reg, login):
    case = services.harm_case_open(
        actor=reg.world.facilitator_a,
        person=reg.head_a,
        harm_type=reg.addiction,
        identified_on=timezone.localdate(),
    )
    client = login(reg.world.facilitator_a)
    response = client.post(
        url("harm_transition", case.pk), {"to_status": "relapsed", "on": jalali(timezone.localdate())}
    )
    html = response.content.decode()
    assert response.status_code == 200
    refused = persian("A case that is “%(from)s” cannot become “%(to)s”.") % {
        "from": persian("identified"),
        "to": persian("relapsed"),
    }
    assert refused in section(html, "harm-transition-form")
    case.refresh_from_db()
    assert case.status == "identified"


def test_record_consent_then_withdraw_it(reg, login):
    client = login(reg.world.facilitator_a)
    today = timezone.localdate()
    target = url("consent_create", reg.head_a.pk)
    data = {
        "purpose": "referral",
        "given": "yes",
        "on": jalali(today - datetime.timedelta(days=1)),
        "given_by": "خودش",
    }
    assert client.post(target, data).status_code == 302
    in_force = section(page(client, url("person_detail", reg.head_a.pk)), "consent-in-force")
    assert "text-bg-success" in in_force.split('data-purpose="referral"')[1].split("</li>")[0]
    assert client.post(target, {**data, "given": "no", "on": jalali(today)}).status_code == 302
    in_force = section(page(client, url("person_detail", reg.head_a.pk)), "consent-in-force")
    assert "text-bg-danger" in in_force.split('data-purpose="referral"')[1].split("</li>")[0]
    assert Consent.objects.filter(person=reg.head_a).count() == 2


def test_assessment_page_saves_and_shows_the_score(reg, login):
    client = login(reg.world.facilitator_a)
    target = url("assessment_create", reg.household_a.pk)
    form = page(client, target)
    assert form.count('type="checkbox"') == 9
    data = {
        "item_no_income": "on",
        "item_food_insecurity": "on",
        "item_debt": "on",
        "on": jalali(timezone.localdate()),
    }
    response = client.post(target, data, follow=True)
    html = response.content.decode()
    message = persian("The needs assessment was saved. Vulnerability score: %(score)s out of 100.")
    assert message % {"score": to_persian_digits(35)} in html
    assert section(html, "assessment-score").endswith(f">{to_persian_digits(35)}</span>")
    reg.household_a.refresh_from_db()
    assert reg.household_a.vulnerability == 35


def test_edits_by_a_manager_of_the_office_are_allowed(reg, login):
    client = login(reg.world.manager_a)
    assert client.get(url("person_edit", reg.head_a.pk)).status_code == 200
    assert client.get(url("household_create")).status_code == 200


def test_household_create_offers_only_the_users_neighbourhoods(reg, login):
    html = page(login(reg.world.facilitator_a), url("household_create"))
    select = html.split('name="neighbourhood"')[1].split("</select>")[0]
    assert "محله الف" in select and "محله ب" not in select
    assert CODE_HEAD_B not in html
