"""The registry journey of a facilitator (issue 3, item 9), in Chromium against the live server.

A household of four registered with Jalali birth dates (Latin and Persian digits), a social harm
recorded for a child and moved to "in care", the child found again by typing the name with an
Arabic yeh, and a small spreadsheet imported: its two bad rows explained before anything is saved,
then the rest committed.
"""

import importlib
import re

import jdatetime
import pytest
import xlsxwriter
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.core.jalali import parse_date
from mahalleh.core.national_code import make_national_code, normalize_national_code
from mahalleh.core.persian import localized_digits
from mahalleh.registry.importer.columns import COLUMNS
from mahalleh.registry.importer.jobs import import_job_create, import_job_run
from mahalleh.registry.models import HarmCase, HarmType, Household, ImportJob, Person
from tests.e2e.conftest import axe_violations, sign_in, snap, submit, with_axe

pytestmark = pytest.mark.e2e

PERSIAN_DIGIT = re.compile(r"[۰-۹]")
LATIN_DIGIT = re.compile(r"[0-9]")
ARABIC_YEH, PERSIAN_YEH, ZWNJ = "\u064a", "\u06cc", "\u200c"

# The household of the journey: the head, then the members added as rows of the same page.
# Birth dates exactly as a facilitator types them (the spouse's in Persian digits).
HEAD = {
    "code": make_national_code("298100001"),
    "first": "رضا",
    "last": f"حسین{ZWNJ}زاده",
    "father": "محمود",
    "sex": "male",
    "birth": "1360/04/12",
    "jalali": (1360, 4, 12),
}
MEMBERS = [
    {
        "code": make_national_code("298100002"),
        "first": "مریم",
        "last": "کریمی",
        "father": "حسن",
        "sex": "female",
        "birth": "۱۳۶۲/۰۷/۰۱",
        "jalali": (1362, 7, 1),
        "relation": "spouse",
    },
    {
        "code": make_national_code("298100003"),
        "first": "علی",  # Persian yeh; searched below with an Arabic one
        "last": f"حسین{ZWNJ}زاده",
        "father": "رضا",
        "sex": "male",
        "birth": "1390/01/15",
        "jalali": (1390, 1, 15),
        "relation": "child",
    },
    {
        "code": make_national_code("298100004"),
        "first": "زهرا",
        "last": f"حسین{ZWNJ}زاده",
        "father": "رضا",
        "sex": "female",
        "birth": "1395/11/20",
        "jalali": (1395, 11, 20),
        "relation": "child",
    },
]
CHILD = MEMBERS[1]


def fa(text: str) -> str:
    """The Persian translation of an English msgid, from the compiled catalogue."""
    with translation.override("fa"):
        return gettext(text)


def jalali_shown(parts: tuple[int, int, int]) -> str:
    """How the Persian UI shows a date: ۱۳۶۲/۰۷/۰۱."""
    return str(localized_digits("{:04d}/{:02d}/{:02d}".format(*parts)))


def age_today(parts: tuple[int, int, int]) -> int:
    born = jdatetime.date(*parts).togregorian()
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@pytest.fixture
def harm_types(demo):
    """The seeded harm taxonomy. Its migration put it in the test database, but an earlier browser
    test's flush (transactional_db) may have emptied the table since."""
    seed = importlib.import_module("mahalleh.registry.migrations.0002_search_and_seed").seed
    seed(apps, None)
    return HarmType.objects.all()


def type_date(page, selector: str, text: str) -> None:
    """Type a date into a Jalali-picker box as a person does, then tab away (which closes the picker)."""
    box = page.locator(selector)
    box.click()
    expect(page.locator("jdp-container")).to_be_visible()
    box.press("Control+a")
    box.press_sequentially(text)
    box.press("Tab")
    # The calendar closes and stays closed past its own opening transition (issue 8.17).
    expect(page.locator("body[data-date-picker=closed]")).to_have_count(1)
    expect(page.locator("jdp-container")).to_be_hidden()
    expect(box).to_have_value(text)


def fill_person(page, person: dict, prefix: str = "") -> None:
    """The resident fields of a row of the household page (the head's have no prefix, the other
    members' are "member-<n>-")."""
    expect(page.locator(f"#id_{prefix}id_type")).to_have_value("national_code")
    expect(page.locator(f"#id_{prefix}national_code")).to_be_visible()
    page.fill(f"#id_{prefix}national_code", person["code"])
    page.fill(f"#id_{prefix}first_name", person["first"])
    page.fill(f"#id_{prefix}last_name", person["last"])
    page.fill(f"#id_{prefix}father_name", person["father"])
    page.select_option(f"#id_{prefix}sex", person["sex"])
    if "relation" in person:
        page.select_option(f"#id_{prefix}relation", person["relation"])
    type_date(page, f"#id_{prefix}birth_date", person["birth"])


