"""Issue #16 item 4, WCAG 1.4.10 (reflow): at 320 CSS px (a 1280 px screen at 400 % zoom) every
role's home page (its dashboard) and the main forms fit the width, in Persian: nothing makes the
page scroll sideways. A wide table may scroll inside its own box (the exception WCAG makes for
data tables); the page itself may not.

The page walk checks the facilitator's and the visitor's pages at this width; this checks the
other roles' dashboards too. A screenshot of each page is saved under artifacts/reflow/.
"""

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e

NARROW = {"width": 320, "height": 720}

# role -> the pages it opens after its home page: a form it fills in its work.
PAGES = {
    "national_admin": ["/accounts/staff/new/"],
    "national_analyst": [],
    "province_coordinator": [],
    "office_manager": ["/groups/new/"],
    "facilitator": ["/registry/households/new/", "/activities/new/"],
    "pr_officer": ["/stories/new/"],
    "partner_user": [],
}


def sideways(page) -> dict | None:
    """The page's width and the widest elements sticking out, when the page scrolls sideways."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth, scroll = document.documentElement.scrollWidth;
          if (scroll <= width + 1) return null;
          const out = [];
          for (const el of document.body.querySelectorAll('*')) {
            const box = el.getBoundingClientRect();
            if (box.width && (box.right > width + 1 || box.left < -1) && !el.closest('.table-responsive')) {
              const name = `${el.localName}.${[...el.classList].join('.')}`;
              out.push(`${name} ${Math.round(box.left)}..${Math.round(box.right)}`);
            }
          }
          return {width, scroll, out: out.slice(0, 8)};
        }"""
    )


@pytest.mark.parametrize("role", list(PAGES))
def test_home_and_forms_fit_320_px_without_scrolling_sideways(browsing, demo, role):
    page = browsing.new_page(viewport=NARROW)
    page.goto("/accounts/login/")
    problems = []
    if (found := sideways(page)) is not None:
        problems.append(f"/accounts/login/: {found}")
    sign_in(page, role)
    shots = ARTIFACTS / "reflow"
    shots.mkdir(parents=True, exist_ok=True)
    for url in ["/", *PAGES[role]]:
        response = page.goto(url)
        assert response.ok, f"{role} {url}: HTTP {response.status}"
        assert page.locator("html").get_attribute("lang") == "fa"
        page.wait_for_load_state("load")
        page.screenshot(path=str(shots / f"{role}{url.replace('/', '_')}.png"), full_page=True)
        if (found := sideways(page)) is not None:
            problems.append(f"{url}: {found}")
    assert not page.js_errors, page.js_errors
    assert not problems, f"{role} at 320 px scrolls sideways: " + "\n".join(problems)
