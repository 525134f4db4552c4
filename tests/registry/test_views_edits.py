"""Editing residents and households: saved and audited, stale edits refused, moves and status."""

import datetime
import re

from django.utils import timezone

from mahalleh.audit.models import AuditEntry
from mahalleh.core.persian import to_persian_digits
from mahalleh.registry import services
from mahalleh.registry.models import Person
from tests.registry.conftest import person_data
from tests.registry.pages import (
    STALE_MSGID,
    jalali,
    page,
    persian,
    person_post,
    section,
    url,
)

# --------------------------------------------------------------------------- edits


def test_edit_person_is_saved_and_audited_with_the_changed_fields(reg, login):
    client = login(reg.world.facilitator_a)
    response = client.post(url("person_edit", reg.child_a.pk), person_post(reg.child_a, education="primary"))
    assert response.status_code == 302
    reg.child_a.refresh_from_db()
    assert reg.child_a.education == "primary"
    entry = AuditEntry.objects.filter(
        object_type="person", object_id=str(reg.child_a.pk), action="update"
    ).get()
    assert entry.user == reg.world.facilitator_a and "education" in entry.changes


def test_stale_person_edit_is_refused_with_a_message(reg, login):
    client = login(reg.world.facilitator_a)
    opened = person_post(reg.child_a)
    services.person_update(actor=reg.world.manager_a, person=reg.child_a, father_name="محمد")
    response = client.post(url("person_edit", reg.child_a.pk), {**opened, "father_name": "رضا"})
    assert response.status_code == 200
    assert persian(STALE_MSGID) in section(response.content.decode(), "form-errors")
    reg.child_a.refresh_from_db()
    assert reg.child_a.father_name == "محمد"


def test_stale_household_edit_is_refused_with_a_message(reg, login):
    client = login(reg.world.facilitator_a)
    edit = url("household_edit", reg.household_a.pk)
    html = page(client, edit)
    version = re.search(r'name="version" value="([^"]+)"', html).group(1)
    services.household_update(actor=reg.world.manager_a, household=reg.household_a, address="نشانی مدیر")
    response = client.post(
        edit,
        {
            "address": "نشانی من",
            "phone": "",
            "tenure": "",
            "income_band": "",
            "external_id": "",
            "version": version,
        },
    )
    assert persian(STALE_MSGID) in section(response.content.decode(), "form-errors")
    reg.household_a.refresh_from_db()
    assert reg.household_a.address == "نشانی مدیر"


def test_edit_household_saves_and_keeps_the_neighbourhood(reg, login):
    client = login(reg.world.facilitator_a)
    edit = url("household_edit", reg.household_a.pk)
    html = page(client, edit)
    version = re.search(r'name="version" value="([^"]+)"', html).group(1)
    data = {
        "neighbourhood": reg.world.hood_b.pk,
        "address": "نشانی نو",
        "phone": "۰۳۴۳۲۲۲۰۰۰۰",
        "tenure": "owned",
        "income_band": "",
        "external_id": "A-1",
        "version": version,
    }
    assert client.post(edit, data).status_code == 302
    reg.household_a.refresh_from_db()
    assert reg.household_a.address == "نشانی نو" and reg.household_a.phone == "03432220000"
    assert reg.household_a.neighbourhood == reg.world.hood_a  # the disabled field ignores what was posted


def test_national_code_error_on_edit_is_at_the_field(reg, login):
    client = login(reg.world.facilitator_a)
    response = client.post(
        url("person_edit", reg.child_a.pk), person_post(reg.child_a, national_code="12345")
    )
    html = response.content.decode()
    assert 'data-field-error="national_code"' in html
    reg.child_a.refresh_from_db()
    assert reg.child_a.national_code != "12345"


def test_add_member_with_refugee_card(reg, login):
    client = login(reg.world.facilitator_a)
    form = page(client, url("person_create", reg.household_a.pk))
    assert 'data-show-for="foreign_id passport"' in form
    data = person_post(
        reg.child_a,
        id_type="foreign_id",
        national_code="",
        document_number="۱۲۳۴۵۶",
        first_name="گل‌بی‌بی",
        relation="relative",
        nationality="afghan",
        birth_date="1370/1/1",
    )
    data.pop("version")
    response = client.post(url("person_create", reg.household_a.pk), data)
    assert response.status_code == 302
    person = reg.household_a.members.get(first_name="گل‌بی‌بی")
    assert person.document_number == "۱۲۳۴۵۶" and person.national_code is None


# --------------------------------------------------------------------------- move and status


def test_move_a_person_through_the_page_keeps_their_harms(reg, login):
    fa = reg.world.facilitator_a
    case = services.harm_case_open(
        actor=fa, person=reg.child_a, harm_type=reg.child_labour, identified_on=timezone.localdate()
    )
    other = services.household_create(actor=fa, neighbourhood=reg.world.hood_a)
    services.person_create(actor=fa, household=other, **person_data(relation="head", first_name="مریم"))
    client = login(fa)
    search = page(client, url("person_move", reg.child_a.pk), q="مریم")
    assert url("person_move", reg.child_a.pk) in page(client, url("person_move", reg.child_a.pk))
    assert f"to={other.pk}" in section(search, "move-candidates")
    assert reg.household_a.pk != other.pk and f"to={reg.household_a.pk}" not in section(
        search, "move-candidates"
    )
    response = client.post(
        url("person_move", reg.child_a.pk),
        {"to_household": to_persian_digits(other.pk), "relation": "grandchild"},
    )
    assert response.status_code == 302 and response["Location"] == url("household_detail", other.pk)
    reg.child_a.refresh_from_db()
    assert reg.child_a.household == other
    case.refresh_from_db()
    assert case.person == reg.child_a
    assert "علی احمدی" in section(page(client, url("household_detail", other.pk)), "harm-table")


def test_move_to_another_offices_household_is_refused_at_the_field(reg, login):
    client = login(reg.world.facilitator_a)
    response = client.post(
        url("person_move", reg.child_a.pk), {"to_household": reg.household_b.pk, "relation": "child"}
    )
    assert 'data-field-error="to_household"' in response.content.decode()
    reg.child_a.refresh_from_db()
    assert reg.child_a.household == reg.household_a


def test_mark_deceased_keeps_the_person_on_the_household_page(reg, login):
    client = login(reg.world.facilitator_a)
    on = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(url("person_status", reg.head_a.pk), {"status": "deceased", "on": jalali(on)})
    assert response.status_code == 302
    html = page(client, url("household_detail", reg.household_a.pk))
    members = section(html, "member-table")
    assert "محمدرضا احمدی" in members and jalali(on) in section(members, "person-status")
    assert Person.objects.filter(pk=reg.head_a.pk, status="deceased").exists()


def test_status_date_in_the_future_is_refused_at_the_field(reg, login):
    client = login(reg.world.facilitator_a)
    tomorrow = jalali(timezone.localdate() + datetime.timedelta(days=1))
    response = client.post(url("person_status", reg.head_a.pk), {"status": "moved_away", "on": tomorrow})
    assert 'data-field-error="on"' in response.content.decode()
    reg.head_a.refresh_from_db()
    assert reg.head_a.status == "active"