def test_facilitator_registers_a_household_records_a_harm_and_finds_a_child(page, harm_types):
    facilitator = User.objects.get(username="facilitator")
    hood = facilitator.office.neighbourhoods.order_by("code").first()
    child_labour = HarmType.objects.get(code="child_labour")
    in_care = fa("in care")
    assert in_care != "in care"  # the catalogue is compiled and has it

    sign_in(page, "facilitator")

    # 1. Register the household, its head and the other members on one page, from the registry page.
    page.locator("a[href='/registry/']").first.click()
    page.wait_for_url("/registry/")
    expect(page.locator("[data-testid=household-row]")).to_have_count(0)
    page.locator("[data-testid=add-household]").click()
    page.wait_for_url("/registry/households/new/")
    page.select_option("#id_neighbourhood", str(hood.pk))
    page.fill("#id_address", "کوچه ۱۴، پلاک ۷")
    fill_person(page, HEAD)
    # ... the spouse and the two children in rows added on the same page.
    for index, member in enumerate(MEMBERS):
        page.locator("[data-testid=add-member-row]").click()
        expect(page.locator(f"[data-testid=member-row-{index}]")).to_be_visible()
        fill_person(page, member, prefix=f"member-{index}-")
    page.locator("[data-testid=save-household]").click()
    page.wait_for_url(re.compile(r"/registry/households/\d+/$"))
    expect(page.locator(".alert-success")).to_be_visible()
    household = Household.objects.get()
    household_url = f"/registry/households/{household.pk}/"

    people = [HEAD, *MEMBERS]
    rows = page.locator("[data-testid=member-row]")
    expect(rows).to_have_count(4)
    for person in people:
        row = rows.filter(has_text=f"{person['first']} {person['last']}")
        expect(row).to_have_count(1)
        age_cell = row.locator("td").nth(3)
        expect(age_cell).to_contain_text(f"({localized_digits(age_today(person['jalali']))} ")
        assert not LATIN_DIGIT.search(age_cell.inner_text()), age_cell.inner_text()
        expect(row.locator("td").nth(4)).to_have_text(str(localized_digits(person["code"])))
    expect(rows.filter(has_text=CHILD["first"]).locator("td").nth(1)).to_have_text(fa("child"))
    registered = page.locator("[data-testid=timeline-item][data-kind=registered]")
    expect(registered).to_have_count(4)
    for person in people:
        sentence = fa("%(name)s was registered.") % {"name": f"{person['first']} {person['last']}"}
        expect(registered.filter(has_text=sentence)).to_have_count(1)
    today = jdatetime.date.fromgregorian(date=timezone.localdate())
    today_shown = jalali_shown((today.year, today.month, today.day))
    expect(registered.first).to_contain_text(today_shown)
    snap(page, "registry_household_of_four")

    # The birth dates were stored as typed, Jalali, whatever the digits.
    for person in people:
        stored = Person.objects.get(national_code=person["code"])
        assert stored.birth_date == jdatetime.date(*person["jalali"]).togregorian()
        assert stored.household_id == household.pk

    # 2. A social harm for the boy, then "in care".
    page.locator("[data-testid=record-harm]").click()
    page.locator(".dropdown-menu.show a", has_text=CHILD["first"]).click()
    child = Person.objects.get(national_code=CHILD["code"])
    page.wait_for_url(f"/registry/people/{child.pk}/harms/new/")
    page.select_option("#id_harm_type", label=child_labour.name_fa)
    page.fill("#id_note", "در چهارراه گل می‌فروشد.")
    submit(page)
    page.wait_for_url(f"/registry/people/{child.pk}/")
    harm_row = page.locator("[data-testid=harm-table] [data-testid=harm-row]")
    expect(harm_row).to_have_count(1)
    expect(harm_row).to_contain_text(child_labour.name_fa)
    expect(harm_row.locator("[data-testid=harm-status]")).to_have_text(fa("identified"))
    expect(page.locator("[data-testid=birth-date]")).to_contain_text(jalali_shown(CHILD["jalali"]))

    harm_row.locator("a[href*='/registry/harms/']").click()
    page.wait_for_url(re.compile(r"/registry/harms/\d+/status/$"))
    page.select_option("#id_to_status", label=in_care)
    page.fill("#id_note", "در کلاس جبرانی ثبت‌نام شد.")
    submit(page)
    page.wait_for_url(f"/registry/people/{child.pk}/")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(harm_row.locator("[data-testid=harm-status]")).to_have_text(in_care)
    assert HarmCase.objects.get(person=child).status == HarmCase.Status.IN_CARE

    page.goto(household_url)
    harms = page.locator("[data-testid=timeline-item][data-kind=harm]")
    expect(harms).to_have_count(2)  # identified, then the move to "in care"
    child_name = f"{CHILD['first']} {CHILD['last']}"
    identified = fa("%(harm)s identified for %(name)s.") % {"harm": child_labour.name_fa, "name": child_name}
    expect(harms.filter(has_text=identified)).to_have_count(1)
    moved = harms.filter(
        has_text=fa("%(harm)s (%(name)s): from “%(old)s” to “%(new)s”.")
        % {"harm": child_labour.name_fa, "name": child_name, "old": fa("identified"), "new": in_care}
    )
    expect(moved).to_have_count(1)
    expect(moved).to_contain_text("در کلاس جبرانی ثبت‌نام شد.")
    expect(page.locator("[data-testid=harm-table] [data-testid=harm-status]")).to_have_text(in_care)
    page.locator("[data-testid=timeline]").scroll_into_view_if_needed()
    snap(page, "registry_household_timeline")

    # 3. Search from the registry page: "علي" typed with an Arabic yeh finds «علی».
    page.locator("a[href='/registry/']").first.click()
    page.wait_for_url("/registry/")
    arabic_ali = CHILD["first"].replace(PERSIAN_YEH, ARABIC_YEH)
    assert arabic_ali != CHILD["first"]
    page.fill("#id_q", arabic_ali)
    page.press("#id_q", "Enter")
    page.wait_for_url(re.compile(r"/registry/\?q="))
    results = page.locator("[data-testid=search-result]")
    expect(results).to_have_count(1)
    expect(results.locator("a").first).to_have_text(f"{CHILD['first']} {CHILD['last']}")
    expect(results).to_contain_text(jalali_shown(CHILD["jalali"]))
    expect(results.locator("[data-testid=search-result-household]")).to_have_attribute("href", household_url)
    snap(page, "registry_search_arabic_yeh")

    # ... and the family name typed with a space where it has a ZWNJ finds the three who carry it.
    page.fill("#id_q", "حسین زاده")
    page.press("#id_q", "Enter")
    expect(page.locator("[data-testid=search-results] h2")).to_contain_text("حسین زاده")
    expect(results).to_have_count(3)
    found = results.evaluate_all("rows => rows.map(r => r.querySelector('a').textContent.trim())")
    assert sorted(found) == sorted(f"{p['first']} {p['last']}" for p in (HEAD, MEMBERS[1], MEMBERS[2]))
    snap(page, "registry_search_space_for_zwnj")

    page.get_by_role("link", name=f"{CHILD['first']} {CHILD['last']}", exact=True).click()
    page.wait_for_url(f"/registry/people/{child.pk}/")
    expect(page.locator("[data-testid=person-title]")).to_contain_text(CHILD["first"])


