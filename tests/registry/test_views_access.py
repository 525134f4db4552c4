"""Registry pages: who may open them (404 outside the scope), the navigation, the audit of views."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from mahalleh.audit.models import AuditEntry
from mahalleh.core.persian import to_persian_digits
from mahalleh.registry import services
from mahalleh.registry.models import HarmCase
from tests.registry.conftest import CODE_HEAD_A, CODE_HEAD_B
from tests.registry.pages import (
    LIST,
    jalali,
    page,
    persian,
    section,
    url,
)

# --------------------------------------------------------------------------- access and scope


def test_facilitator_sees_only_the_households_of_the_office(reg, login):
    client = login(reg.world.facilitator_a)
    table = section(page(client, LIST), "household-table")
    assert "محمدرضا احمدی" in table
    assert "کریمی" not in table


@pytest.mark.parametrize(
    "name_args",
    [
        ("household_detail", "household_b"),
        ("household_edit", "household_b"),
        ("person_create", "household_b"),
        ("assessment_create", "household_b"),
        ("person_detail", "head_b"),
        ("person_edit", "head_b"),
        ("person_move", "head_b"),
        ("person_status", "head_b"),
        ("harm_create", "head_b"),
        ("consent_create", "head_b"),
    ],
)
def test_facilitator_of_office_a_gets_404_on_office_b_residents(reg, login, name_args):
    name, obj = name_args
    client = login(reg.world.facilitator_a)
    assert client.get(url(name, getattr(reg, obj).pk)).status_code == 404
    assert client.post(url(name, getattr(reg, obj).pk), {"first_name": "x"}).status_code == 404


def test_facilitator_of_office_a_gets_404_on_office_b_harm_case(reg, login):
    case = services.harm_case_open(
        actor=reg.world.facilitator_b,
        person=reg.head_b,
        harm_type=reg.addiction,
        identified_on=timezone.localdate(),
    )
    client = login(reg.world.facilitator_a)
    assert client.get(url("harm_transition", case.pk)).status_code == 404
    assert client.post(url("harm_transition", case.pk), {"to_status": "in_care"}).status_code == 404
    case.refresh_from_db()
    assert case.status == HarmCase.Status.IDENTIFIED


def test_facilitator_search_page_never_shows_another_offices_resident(reg, login):
    client = login(reg.world.facilitator_a)
    for typed in ("کریمی", CODE_HEAD_B, "09127654321"):
        html = page(client, LIST, q=typed)
        assert "محمدرضا کریمی" not in html
        assert persian("No resident matches this search.") in section(html, "search-results")


@pytest.mark.parametrize("who", ["analyst", "pr_a", "partner_user"])
def test_roles_without_personal_data_get_404_on_registry_pages(reg, login, who):
    client = login(getattr(reg.world, who))
    for target in (
        LIST,
        url("household_create"),
        url("household_detail", reg.household_a.pk),
        url("person_detail", reg.head_a.pk),
        url("person_edit", reg.head_a.pk),
    ):
        assert client.get(target).status_code == 404, target


def test_registry_pages_need_a_login(reg, client):
    response = client.get(url("household_detail", reg.household_a.pk))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_coordinator_reads_the_province_but_gets_404_on_edit_pages(reg, login):
    client = login(reg.world.coordinator)
    html = page(client, LIST)
    assert "محمدرضا احمدی" in html and "محمدرضا کریمی" in html
    assert 'data-testid="add-household"' not in html
    detail = page(client, url("household_detail", reg.household_a.pk))
    assert 'data-testid="add-member"' not in detail
    for target in (
        url("household_create"),
        url("household_edit", reg.household_a.pk),
        url("person_create", reg.household_a.pk),
        url("person_edit", reg.head_a.pk),
        url("person_move", reg.head_a.pk),
        url("person_status", reg.head_a.pk),
        url("harm_create", reg.head_a.pk),
        url("consent_create", reg.head_a.pk),
        url("assessment_create", reg.household_a.pk),
    ):
        assert client.get(target).status_code == 404, target


def test_coordinator_of_another_province_gets_404(reg, login):
    client = login(reg.world.coordinator_fars)
    assert client.get(url("household_detail", reg.household_a.pk)).status_code == 404
    assert client.get(url("person_detail", reg.head_a.pk)).status_code == 404


def test_nav_shows_registry_to_roles_that_read_it(reg, login):
    assert 'data-nav="registry"' in page(login(reg.world.facilitator_a), reverse("core:home"))
    assert 'data-nav="registry"' in page(login(reg.world.coordinator), reverse("core:home"))
    assert 'data-nav="registry"' not in page(login(reg.world.analyst), reverse("core:home"))
    assert 'data-nav="registry"' not in page(login(reg.world.pr_a), reverse("core:home"))


# --------------------------------------------------------------------------- household page and audit


def test_household_page_shows_members_harms_consent_assessment_and_timeline(reg, login):
    fa = reg.world.facilitator_a
    today = timezone.localdate()
    identified = today - datetime.timedelta(days=40)
    case = services.harm_case_open(
        actor=fa, person=reg.child_a, harm_type=reg.child_labour, identified_on=identified
    )
    services.harm_case_transition(
        actor=fa, case=case, to_status="in_care", on=today - datetime.timedelta(days=3)
    )
    services.consent_record(actor=fa, person=reg.head_a, purpose="registry", given=True, on=today)
    services.assessment_record(actor=fa, household=reg.household_a, on=today, answers={"no_income": True})
    services.person_set_status(actor=fa, person=reg.daughter_a, status="moved_away", on=today)

    html = page(login(fa), url("household_detail", reg.household_a.pk))
    members = section(html, "member-table")
    assert members.count('data-testid="member-row"') == 3
    assert to_persian_digits(CODE_HEAD_A) in members
    assert persian("moved away") in section(members, "person-status")
    harms = section(html, "harm-table")
    assert "علی احمدی" in harms and url("harm_transition", case.pk) in harms
    consent = section(html, "consent-table")
    assert consent.count('data-purpose="registry"') == 3
    assert section(html, "assessment-score").endswith(f">{to_persian_digits(15)}</span>")
    timeline = section(html, "timeline")
    assert jalali(identified) in timeline
    assert timeline.count('data-kind="harm"') == 2
    assert 'data-kind="consent"' in timeline and 'data-kind="assessment"' in timeline
    assert 'data-kind="status"' in timeline


def test_viewing_household_and_person_pages_is_audited(reg, login):
    client = login(reg.world.coordinator)
    page(client, url("household_detail", reg.household_a.pk))
    page(client, url("person_detail", reg.head_a.pk))
    views = AuditEntry.objects.filter(user=reg.world.coordinator, action="view")
    assert set(views.values_list("object_type", "object_id")) == {
        ("household", str(reg.household_a.pk)),
        ("person", str(reg.head_a.pk)),
    }
    assert all(e.office_id == reg.world.office_a.pk for e in views)


def test_a_refused_page_is_not_audited_as_a_view(reg, login):
    client = login(reg.world.facilitator_b)
    client.get(url("household_detail", reg.household_a.pk))
    assert not AuditEntry.objects.filter(user=reg.world.facilitator_b, action="view").exists()
