"""Persian-aware search and the scoped household list (FTS5 on SQLite, pg_trgm LIKE on PostgreSQL)."""

import datetime

import pytest
from django.utils import timezone

from mahalleh.registry import search, selectors, services
from mahalleh.registry.models import Consent, Household, Person
from tests.registry.conftest import CODE_CHILD_A, CODE_HEAD_A, CODE_HEAD_B

ZWNJ = "\u200c"


def names(qs) -> set[str]:
    return {p.full_name for p in qs}


@pytest.mark.parametrize(
    "typed",
    [
        "محمدرضا",
        "محمد رضا",
        f"محمد{ZWNJ}رضا",
        "محمدرضا احمدی",
        "محمد رضا احمدي",  # Arabic yeh
        "رضا احمد",  # any part of the name, across first and last
        "  محمدرضا\u200f ",  # stray spaces and a bidi mark
    ],
)
def test_spellings_of_a_name_find_the_same_resident(reg, typed):
    found = selectors.person_search(user=reg.world.facilitator_a, query=typed)
    assert reg.head_a in found


def test_persian_yeh_finds_a_name_typed_with_arabic_yeh_and_kaf(reg):
    # Stored as "مليكا" (Arabic yeh); typed with the Persian keyboard.
    assert reg.daughter_a in selectors.person_search(user=reg.world.facilitator_a, query="ملیکا")
    assert reg.daughter_a in selectors.person_search(user=reg.world.facilitator_a, query="مليكا")


def test_arabic_yeh_query_finds_persian_yeh_name(reg):
    assert reg.child_a in selectors.person_search(user=reg.world.facilitator_a, query="علي احمدی")
    assert reg.child_a in selectors.person_search(user=reg.world.facilitator_a, query="علی احمدی")


def test_two_letter_query_still_finds_by_name(reg):
    # Below the trigram length: the plain substring match answers.
    assert reg.child_a in selectors.person_search(user=reg.world.facilitator_a, query="عل")


@pytest.mark.parametrize(
    "typed", ["09121234567", "۰۹۱۲۱۲۳۴۵۶۷", "0912 123 4567", "+98 912 123 4567", "9121234567"]
)
def test_mobile_in_any_spelling_finds_the_resident(reg, typed):
    assert list(selectors.person_search(user=reg.world.facilitator_a, query=typed)) == [reg.head_a]


def test_national_code_in_persian_digits_finds_the_resident(reg):
    persian = CODE_CHILD_A.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert list(selectors.person_search(user=reg.world.facilitator_a, query=persian)) == [reg.child_a]
    # A spreadsheet dropped the leading zero.
    assert list(selectors.person_search(user=reg.world.facilitator_a, query=CODE_CHILD_A[1:])) == [
        reg.child_a
    ]


def test_search_is_scoped_to_the_users_office(reg):
    w = reg.world
    # علی احمدی matches too: his father's name is محمدرضا.
    assert names(selectors.person_search(user=w.facilitator_a, query="محمدرضا")) == {
        "محمدرضا احمدی",
        "علی احمدی",
    }
    assert names(selectors.person_search(user=w.facilitator_b, query="محمدرضا")) == {"محمدرضا کریمی"}
    assert not selectors.person_search(user=w.facilitator_a, query=CODE_HEAD_B).exists()
    assert not selectors.person_search(user=w.facilitator_a, query="09127654321").exists()
    # The province coordinator of Kerman sees both offices; the one of Fars neither.
    assert names(selectors.person_search(user=w.coordinator, query="محمدرضا ک")) == {"محمدرضا کریمی"}
    assert len(selectors.person_search(user=w.coordinator, query="محمدرضا")) == 3
    assert not selectors.person_search(user=w.coordinator_fars, query="محمدرضا").exists()


@pytest.mark.parametrize("who", ["analyst", "pr_a", "partner_user"])
def test_roles_without_personal_data_find_nobody(reg, who):
    user = getattr(reg.world, who)
    assert not selectors.person_search(user=user, query="محمدرضا").exists()
    assert not selectors.person_search(user=user, query=CODE_HEAD_A).exists()
    assert not selectors.household_list(user=user).exists()


def test_renamed_resident_is_found_by_the_new_name_only(reg):
    services.person_update(actor=reg.world.facilitator_a, person=reg.child_a, first_name="امیرحسین")
    assert reg.child_a in selectors.person_search(user=reg.world.facilitator_a, query="امیر حسین")
    assert reg.child_a not in selectors.person_search(user=reg.world.facilitator_a, query="علی احمدی")


