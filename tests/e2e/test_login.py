"""Signing in: every demo role through the real forms, wrong passwords, and the lockout."""

import re

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from mahalleh.accounts.models import User
from mahalleh.core.persian import to_persian_digits
from tests.e2e.conftest import sign_in, snap, submit

pytestmark = pytest.mark.e2e

# The navigation each role must get (mahalleh/core/context_processors.py): exactly these keys.
WORK = {"registry", "activities", "referrals", "groups"}
OVERSIGHT = {"home", "provinces", "offices", "neighbourhoods", "map", "staff", "audit", "api"}
# The second wave's entries: indicators for every staff role; evaluation for roles that read results
# or take surveys; stories for staff who write or oversee them; reports for report readers.
EXPECTED_NAV = {
    "national_admin": {"home", "provinces", "offices", "neighbourhoods", "map", "staff", "audit", "api"}
    | WORK
    | {"indicators", "evaluation", "stories", "reports"},
    "national_analyst": {"home", "provinces", "offices", "neighbourhoods", "map", "api"}
    | {"indicators", "evaluation", "reports"},
    "province_coordinator": {"home", "provinces", "offices", "neighbourhoods", "map", "staff", "audit", "api"}
    | WORK
    | {"indicators", "evaluation", "stories", "reports"},
    "office_manager": {"home", "office", "neighbourhoods", "map", "staff", "audit"}
    | WORK
    | {"indicators", "evaluation", "stories", "reports"},
    "facilitator": {"home", "office", "neighbourhoods", "map"}
    | WORK
    | {"indicators", "evaluation", "stories"},
    "pr_officer": {"home", "office", "neighbourhoods", "map"} | {"indicators", "stories", "reports"},
    "partner_user": {"home", "inbox", "partner"},
    "facilitator2": {"home", "office", "neighbourhoods", "map"}
    | WORK
    | {"indicators", "evaluation", "stories"},
}
ALL_KEYS = set().union(*EXPECTED_NAV.values())
SECOND_FACTOR = {"national_admin", "province_coordinator"}


@pytest.mark.parametrize("username", list(EXPECTED_NAV))
def test_each_demo_user_signs_in_and_gets_the_navigation_of_their_role(page, username):
    seen_second_factor = []
    page.on("request", lambda r: "/accounts/second-factor/" in r.url and seen_second_factor.append(r.url))

    sign_in(page, username)

    assert bool(seen_second_factor) == (username in SECOND_FACTOR), "second factor asked of the wrong roles"
    keys = page.locator("a[data-nav]").evaluate_all("links => links.map(a => a.dataset.nav)")
    assert len(keys) == len(set(keys)), f"duplicate nav links: {keys}"
    assert set(keys) == EXPECTED_NAV[username]
    for absent in ALL_KEYS - EXPECTED_NAV[username]:
        expect(page.locator(f"a[data-nav={absent}]")).to_have_count(0)
    expect(page.locator("a[data-nav=home]")).to_have_class(re.compile(r"\bactive\b"))

    user = User.objects.get(username=username)
    with translation.override("fa"):
        role_label = str(user.get_role_display())
    assert re.search(r"[\u0600-\u06ff]", role_label), f"role {username} has no Persian label: {role_label!r}"
    whoami = page.locator("[data-testid=whoami]")
    expect(whoami).to_contain_text(role_label)
    expect(whoami).to_contain_text(user.display_name)

    # Every link the navigation offers opens for this user (no 404 or 500 behind a menu entry).
    for href in page.locator("a[data-nav]").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        response = page.request.get(href)
        assert response.status == 200, f"{username}: nav link {href} answered {response.status}"

    # The Persian font is really used (vendored, not from a CDN).
    font_loaded = page.evaluate(
        """async () => { await document.fonts.ready;
            return [...document.fonts].some(f => f.family.replace(/["']/g, '') === 'Vazirmatn'
                                                 && f.status === 'loaded'); }"""
    )
    assert font_loaded, "the Vazirmatn font did not load"
    snap(page, f"login_{username}")


def test_wrong_password_shows_the_error_in_persian(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "facilitator")
    page.fill("#id_password", "not-the-password")
    submit(page)

    errors = page.locator("[data-testid=form-errors]")
    expect(errors).to_be_visible()
    # Django's own Persian catalogue: "لطفا نام کاربری و گذرواژه‌ای قابل قبول وارد کنید ..."
    expect(errors).to_contain_text("گذرواژه")
    assert not re.search(r"[A-Za-z]{3,}", errors.inner_text()), f"English in the error: {errors.inner_text()}"
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("#id_username")).to_have_value("facilitator")
    expect(page.locator("[data-testid=whoami]")).to_have_count(0)
    snap(page, "login_wrong_password")


def test_five_wrong_passwords_lock_the_account_and_say_how_long(page):
    username = "facilitator2"
    limit = settings.AXES_FAILURE_LIMIT
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert limit == 5

    page.goto("/accounts/login/")
    for attempt in range(1, limit + 1):
        page.fill("#id_username", username)
        page.fill("#id_password", f"wrong-{attempt}")
        with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login/")) as info:
            submit(page)
        if attempt < limit:
            assert info.value.status == 200
            expect(page.locator("[data-testid=form-errors]")).to_be_visible()
            expect(page.locator("[data-testid=lockout]")).to_have_count(0)

    assert info.value.status == 429
    lockout = page.locator("[data-testid=lockout]")
    expect(lockout).to_be_visible()
    expect(lockout).to_contain_text(to_persian_digits(str(minutes)))
    snap(page, "login_lockout")

    # Locked means locked: even the right password is refused now.
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "mahalleh-demo")
    submit(page)
    expect(page.locator("[data-testid=lockout]")).to_be_visible()
    expect(page.locator("[data-testid=whoami]")).to_have_count(0)

    # Another user from the same address is not locked out.
    sign_in(page, "facilitator")