# --------------------------------------------------------------------------- import


def build_xlsx(path, rows: list[dict]) -> None:
    """A sheet with the template's Persian headers, one row per person, every cell as text."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("خانوارها")
    sheet.right_to_left()
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.fa)
    for r, row in enumerate(rows, start=1):
        for col, column in enumerate(COLUMNS):
            if column.key in row:
                sheet.write_string(r, col, row[column.key])
    book.close()


def refusal(check) -> str:
    """The Persian message of a core validator's refusal (what the import must say too)."""
    with translation.override("fa"):
        try:
            check()
        except ValidationError as exc:
            return " ".join(str(m) for m in exc.messages)
    raise AssertionError("the value was accepted")


def resident(key, relation, first, last, sex, birth, code, **household) -> dict:
    return {
        "household_key": key,
        "relation": relation,
        "first_name": first,
        "last_name": last,
        "sex": sex,
        "birth_date": birth,
        "national_code": code,
        **household,
    }


def test_facilitator_imports_a_spreadsheet_sees_two_bad_rows_then_commits_the_rest(page, tmp_path):
    facilitator = User.objects.get(username="facilitator")
    hood = facilitator.office.neighbourhoods.order_by("code").first()
    header = {c.key: c.fa for c in COLUMNS}
    good_code = make_national_code("298200006")
    bad_code = good_code[:9] + str((int(good_code[9]) + 1) % 10)  # the check digit is off by one
    bad_date = "1402/12/30"  # 1402 is not a leap year: Esfand has 29 days

    rows = [  # spreadsheet rows 2 to 8 (row 1 is the heading); two households
        resident("H-501", "سرپرست", "حمید", "نوروزی", "مرد", "1355/03/10", make_national_code("298200001"),
                 neighbourhood=hood.code, address="خیابان شهید بهشتی، کوچه ۳"),
        resident("H-501", "همسر", "سمیرا", "نوروزی", "زن", "۱۳۵۸/۰۶/۲۰", make_national_code("298200002")),
        resident("H-501", "فرزند", "امیر", "نوروزی", "مرد", "1385-2-1", make_national_code("298200003")),
        resident("H-501", "فرزند", "کیان", "نوروزی", "مرد", bad_date, make_national_code("298200004")),
        resident("H-502", "سرپرست", "لیلا", "صادقی", "زن", "1365/09/09", make_national_code("298200005"),
                 neighbourhood=hood.code, address="بلوار جمهوری، پلاک ۲۱"),
        resident("H-502", "فرزند", "نرگس", "صادقی", "زن", "1392/05/03", good_code),
        resident("H-502", "فرزند", "پویا", "صادقی", "مرد", "1394/08/14", bad_code),
    ]  # fmt: skip
    # row -> (column, value, reason): the reasons are those of the core validators, in Persian.
    bad_rows = {
        5: ("birth_date", bad_date, refusal(lambda: parse_date(bad_date))),
        8: ("national_code", bad_code, refusal(lambda: normalize_national_code(bad_code))),
    }
    good_names = ["حمید", "سمیرا", "امیر", "لیلا", "نرگس"]
    xlsx = tmp_path / "خانوارهای محله.xlsx"
    build_xlsx(xlsx, rows)

    sign_in(page, "facilitator")
    page.locator("a[href='/registry/']").first.click()
    page.wait_for_url("/registry/")
    page.locator("[data-testid=import-link]").click()
    page.wait_for_url("/registry/import/")
    page.locator("#id_file").set_input_files(str(xlsx))
    submit(page)
    page.wait_for_url(re.compile(r"/registry/import/\d+/$"))

    # The dry run (the page polls until the check is done): every bad row explained, nothing saved.
    status = page.locator("[data-testid=import-status]")
    expect(status).to_have_attribute("data-status", "validated", timeout=30_000)
    counts = page.locator("[data-testid=import-counts]")
    for name, n in {"rows_total": 7, "rows_valid": 5, "rows_invalid": 2, "rows_empty": 0}.items():
        expect(counts.locator(f"[data-count={name}]")).to_have_text(str(localized_digits(n)))
    errors = page.locator("[data-testid=import-errors] tbody tr")
    expect(errors).to_have_count(2)
    for row_no, (key, value, reason) in bad_rows.items():
        cells = page.locator(f"[data-testid=import-errors] tbody tr[data-row='{row_no}'] td")
        expect(cells.nth(0)).to_have_text(str(localized_digits(row_no)))
        expect(cells.nth(1)).to_have_text(header[key])
        expect(cells.nth(2)).to_have_text(value)
        expect(cells.nth(3)).to_have_text(reason)
    preview = page.locator("[data-testid=import-preview] tbody tr")
    expect(preview).to_have_count(5)
    for first_name in good_names:
        expect(preview.filter(has_text=first_name)).to_have_count(1)
    assert not Person.objects.exists()
    assert not Household.objects.exists()
    snap(page, "registry_import_dry_run")

    # Commit: the five good rows are saved, the two bad ones are not.
    page.locator("[data-testid=import-commit]").click()
    expect(status).to_have_attribute("data-status", "committed", timeout=30_000)
    expect(page.locator("[data-testid=import-done]")).to_be_visible()
    snap(page, "registry_import_committed")

    page.locator("[data-testid=import-done] a").click()
    page.wait_for_url("/registry/")
    households = page.locator("[data-testid=household-row]")
    expect(households).to_have_count(2)
    for head, members in (("حمید نوروزی", 3), ("لیلا صادقی", 2)):
        row = households.filter(has=page.get_by_role("link", name=head, exact=True))
        expect(row.locator("td").nth(3)).to_have_text(str(localized_digits(members)))
    snap(page, "registry_import_households")
    assert sorted(Person.objects.values_list("first_name", flat=True)) == sorted(good_names)
    head = Person.objects.get(first_name="حمید")
    assert head.birth_date == jdatetime.date(1355, 3, 10).togregorian()
    assert head.household.external_id == "H-501"


