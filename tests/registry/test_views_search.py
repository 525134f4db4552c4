"""Registry list page: the search box and the list filters, as the facilitator types them."""

import pytest
from django.utils import timezone, translation

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


def test_search_shows_50_residents_and_every_household_they_live_in(reg, login):
    # 55 residents named "سارا …", each heading a household of their own: the residents' table
    # shows the first 50 found, the household table all 55 households (two pages).
    fa = reg.world.facilitator_a
    for i in range(55):
        household = services.household_create(actor=fa, neighbourhood=reg.world.hood_a)
        services.person_create(
            actor=fa,
            household=household,
            **person_data(
                national_code=None, id_type="none", first_name="سارا", last_name=f"نام{i}", relation="head"
            ),
        )
    client = login(fa)
    html = page(client, LIST, q="سارا")
    assert section(html, "search-results").count('data-testid="search-result"') == 50
    assert html.count('data-testid="household-row"') == 50
    with translation.override("fa"):
        heading = translation.ngettext("%(total)s household", "%(total)s households", 55) % {"total": "۵۵"}
    assert f'<h2 class="h6">{heading}</h2>' in html
    second = page(client, LIST, q="سارا", page=2)
    assert second.count('data-testid="household-row"') == 5
    assert "محمدرضا احمدی" not in second  # the match narrows the households


def test_search_rows_are_escaped_and_show_dashes_and_the_household_number(reg, login, settings):
    fa = reg.world.facilitator_a
    household = services.household_create(actor=fa, neighbourhood=reg.world.hood_a)  # no phone
    services.person_create(
        actor=fa,
        household=household,
        **person_data(national_code=None, id_type="none", first_name="سارا", last_name="<b>رضایی</b>",
                      father_name="", relation="head", mobile=""),
    )  # fmt: skip
    html = page(login(fa), LIST, q="سارا")
    assert "<b>" not in html and "&lt;b&gt;رضایی&lt;/b&gt;" in html
    result = section(html, "search-result")
    link = persian("Household no. %(n)s") % {"n": to_persian_digits(str(household.pk))}
    assert link in result and url("household_detail", household.pk) in result
    # No father's name, no code, no mobile:
    assert result.count("<td>—</td>") == 1 and result.count('<span dir="ltr">—</span>') == 2
    row = section(html, "household-row")
    assert '<span dir="ltr">—</span>' in row  # no phone
    assert "<td>—</td>" in row  # no vulnerability score


def test_a_household_without_head_says_so_in_the_list(reg, login):
    hood = reg.world.hood_a
    empty = Household.objects.create(neighbourhood=hood, office_id=hood.office_id)
    table = section(page(login(reg.world.facilitator_a), LIST), "household-table")
    row = [r for r in table.split("<tr") if url("household_detail", empty.pk) in r][0]
    assert persian("(no head recorded)") in row
    assert f"<td>{to_persian_digits(str(empty.pk))}</td>" in row


def test_search_results_in_english_use_latin_digits(reg, login):
    client = login(reg.world.facilitator_a)
    client.cookies["mahalleh_language"] = "en"
    html = page(client, LIST, q="09121234567")
    result = section(html, "search-result")
    assert f"Household no. {reg.household_a.pk}" in result
    assert "09121234567" in result
