"""Registering a household on one page: errors at the field, duplicate warnings, the timeline."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from mahalleh.registry import services
from mahalleh.registry.models import Consent, Household, Person
from tests.registry.conftest import CODE_FREE, CODE_HEAD_A, person_data
from tests.registry.pages import (
    household_post,
    jalali,
    page,
    persian,
    section,
    url,
)

# --------------------------------------------------------------------------- register a household


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


def test_a_residents_timeline_is_their_own_entries_of_the_household_timeline(reg):
    from mahalleh.registry.selectors import household_timeline

    fa, today = reg.world.facilitator_a, timezone.localdate()
    services.consent_record(actor=fa, person=reg.child_a, purpose="referral", given=True, on=today)
    services.consent_record(actor=fa, person=reg.head_a, purpose="registry", given=True, on=today)
    services.harm_case_open(actor=fa, person=reg.child_a, harm_type=reg.child_labour, identified_on=today)
    whole = household_timeline(household=reg.household_a)
    own = household_timeline(household=reg.household_a, person=reg.child_a)
    expected = [i for i in whole if i["person"] is not None and i["person"].pk == reg.child_a.pk]
    assert [(i["kind"], i["obj"].pk) for i in own] == [(i["kind"], i["obj"].pk) for i in expected]
    assert {"registered", "consent", "harm"} <= {i["kind"] for i in own}


def test_a_long_timeline_shows_the_newest_entries_and_a_link_to_the_whole(reg, login, monkeypatch):
    from mahalleh.registry import views

    monkeypatch.setattr(views, "TIMELINE_SHOWN", 2)
    fa, today = reg.world.facilitator_a, timezone.localdate()
    for given in (True, False, True):
        services.consent_record(actor=fa, person=reg.child_a, purpose="referral", given=given, on=today)
    client = login(fa)
    for name, pk in (("household_detail", reg.household_a.pk), ("person_detail", reg.child_a.pk)):
        html = page(client, url(name, pk))
        assert len(re.findall(r'data-testid="timeline-item"', section(html, "timeline"))) == 2
        assert 'href="?timeline=all#timeline"' in section(html, "timeline-all")
        whole = page(client, url(name, pk), timeline="all")
        assert len(re.findall(r'data-testid="timeline-item"', section(whole, "timeline"))) > 2
        assert section(whole, "timeline-all") == ""
