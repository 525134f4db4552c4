"""Registry pages as their users see them: scoping (404), forms, errors at the field, audit."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from mahalleh.audit.models import AuditEntry
from mahalleh.core.jalali import format_jalali
from mahalleh.core.persian import to_persian_digits
from mahalleh.core.services import version_token
from mahalleh.registry import services
from mahalleh.registry.models import Consent, HarmCase, Household, Person
from tests.registry.conftest import CODE_FREE, CODE_HEAD_A, CODE_HEAD_B, person_data

ZWNJ = "\u200c"


def section(html: str, testid: str) -> str:
    """The HTML of the element with this data-testid (its tag included), or "" when absent."""
    marker = f'data-testid="{testid}"'
    at = html.find(marker)
    if at < 0:
        return ""
    start = html.rfind("<", 0, at)
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth, pos = 0, start
    pattern = re.compile(rf"<(/?){tag}\b[^>]*>")
    for m in pattern.finditer(html, start):
        depth += -1 if m.group(1) else 1
        pos = m.end()
        if depth == 0:
            break
    return html[start:pos]


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def persian(msgid: str) -> str:
    """A UI string as the Persian page shows it (the msgid itself until it is translated)."""
    with translation.override("fa"):
        return translation.gettext(msgid)


def jalali(d: datetime.date) -> str:
    return format_jalali(d, persian_digits=True)


def url(name, *args) -> str:
    return reverse(f"registry:{name}", args=args)


LIST = url("household_list")
STALE_MSGID = (
    "Someone else changed this record after you opened it. "
    "Your changes were not saved: reload the page and make them again."
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


# --------------------------------------------------------------------------- search through the page


@pytest.mark.parametrize("typed", ["محمدرضا", "محمد رضا", f"محمد{ZWNJ}رضا", "محمدرضا احمدي"])
def test_search_box_finds_a_name_however_it_is_spelled(reg, login, typed):
    html = page(login(reg.world.facilitator_a), LIST, q=typed)
    results = section(html, "search-results")
    assert "محمدرضا احمدی" in results
    assert url("household_detail", reg.household_a.pk) in results
    # The household list is narrowed to the household of the match.
    assert "محمدرضا احمدی" in section(html, "household-table")


@pytest.mark.parametrize("typed", ["علي احمدی", "علی احمدی"])
def test_search_box_treats_arabic_and_persian_yeh_alike(reg, login, typed):
    results = section(page(login(reg.world.facilitator_a), LIST, q=typed), "search-results")
    assert "علی احمدی" in results


def test_search_box_finds_a_name_stored_with_arabic_letters(reg, login):
    results = section(page(login(reg.world.facilitator_a), LIST, q="ملیکا"), "search-results")
    assert "مليكا احمدی" in results


@pytest.mark.parametrize("typed", ["۰۹۱۲۱۲۳۴۵۶۷", "09121234567", "0912-123-4567"])
def test_search_box_finds_a_mobile_in_persian_or_latin_digits(reg, login, typed):
    results = section(page(login(reg.world.facilitator_a), LIST, q=typed), "search-results")
    assert "محمدرضا احمدی" in results
    assert to_persian_digits("09121234567") in results  # shown with Persian digits


def test_search_box_finds_a_national_code_typed_in_persian_digits(reg, login):
    results = section(
        page(login(reg.world.facilitator_a), LIST, q=to_persian_digits(CODE_HEAD_A)), "search-results"
    )
    assert "محمدرضا احمدی" in results


def test_no_search_section_without_a_query(reg, login):
    assert section(page(login(reg.world.facilitator_a), LIST), "search-results") == ""


# --------------------------------------------------------------------------- list filters and pages


def test_list_filters_by_harm_and_shows_persian_digits(reg, login):
    fa = reg.world.facilitator_a
    other = services.household_create(actor=fa, neighbourhood=reg.world.hood_a, phone="03432221111")
    services.person_create(actor=fa, household=other, **person_data(relation="head"))
    services.harm_case_open(
        actor=fa, person=reg.child_a, harm_type=reg.child_labour, identified_on=timezone.localdate()
    )
    client = login(fa)
    table = section(page(client, LIST), "household-table")
    assert "زهرا رحیمی" in table and "محمدرضا احمدی" in table
    assert to_persian_digits("03432221111") in table
    table = section(page(client, LIST, harm_type=reg.child_labour.pk), "household-table")
    assert "محمدرضا احمدی" in table and "زهرا رحیمی" not in table
    # The members column counts the three residents of household A in Persian digits.
    row = [r for r in table.split("<tr") if "محمدرضا احمدی" in r][0]
    assert "<td>۳</td>" in row


def test_list_consent_filter_and_bad_vulnerability_value(reg, login):
    client = login(reg.world.facilitator_a)
    html = page(client, LIST, consent="given")
    assert persian("No household matches these filters.") in section(html, "household-table")
    html = page(client, LIST, vulnerability_min="۱۵۰")
    assert 'data-field-error="vulnerability_min"' in html


def test_list_is_paginated_50_per_page(reg, login):
    hood = reg.world.hood_a
    Household.objects.bulk_create(
        [Household(neighbourhood=hood, office_id=hood.office_id) for _ in range(55)]
    )
    client = login(reg.world.facilitator_a)
    first = page(client, LIST)
    assert first.count('data-testid="household-row"') == 50
    assert 'data-testid="pagination"' in first
    second = page(client, LIST, page=2)
    assert second.count('data-testid="household-row"') == 6


# --------------------------------------------------------------------------- register a household


def household_post(world, **overrides) -> dict:
    data = {
        "neighbourhood": world.hood_a.pk,
        "address": "کوچه گلستان",
        "phone": "",
        "tenure": "rented",
        "income_band": "low",
        "external_id": "",
        "id_type": "national_code",
        "national_code": to_persian_digits(CODE_FREE),
        "document_number": "",
        "first_name": "فاطمه",
        "last_name": "کاظمی",
        "father_name": "",
        "sex": "female",
        "birth_date": "۱۳۶۵/۰۴/۱۲",
        "nationality": "iranian",
        "education": "",
        "school_enrolled": "unknown",
        "employment": "",
        "disability": "none",
        "insurance": "",
        "mobile": "۰۹۱۳ ۱۱۱ ۲۲۳۳",
    }
    data.update(overrides)
    return data


def test_register_a_household_and_its_head_in_one_form(reg, login):
    client = login(reg.world.facilitator_a)
    form = page(client, url("household_create"))
    assert "data-jdp" in form  # the Jalali picker on the birth date
    response = client.post(url("household_create"), household_post(reg.world))
    household = Household.objects.get(address="کوچه گلستان")
    assert response.status_code == 302 and response["Location"] == url("household_detail", household.pk)
    head = household.head
    assert head.full_name == "فاطمه کاظمی" and head.relation == Person.Relation.HEAD
    assert head.national_code == CODE_FREE and head.mobile == "09131112233"
    assert head.birth_date == datetime.date(1986, 7, 3)
    html = client.get(response["Location"]).content.decode()
    assert persian("The household and its head were registered.") in html
    assert "فاطمه کاظمی" in section(html, "member-table")


def test_bad_national_code_is_shown_at_the_field_and_nothing_is_written(reg, login):
    client = login(reg.world.facilitator_a)
    before = Household.objects.count()
    bad = CODE_FREE[:9] + str((int(CODE_FREE[9]) + 1) % 10)
    response = client.post(url("household_create"), household_post(reg.world, national_code=bad))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="national_code"' in html
    assert (
        persian("This national code is not valid: its last digit (the check digit) does not match.") in html
    )
    assert Household.objects.count() == before


def test_impossible_jalali_birth_date_is_shown_at_the_field(reg, login):
    client = login(reg.world.facilitator_a)
    before = Household.objects.count()
    response = client.post(url("household_create"), household_post(reg.world, birth_date="1402/12/30"))
    assert 'data-field-error="birth_date"' in response.content.decode()
    assert Household.objects.count() == before


def test_future_birth_date_is_refused_at_the_field_and_no_household_is_left_behind(reg, login):
    client = login(reg.world.facilitator_a)
    before = Household.objects.count()
    tomorrow = jalali(timezone.localdate() + datetime.timedelta(days=1))
    response = client.post(url("household_create"), household_post(reg.world, birth_date=tomorrow))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="birth_date"' in html
    # The household itself was valid and was written first: the transaction took it back.
    assert Household.objects.count() == before


def test_duplicate_national_code_warns_with_a_link_and_writes_nothing(reg, login):
    client = login(reg.world.facilitator_a)
    before = Household.objects.count()
    response = client.post(url("household_create"), household_post(reg.world, national_code=CODE_HEAD_A))
    html = response.content.decode()
    warning = section(html, "duplicate-warning")
    assert persian("A resident with this national code is already registered.") in warning
    assert url("household_detail", reg.household_a.pk) in warning
    assert 'name="confirm_duplicate"' not in warning  # a national code cannot be confirmed away
    assert 'data-field-error="national_code"' in html
    assert Household.objects.count() == before


def test_duplicate_code_from_another_office_warns_without_revealing_the_record(reg, login):
    client = login(reg.world.facilitator_b)
    data = household_post(reg.world, neighbourhood=reg.world.hood_b.pk, national_code=CODE_HEAD_A)
    warning = section(client.post(url("household_create"), data).content.decode(), "duplicate-warning")
    assert persian("A resident with this national code is already registered.") in warning
    assert url("household_detail", reg.household_a.pk) not in warning
    assert "احمدی" not in warning


def test_same_name_and_birth_date_warns_and_can_be_confirmed(reg, login):
    client = login(reg.world.facilitator_a)
    data = {
        **household_post(reg.world),
        "id_type": "none",
        "national_code": "",
        "first_name": "محمد رضا",
        "last_name": "احمدی",
        "sex": "male",
        "relation": "sibling",
        "birth_date": jalali(reg.head_a.birth_date),
    }
    target = url("person_create", reg.household_a.pk)
    html = client.post(target, data).content.decode()
    warning = section(html, "duplicate-warning")
    assert url("household_detail", reg.household_a.pk) in warning
    assert 'name="confirm_duplicate"' in warning
    assert reg.household_a.members.count() == 3

    response = client.post(target, {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert reg.household_a.members.count() == 4


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


# --------------------------------------------------------------------------- edits


def person_post(person: Person, **overrides) -> dict:
    data = {
        "id_type": person.id_type,
        "national_code": person.national_code or "",
        "document_number": person.document_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "father_name": person.father_name,
        "sex": person.sex,
        "birth_date": jalali(person.birth_date) if person.birth_date else "",
        "relation": person.relation,
        "nationality": person.nationality,
        "education": person.education,
        "school_enrolled": "unknown",
        "employment": person.employment,
        "disability": person.disability,
        "insurance": person.insurance,
        "mobile": person.mobile,
        "version": version_token(person),
    }
    data.update(overrides)
    return data


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


# --------------------------------------------------------------------------- timeline order (issue 8.4)


def test_same_day_timeline_entries_are_newest_first_by_the_time_they_happened(reg, login):
    """Registered, then consent given, then a harm identified, all today: the newest-first timeline
    lists them harm, consent, registered — not by the alphabet of their kinds."""
    fa, today = reg.world.facilitator_a, timezone.localdate()
    person = services.person_create(
        actor=fa,
        household=reg.household_a,
        **person_data(first_name="نرگس", national_code=CODE_FREE, relation=Person.Relation.OTHER_RELATIVE),
    )
    services.consent_record(actor=fa, person=person, purpose="referral", given=True, on=today)
    services.harm_case_open(actor=fa, person=person, harm_type=reg.child_labour, identified_on=today)
    html = login(fa).get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    kinds = re.findall(r'data-testid="timeline-item" data-kind="([a-z_]+)"', section(html, "timeline"))
    assert kinds[:3] == ["harm", "consent", "registered"], kinds


def test_timeline_ties_on_the_same_moment_go_by_id(reg):
    from mahalleh.registry.selectors import household_timeline

    fa, today = reg.world.facilitator_a, timezone.localdate()
    first = services.consent_record(actor=fa, person=reg.child_a, purpose="referral", given=True, on=today)
    second = services.consent_record(actor=fa, person=reg.child_a, purpose="referral", given=False, on=today)
    Consent.objects.filter(pk__in=[first.pk, second.pk]).update(recorded_at=first.recorded_at)
    consents = [i["obj"].pk for i in household_timeline(household=reg.household_a) if i["kind"] == "consent"]
    assert consents == [second.pk, first.pk]


def test_a_formula_typed_as_a_name_in_the_member_form_is_refused_at_the_field(reg, login):
    client = login(reg.world.facilitator_a)
    data = {
        "id_type": "none",
        "first_name": '=HYPERLINK("http://evil.example")',
        "last_name": "احمدی",
        "sex": "male",
        "relation": "sibling",
        "nationality": "iranian",
        "disability": "none",
    }
    response = client.post(url("person_create", reg.household_a.pk), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="first_name"' in html
    assert reg.household_a.members.count() == 3


def test_the_importer_and_the_services_share_one_name_rule():
    from django.core.exceptions import ValidationError

    from mahalleh.core import names
    from mahalleh.registry.importer import validate

    assert validate.looks_like_formula is names.looks_like_formula
    with pytest.raises(ValidationError) as caught:
        names.clean_person_name('=HYPERLINK("x")')
    assert caught.value.code == "formula"


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_names_in_the_timeline_are_isolated_from_the_sentence_around_them(reg, login, lang):
    """Issue #8.8: "Household of ۲محمد رضایی" — a Persian name inside an English sentence (or a Latin
    one in a Persian sentence) must not pull the words and digits around it into its direction."""
    fa = reg.world.facilitator_a
    services.consent_record(
        actor=fa, person=reg.head_a, purpose="registry", given=True, on=timezone.localdate()
    )
    client = login(fa)
    client.cookies["mahalleh_language"] = lang
    timeline = section(page(client, url("household_detail", reg.household_a.pk)), "timeline")
    assert f"<bdi>{reg.head_a.full_name}</bdi>" in timeline
