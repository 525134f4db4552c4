"""Registry list page: the search box and the list filters, as the facilitator types them."""

import pytest
from django.utils import timezone

from mahalleh.core.persian import to_persian_digits
from mahalleh.registry import services
from mahalleh.registry.models import Household
from tests.registry.conftest import CODE_HEAD_A, person_data
from tests.registry.pages import LIST, ZWNJ, page, persian, section, url

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