def test_classify_tells_codes_mobiles_and_names_apart():
    assert search.classify("۰۹۱۲۱۲۳۴۵۶۷") == ("mobile", "09121234567")
    assert search.classify("0012345678")[0] == "national_code"
    assert search.classify("12345678") == ("national_code", "0012345678")
    assert search.classify("محمد رضا") == ("name", "محمدرضا")


# --------------------------------------------------------------------------- household list filters


def test_household_list_query_finds_the_household_of_a_member(reg):
    found = selectors.household_list(user=reg.world.facilitator_a, query="ملیکا")
    assert list(found) == [reg.household_a]


def test_household_list_filters_by_open_harm(reg):
    fa = reg.world.facilitator_a
    case = services.harm_case_open(
        actor=fa, person=reg.child_a, harm_type=reg.child_labour, identified_on=timezone.localdate()
    )
    assert list(selectors.household_list(user=fa, harm_type=reg.child_labour)) == [reg.household_a]
    services.harm_case_transition(actor=fa, case=case, to_status="resolved", on=timezone.localdate())
    assert not selectors.household_list(user=fa, harm_type=reg.child_labour).exists()


def test_household_list_filters_by_age_group_of_living_members(reg):
    fa = reg.world.facilitator_a
    on = datetime.date(2025, 1, 1)
    assert list(selectors.household_list(user=fa, age_group="child", on=on)) == [reg.household_a]
    assert not selectors.household_list(user=fa, age_group="elderly", on=on).exists()
    # Children aged 9 and 14 on that date: the 14-year-old is an adolescent.
    assert list(selectors.household_list(user=fa, age_group="adolescent", on=on)) == [reg.household_a]


def test_household_list_consent_filter_follows_the_consent_in_force(reg):
    fa = reg.world.facilitator_a
    today = timezone.localdate()
    assert list(selectors.household_list(user=fa, consent="missing")) == [reg.household_a]
    services.consent_record(
        actor=fa,
        person=reg.head_a,
        purpose=Consent.Purpose.REGISTRY,
        given=True,
        on=today - datetime.timedelta(1),
    )
    assert list(selectors.household_list(user=fa, consent="given")) == [reg.household_a]
    assert not selectors.household_list(user=fa, consent="missing").exists()
    # Withdrawn later: no longer counts as given.
    services.consent_record(
        actor=fa, person=reg.head_a, purpose=Consent.Purpose.REGISTRY, given=False, on=today
    )
    assert not selectors.household_list(user=fa, consent="given").exists()
    assert list(selectors.household_list(user=fa, consent="missing")) == [reg.household_a]


def test_household_list_filters_by_minimum_vulnerability(reg):
    fa = reg.world.facilitator_a
    services.assessment_record(
        actor=fa, household=reg.household_a, on=timezone.localdate(), answers={"no_income": True}
    )  # 3 of 20 = 15
    assert list(selectors.household_list(user=fa, vulnerability_min=15)) == [reg.household_a]
    assert not selectors.household_list(user=fa, vulnerability_min=16).exists()


def test_household_list_neighbourhood_filter_and_scope(reg):
    w = reg.world
    assert list(selectors.household_list(user=w.facilitator_a)) == [reg.household_a]
    assert list(selectors.household_list(user=w.facilitator_a, neighbourhood=w.hood_b)) == []
    assert set(selectors.household_list(user=w.coordinator)) == {reg.household_a, reg.household_b}
    assert set(selectors.household_list(user=w.admin)) == set(Household.objects.all())


def test_timeline_lists_everything_newest_first(reg):
    fa = reg.world.facilitator_a
    today = timezone.localdate()
    services.harm_case_open(
        actor=fa, person=reg.head_a, harm_type=reg.addiction, identified_on=today - datetime.timedelta(10)
    )
    services.consent_record(
        actor=fa,
        person=reg.head_a,
        purpose=Consent.Purpose.REGISTRY,
        given=True,
        on=today - datetime.timedelta(20),
    )
    services.person_set_status(actor=fa, person=reg.daughter_a, status=Person.Status.MOVED_AWAY, on=today)
    household = selectors.household_get(user=fa, pk=reg.household_a.pk)
    items = selectors.household_timeline(household=household)
    kinds = [i["kind"] for i in items]
    assert {"registered", "harm", "consent", "status"} <= set(kinds)
    dates = [i["on"] for i in items]
    assert dates == sorted(dates, reverse=True)
    assert items[-1]["kind"] == "consent"