def test_a_date_typed_fast_then_tab_closes_the_calendar_for_good(page):
    """Issue 8.17: typing a date and pressing Tab within the picker's 300 ms opening transition left
    the calendar open over the next field (its own timer showed it again after our hide)."""
    sign_in(page, "facilitator")
    page.goto("/registry/households/new/")
    box = page.locator("input[data-jdp]").first
    box.focus()
    expect(page.locator("jdp-container")).to_be_visible()
    box.fill("1362/07/01")
    box.press("Tab")  # at once: well inside the transition
    expect(page.locator("body[data-date-picker=closed]")).to_have_count(1)
    expect(page.locator("jdp-container")).to_be_hidden()
    expect(box).to_have_value("1362/07/01")


# What a screen reader is given: the text of the live region each time its content changes.
RECORD_LIVE_REGION = """() => {
  const region = document.querySelector('[data-testid=import-live]');
  region.dataset.original = '1';  // the same element must still be there afterwards
  window.announced = [];
  new MutationObserver(() => window.announced.push(region.textContent.replace(/\\s+/g, ' ').trim()))
    .observe(region, {childList: true, subtree: true, characterData: true});
}"""


def test_the_import_page_announces_progress_and_result_in_a_live_region_and_passes_axe(page, tmp_path):
    """Issue #16 item 3: while the dry run works, its progress is read out, then its result, from
    one polite live region that stays in the page while htmx swaps its content; axe-core finds
    nothing wrong with the page in either state."""
    facilitator = User.objects.get(username="facilitator")
    hood = facilitator.office.neighbourhoods.order_by("code").first()
    rows = [
        resident("H-601", "سرپرست", "مهدی", "کرمانی", "مرد", "1358/02/02", make_national_code("298400001"),
                 neighbourhood=hood.code, address="کوچه لاله"),
        resident("H-601", "فرزند", "سحر", "کرمانی", "زن", "1402/12/30", make_national_code("298400002")),
    ]  # fmt: skip
    xlsx = tmp_path / "کرمانی.xlsx"
    build_xlsx(xlsx, rows)
    # Stored and queued, as the upload leaves it; the worker has not started on it yet.
    with open(xlsx, "rb") as f:
        job = import_job_create(actor=facilitator, upload=File(f, name=xlsx.name), language="fa")
    # The worker is a third of the way through (as import_job_run reports its progress).
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING, progress=33)

    with_axe(page)
    sign_in(page, "facilitator")
    page.goto(f"/registry/import/{job.pk}/")
    live = page.get_by_test_id("import-live")
    expect(live).to_have_attribute("aria-live", "polite")
    status = live.get_by_test_id("import-status")
    expect(status).to_have_attribute("data-status", "validating")
    progress = live.get_by_role("progressbar")
    expect(progress).to_have_attribute("aria-valuenow", "33")
    expect(live.get_by_test_id("import-percent")).to_have_text(str(localized_digits(33)) + "٪")
    assert axe_violations(page) == [], "the import page while the file is checked"
    snap(page, "registry_import_progress")

    page.evaluate(RECORD_LIVE_REGION)
    ImportJob.objects.filter(pk=job.pk).update(progress=66)
    expect(progress).to_have_attribute("aria-valuenow", "66")
    import_job_run(job_id=job.pk, commit=False, language="fa")  # the worker finishes the dry run
    expect(status).to_have_attribute("data-status", "validated", timeout=15_000)

    announced = page.evaluate("window.announced")
    checked = fa("The file has been checked. Nothing has been saved yet.")
    assert any(f"{localized_digits(66)}٪" in text for text in announced), announced
    assert any(checked in text for text in announced), announced
    # Still the region the page loaded with (a region put in by the swap would not be read out).
    expect(page.locator("[data-testid=import-live][data-original='1']")).to_have_count(1)
    expect(page.locator("[data-testid=import-errors] tbody tr")).to_have_count(1)
    assert axe_violations(page) == [], "the import page with the checked file"
    snap(page, "registry_import_checked_live")
