"""The one-page household registration (issue 8.2): the household, its head and any number of
members on one page, saved by one service call in one transaction; each error at its row."""

import datetime
import re

from django.urls import reverse
from django.utils import translation

from mahalleh.core.jalali import format_jalali
from mahalleh.core.national_code import make_national_code
from mahalleh.core.persian import to_persian_digits
from mahalleh.registry.models import Household, Person
from tests.registry.conftest import CODE_FREE, CODE_HEAD_A

NEW = reverse("registry:household_create")
ROW = reverse("registry:household_member_row")


def persian(msgid: str) -> str:
    with translation.override("fa"):
        return translation.gettext(msgid)


def section(html: str, testid: str) -> str:
    """The HTML of the element with this data-testid (its tag included), or "" when absent."""
    at = html.find(f'data-testid="{testid}"')
    if at < 0:
        return ""
    start = html.rfind("<", 0, at)
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth, pos = 0, start
    for m in re.compile(rf"<(/?){tag}\b[^>]*>").finditer(html, start):
        depth += -1 if m.group(1) else 1
        pos = m.end()
        if depth == 0:
            break
    return html[start:pos]


def head(world, **overrides) -> dict:
    data = {
        "neighbourhood": world.hood_a.pk,
        "address": "کوچه نرگس، پلاک ۴",
        "tenure": "rented",
        "income_band": "low",
        "id_type": "national_code",
        "national_code": to_persian_digits(CODE_FREE),
        "first_name": "رضا",
        "last_name": "موسوی",
        "sex": "male",
        "birth_date": "۱۳۶۵/۰۴/۱۲",
        "nationality": "iranian",
        "school_enrolled": "unknown",
        "disability": "none",
        "mobile": "۰۹۱۳۱۱۱۲۲۳۳",
    }
    data.update(overrides)
    return data


def member(index: int, first_name: str, relation: str, birth_date: str, **overrides) -> dict:
    fields = {
        "id_type": "none",
        "first_name": first_name,
        "last_name": "موسوی",
        "sex": "female" if relation == "spouse" else "male",
        "birth_date": birth_date,
        "relation": relation,
        "nationality": "iranian",
        "school_enrolled": "unknown",
        "disability": "none",
    }
    fields.update(overrides)
    return {f"member-{index}-{k}": v for k, v in fields.items()}


def four(world, **head_overrides) -> dict:
    """A household of four: the head, his wife and two children (row 1 was removed on the page,
    so the members are rows 0, 2 and 3 of the form: their numbers stay)."""
    return {
        **head(world, **head_overrides),
        **member(0, "مریم", "spouse", "۱۳۶۸/۰۲/۰۱"),
        **member(2, "علی", "child", "۱۳۹۵/۰۷/۱۵"),
        **member(3, "سارا", "child", "1398/11/20", sex="female"),
    }


def test_a_household_of_four_is_saved_by_one_post(reg, login):
    client = login(reg.world.facilitator_a)
    response = client.post(NEW, four(reg.world))
    household = Household.objects.get(address="کوچه نرگس، پلاک ۴")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[household.pk])
    people = {p.first_name: p for p in household.members.all()}
    assert set(people) == {"رضا", "مریم", "علی", "سارا"}
    assert household.head == people["رضا"] and people["رضا"].relation == Person.Relation.HEAD
    assert people["مریم"].relation == Person.Relation.SPOUSE
    assert people["سارا"].birth_date == datetime.date(2020, 2, 9)  # 1398/11/20
    html = client.get(response["Location"]).content.decode()
    message = persian("The household and its %(count)s members were registered.") % {"count": "۴"}
    assert message in html
    for name in ("رضا موسوی", "مریم موسوی", "علی موسوی", "سارا موسوی"):
        assert name in section(html, "member-table")


def test_a_refused_member_is_shown_at_its_row_and_nothing_is_saved(reg, login):
    client = login(reg.world.facilitator_a)
    households, people = Household.objects.count(), Person.objects.count()
    bad_code = CODE_FREE[:9] + str((int(CODE_FREE[9]) + 1) % 10)
    data = four(reg.world, national_code=make_national_code("056789123"))
    data.update(member(2, "علی", "child", "۱۳۹۵/۰۷/۱۵", id_type="national_code", national_code=bad_code))
    response = client.post(NEW, data)
    assert response.status_code == 200
    html = response.content.decode()
    row = section(html, "member-row-2")
    assert 'data-field-error="national_code"' in row
    assert persian("This national code is not valid: its last digit (the check digit) does not match.") in row
    # The error is tied to its input, and the other rows are clean.
    box = re.search(r'<input[^>]*name="member-2-national_code"[^>]*>', row).group(0)
    assert 'aria-invalid="true"' in box and "id_member-2-national_code_error" in box, box
    assert 'id="id_member-2-national_code_error"' in row
    assert "data-field-error" not in section(html, "member-row-0")
    assert "data-field-error" not in section(html, "member-row-3")
    # What was typed is still there, and the row keeps its number (member ۴: rows 0, 2, 3).
    assert 'value="سارا"' in section(html, "member-row-3")
    assert "۴" in row
    summary = section(html, "form-errors")
    assert summary and "۴" in summary
    assert (Household.objects.count(), Person.objects.count()) == (households, people)


