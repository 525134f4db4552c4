"""The audit page: scoped to the office, province or country; filters; read-only."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from mahalleh.audit.models import AuditEntry
from mahalleh.audit.services import audit_record
from mahalleh.core.jalali import format_jalali
from mahalleh.registry import services
from mahalleh.registry.models import HarmCase

pytestmark = pytest.mark.django_db

URL = reverse("audit:list")


def shown(response) -> set[int]:
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'data-entry="(\d+)"', response.content.decode())}


def entries(**filters) -> set[int]:
    return set(AuditEntry.objects.filter(**filters).values_list("pk", flat=True))


def test_office_manager_sees_the_entries_of_their_office_only(world, reg, login):
    page = shown(login(world.manager_a).get(URL))
    assert page == entries(office=world.office_a)
    assert entries(object_type="household", object_id=str(reg.hh_a.pk)) <= page
    assert not entries(object_type="household", object_id=str(reg.hh_b.pk)) & page


def test_province_coordinator_sees_the_province(world, reg, login):
    page = shown(login(world.coordinator).get(URL))
    assert page == entries(province=world.kerman)
    assert entries(office=world.office_b) <= page
    assert not entries(office=world.office_f) & page


def test_national_admin_sees_everything(world, reg, login):
    assert shown(login(world.admin).get(URL)) == set(AuditEntry.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("role", ["facilitator_a", "analyst", "pr_a", "partner_user"])
def test_other_roles_get_404(world, reg, login, role):
    assert login(getattr(world, role)).get(URL).status_code == 404


def test_nav_shows_audit_to_managers_only(world, login):
    assert 'data-nav="audit"' in login(world.manager_a).get("/").content.decode()
    assert 'data-nav="audit"' in login(world.coordinator).get("/").content.decode()
    assert 'data-nav="audit"' in login(world.admin).get("/").content.decode()
    assert 'data-nav="audit"' not in login(world.facilitator_a).get("/").content.decode()


def test_a_page_view_of_a_household_is_audited_and_shown_to_the_manager(world, reg, login):
    login(world.facilitator_a).get(reverse("registry:household_detail", args=[reg.hh_a.pk]))
    entry = AuditEntry.objects.get(action="view", object_type="household")
    assert (entry.user, entry.via, entry.office_id) == (world.facilitator_a, "web", world.office_a.pk)
    response = login(world.manager_a).get(URL, {"action": "view"})
    assert shown(response) == {entry.pk}
    assert reverse("registry:household_detail", args=[reg.hh_a.pk]) in response.content.decode()


def test_an_api_view_is_shown_with_an_api_badge(world, reg, login, api):
    assert api(world.facilitator_a).get(f"/api/v1/persons/{reg.child_a.pk}/").status_code == 200
    entry = AuditEntry.objects.get(action="view", object_type="person")
    response = login(world.manager_a).get(URL, {"action": "view"})
    assert shown(response) == {entry.pk}
    assert "API" in response.content.decode()


def test_changes_show_the_field_with_old_and_new_values(world, reg, login):
    services.household_update(actor=world.facilitator_a, household=reg.hh_a, address="کوچه نو")
    client = login(world.manager_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(URL, {"action": "update"}).content.decode()
    assert "address" in html and "کوچه بهار، پلاک ۳" in html and "کوچه نو" in html


def test_exports_are_in_the_audit_of_the_exporters_office(world, reg, login):
    login(world.facilitator_a).get(reverse("registry:export"), {"format": "csv"})
    login(world.facilitator_b).get(reverse("registry:export"), {"format": "csv"})
    export_a = entries(action="export", user=world.facilitator_a)
    export_b = entries(action="export", user=world.facilitator_b)
    page_a = shown(login(world.manager_a).get(URL, {"action": "export"}))
    assert page_a == export_a and len(export_a) == 1
    assert shown(login(world.coordinator).get(URL, {"action": "export"})) == export_a | export_b


def test_filter_by_user_and_object_type(world, reg, login):
    services.household_update(actor=world.manager_a, household=reg.hh_a, phone="03430000000")
    client = login(world.manager_a)
    assert shown(client.get(URL, {"actor": world.manager_a.pk})) == entries(user=world.manager_a)
    assert shown(client.get(URL, {"object_type": "harmcase"})) == entries(
        office=world.office_a, object_type="harmcase"
    )


def test_filter_by_jalali_date_range(world, reg, login):
    client = login(world.manager_a)
    today = timezone.localdate()
    in_scope = entries(office=world.office_a)
    assert shown(client.get(URL, {"since": format_jalali(today), "until": format_jalali(today)})) == in_scope
    yesterday = today - datetime.timedelta(days=1)
    assert shown(client.get(URL, {"until": format_jalali(yesterday, persian_digits=False)})) == set()


def test_an_impossible_jalali_date_is_shown_at_the_field(world, reg, login):
    response = login(world.manager_a).get(URL, {"since": "1402/12/30"})
    assert response.status_code == 200
    assert 'data-field-error="since"' in response.content.decode()


def test_time_is_jalali_with_persian_digits(world, reg, login):
    html = login(world.manager_a).get(URL).content.decode()
    assert format_jalali(timezone.localdate(), persian_digits=True) in html


def test_pages_of_fifty_walk_back_to_the_oldest(world, reg, login):
    for _ in range(60):
        audit_record(user=world.facilitator_a, action="view", obj=reg.hh_a)
    client = login(world.manager_a)
    first = client.get(URL)
    older = re.search(r'href="([^"]+)" data-testid="audit-older"', first.content.decode()).group(1)
    second = client.get(URL + older.replace("&amp;", "&"))
    assert len(shown(first)) == 50
    assert shown(first) | shown(second) == entries(office=world.office_a)
    assert not shown(first) & shown(second)


def test_the_page_cannot_change_anything(world, reg, login):
    before = AuditEntry.objects.count()
    assert login(world.manager_a).post(URL, {"action": "delete"}).status_code == 405
    assert AuditEntry.objects.count() == before


def test_choice_changes_show_labels_not_codes(world, reg, login):
    services.harm_case_transition(
        actor=world.facilitator_a, case=reg.case_a, to_status="in_care", on=timezone.localdate()
    )
    html = login(world.manager_a).get(URL, {"object_type": "harmcase", "action": "update"}).content.decode()
    with translation.override("fa"):  # the label, in the user's language
        assert str(HarmCase.Status.IN_CARE.label) in html
    assert "in_care" not in html