def test_an_invalid_row_field_is_shown_at_its_row_before_anything_is_tried(reg, login):
    client = login(reg.world.facilitator_a)
    households = Household.objects.count()
    data = four(reg.world)
    data["member-3-birth_date"] = "1398/13/40"
    del data["member-0-relation"]
    html = client.post(NEW, data).content.decode()
    assert 'data-field-error="birth_date"' in section(html, "member-row-3")
    assert 'data-field-error="relation"' in section(html, "member-row-0")
    assert "data-field-error" not in section(html, "member-row-2")
    assert Household.objects.count() == households


def test_a_likely_duplicate_member_is_warned_at_its_row_and_can_be_confirmed_there(reg, login):
    client = login(reg.world.facilitator_a)
    households = Household.objects.count()
    same = format_jalali(reg.head_a.birth_date, persian_digits=True)
    data = four(reg.world)
    data.update(member(2, "محمدرضا", "sibling", same, last_name="احمدی"))
    html = client.post(NEW, data).content.decode()
    row = section(html, "member-row-2")
    warning = section(row, "duplicate-warning")
    assert warning, "the warning is shown at the member's row"
    assert reverse("registry:household_detail", args=[reg.household_a.pk]) in warning
    assert 'name="member-2-confirm_duplicate"' in warning
    assert section(section(html, "member-row-0"), "duplicate-warning") == ""
    assert Household.objects.count() == households
    # Ticking "save anyway" at that row saves all four.
    data["member-2-confirm_duplicate"] = "on"
    response = client.post(NEW, data)
    assert response.status_code == 302
    assert Household.objects.count() == households + 1
    assert Household.objects.get(address="کوچه نرگس، پلاک ۴").members.count() == 4


def test_a_duplicate_national_code_at_a_member_row_cannot_be_confirmed(reg, login):
    client = login(reg.world.facilitator_a)
    data = four(reg.world)
    data.update(member(3, "سارا", "child", "1398/11/20", id_type="national_code", national_code=CODE_HEAD_A))
    html = client.post(NEW, data).content.decode()
    row = section(html, "member-row-3")
    assert persian("A resident with this national code is already registered.") in row
    assert 'name="member-3-confirm_duplicate"' not in row
    assert 'data-field-error="national_code"' in row


def test_add_member_returns_an_empty_numbered_row_and_the_next_index(reg, login):
    client = login(reg.world.facilitator_a)
    html = client.get(ROW, {"next": "4"}).content.decode()
    assert 'name="member-4-first_name"' in html
    assert 'id="member-next"' in html and 'value="5"' in html and "hx-swap-oob" in html
    assert "data-remove-row" in html
    # Each input's label names its row for screen readers.
    label = html.split('for="id_member-4-first_name"')[1].split("</label>")[0]
    assert "۶" in label


def test_the_page_starts_with_the_household_and_its_head_and_an_add_member_button(reg, login):
    client = login(reg.world.facilitator_a)
    html = client.get(NEW).content.decode()
    assert 'data-testid="member-row-head"' in html
    assert 'data-testid="add-member-row"' in html and f'hx-get="{ROW}"' in html
    assert 'aria-live="polite"' in html


def test_persian_placeholders_and_plausible_picker_years(reg, login):
    client = login(reg.world.facilitator_a)
    html = client.get(NEW).content.decode()
    assert 'placeholder="۱۳۶۵/۰۵/۰۳"' in html
    assert 'placeholder="۰۹۱۲۱۲۳۴۵۶۷"' in html
    assert "1402/05/03" not in html and "09121234567" not in html
    years = re.search(r'data-birth-years="([^"]+)"', html).group(1).replace("&quot;", '"')
    import json

    years = json.loads(years)
    assert 1360 <= years["head"] <= 1370 and 1390 <= years["child"] <= 1400
    row = client.get(ROW, {"next": "0"}).content.decode()
    assert 'placeholder="۱۳۶۵/۰۵/۰۳"' in row and 'data-relation-default="child"' in row


def test_english_placeholders_use_latin_digits(reg, login):
    client = login(reg.world.facilitator_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(NEW).content.decode()
    assert 'placeholder="1365/05/03"' in html and 'placeholder="09121234567"' in html
    assert "۱۳۶۵" not in html
    row = client.get(ROW, {"next": "1"}).content.decode()
    assert "Member 3" in row and 'placeholder="1365/05/03"' in row


def test_roles_that_may_not_edit_get_404_on_the_row_partial(reg, login):
    for who in ("coordinator", "analyst"):
        assert login(getattr(reg.world, who)).get(ROW).status_code == 404


def test_a_row_added_and_left_empty_is_left_out(reg, login):
    client = login(reg.world.facilitator_a)
    data = four(reg.world)
    # What the browser posts for an untouched row: only the choices that have a default.
    data.update({"member-5-id_type": "national_code", "member-5-nationality": "iranian",
                 "member-5-disability": "none", "member-5-school_enrolled": "unknown"})  # fmt: skip
    response = client.post(NEW, data)
    assert response.status_code == 302
    assert Household.objects.get(address="کوچه نرگس، پلاک ۴").members.count() == 4
