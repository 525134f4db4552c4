"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

One browser per session, a fresh context (cookies, storage) per test, the real demo data loaded
into the test database before each test. Every journey saves a full-page screenshot under
tests/e2e/artifacts/ (ignored by git).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Assertions wait as long as actions (the contexts' default below), not Playwright's 5 s: in CI the
# two databases' suites run side by side on 2 cores, and the household form's POST with its error
# page once took longer than 5 s to come back (test_the_household_page_fits_a_phone, 2026-12-05).
# A failing assertion still fails, 5 s later.
EXPECT_TIMEOUT_MS = 10_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)

# Playwright's sync API keeps an event loop running in this thread; without this, Django refuses
# ORM calls from the test body (SynchronousOnlyOperation). The live server runs in its own thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _join_request_threads_on_close() -> None:
    """The live server answers each request in a daemon thread that nobody waits for. A request
    still running when the session ends (an htmx poll, a slow page on a busy machine) then closed
    the test's shared SQLite connection after pytest-django had stopped sharing it: "DatabaseWrapper
    objects created in a thread can only be used in that same thread" (issue 8.17). Request threads
    that are joined when the server closes (each for at most 10 s) end before the sharing does."""
    import socketserver

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class JoiningWSGIServer(ThreadedWSGIServer):
        daemon_threads = False
        block_on_close = True

        def server_close(self):
            socketserver.TCPServer.server_close(self)
            threads = self._threads
            for thread in list(threads) if isinstance(threads, list) else ():
                thread.join(timeout=10)

    LiveServerThread.server_class = JoiningWSGIServer


_join_request_threads_on_close()

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MISSING_MESSAGE = f"Chromium not found at {CHROMIUM}: browser tests SKIPPED"
REQUIRED_MESSAGE = (
    f"Chromium not found at {CHROMIUM}, and REQUIRE_BROWSER=1 says the browser tests must run. "
    "Install Debian's chromium package (apt-get install chromium); never `playwright install`."
)

# axe-core, vendored (tests/e2e/vendor/VERSIONS.txt), with the WCAG 2.1 A and AA rules.
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """
async (tags) => {
  // CSS transitions first run to their end (a dropdown button turning "active" fades for 0.15 s):
  // axe measuring the colours halfway failed at random. Endless animations (a striped progress bar)
  // are left running.
  const ends = (a) => a.effect.getComputedTiming().endTime;
  const finite = document.getAnimations().filter((a) => Number.isFinite(ends(a)));
  // A paused animation never finishes: wait one second at most.
  const settled = Promise.all(finite.map((a) => a.finished.catch(() => null)));
  await Promise.race([settled, new Promise((done) => setTimeout(done, 1000))]);
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                          summary: (n.failureSummary || '').slice(0, 300)})),
    count: v.nodes.length,
  }));
}
"""

_collected_e2e = []


def _browser_missing() -> bool:
    return not CHROMIUM.exists()


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_report_header(config):
    if _browser_missing():
        return f"!!! WARNING: {MISSING_MESSAGE if not _browser_required() else REQUIRED_MESSAGE} !!!"
    return None


def pytest_collection_modifyitems(config, items):
    if _browser_missing() and not _browser_required():
        for item in items:
            if item.get_closest_marker("e2e"):
                item.add_marker(pytest.mark.skip(reason=MISSING_MESSAGE))


def pytest_collection_finish(session):
    # After -k/-m deselection: only the browser tests that were really going to run.
    _collected_e2e[:] = [item for item in session.items if item.get_closest_marker("e2e")]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _collected_e2e and _browser_missing():
        message = REQUIRED_MESSAGE if _browser_required() else MISSING_MESSAGE
        terminalreporter.write_sep("!", "BROWSER TESTS", red=True, bold=True)
        terminalreporter.write_line(f"WARNING: {message} ({len(_collected_e2e)} tests)", red=True, bold=True)


@pytest.fixture(scope="session")
def browser():
    if _browser_missing():
        if _browser_required():
            pytest.fail(REQUIRED_MESSAGE, pytrace=False)
        pytest.skip(MISSING_MESSAGE)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db, live_server):
    """The real demo places and accounts, committed so the live server thread sees them (flushed after
    the test). The 12,000 demo residents are left out to keep each journey quick; the registry
    journeys make the residents they need."""
    from mahalleh.demo import loader

    assert loader.load(with_registry=False) is True
    return loader


class Browsing:
    """A browser context for one test, with the live server's address and a few user-level helpers."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []

    def new_page(self, viewport=DESKTOP, **options):
        # Chromium would send Accept-Language: en-US anyway; say so explicitly, since the Persian default
        # must win over it.
        context = self.browser.new_context(
            base_url=self.base_url, viewport=viewport, locale="en-US", timezone_id="Asia/Tehran", **options
        )
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.bad_responses = []
        page.traffic = []  # what the page asked and got, for the report of a failure (below)
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))

        def log(mark, request, more=""):
            if "/static/" not in request.url:
                page.traffic.append(f"{mark} {request.method} {request.url}{more}")

        page.on("request", lambda r: log("→", r))
        page.on("requestfinished", lambda r: log("←", r, " done"))
        page.on("requestfailed", lambda r: log("✗", r, f" {r.failure}"))
        page.on(
            "response",
            lambda r: page.bad_responses.append(f"{r.status} {r.url}")
            if r.status >= 400 and "/static/" in r.url
            else None,
        )
        return page

    def close(self):
        for context in self.contexts:
            context.close()

    def describe(self, name: str) -> str:
        """Each open page as the test left it: address, focus, scroll, the calendar's state, the
        errors and alerts it shows, its last requests; a screenshot and the HTML in
        artifacts/failures/. For a failure that happens only in CI, where nothing else is kept."""
        folder = ARTIFACTS / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        lines = []
        pages = [p for context in self.contexts for p in context.pages]
        for number, page in enumerate(pages):
            stem = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}-{number}"
            lines.append(f"page {number}: {page.url}")
            try:
                state = page.evaluate(STATE_SCRIPT)
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
            except Exception as exc:  # noqa: BLE001 - a page that cannot answer is itself the state
                lines.append(f"  could not be read: {exc}")
                continue
            lines += [f"  {key}: {value}" for key, value in state.items()]
            lines.append(f"  JavaScript errors: {page.js_errors or 'none'}")
            lines += ["  last requests:", *(f"    {line}" for line in page.traffic[-16:])]
            lines.append(f"  saved: {stem}.png, {stem}.html")
        return "\n".join(lines) or "no page open"


STATE_SCRIPT = """() => {
  const active = document.activeElement;
  const shown = (el) => el.offsetParent !== null || el.getClientRects().length > 0;
  const texts = (selector) => Array.from(document.querySelectorAll(selector)).filter(shown)
    .map((el) => el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 120));
  const calendar = document.querySelector('jdp-container');
  const open = calendar && shown(calendar) && getComputedStyle(calendar).visibility !== 'hidden';
  const height = document.documentElement.scrollHeight;
  return {
    title: document.title,
    focus: active ? active.outerHTML.slice(0, 160) : 'none',
    scroll: `${Math.round(window.scrollX)},${Math.round(window.scrollY)} of ${height}`,
    'date picker': `${document.body.dataset.datePicker || 'never opened'}, `
      + `calendar ${open ? 'shown' : 'hidden'}`,
    alerts: texts('.alert, [role=alert]'),
    'field errors': texts('[data-field-error], .invalid-feedback'),
  };
}"""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that fails says what its pages showed (Browsing.describe)."""
    outcome = yield
    report = outcome.get_result()
    browsing = item.funcargs.get("browsing") if report.when == "call" and report.failed else None
    if browsing is not None:
        report.sections.append(("the browser at the failure", browsing.describe(item.name)))


@pytest.fixture
def browsing(browser, live_server):
    b = Browsing(browser, live_server.url)
    yield b
    b.close()


@pytest.fixture
def page(browsing, demo):
    """A desktop-sized page (1280x900) in a fresh context, with the demo loaded."""
    return browsing.new_page()


# ------------------------------------------------------------------------------------------------ helpers


def submit(page):
    """Click the submit button of the page's own form (the navbar has a language-switch submit too)."""
    page.locator("#main form button[type=submit]").first.click()


def close_calendar(page):
    """Escape in a date box, as a person closes the calendar to type the date; wait until it stays
    closed (past the picker's own 300 ms opening), so the next click is on the page, not on a day."""
    from playwright.sync_api import expect

    page.keyboard.press("Escape")
    expect(page.locator("body[data-date-picker=closed]")).to_have_count(1)


def totp_code(username: str) -> str:
    from django_otp.oath import totp

    from mahalleh.demo.loader import totp_key_for

    return f"{totp(bytes.fromhex(totp_key_for(username))):06d}"


def sign_in(page, username: str, password: str | None = None) -> None:
    """Sign in through the real login form and, for roles that need it, the second-factor form."""
    from mahalleh.accounts.models import User
    from mahalleh.demo.loader import DEMO_PASSWORD

    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or DEMO_PASSWORD)
    submit(page)
    if User.objects.get(username=username).needs_second_factor:
        page.wait_for_url(re.compile(r"/accounts/second-factor/"))
        page.fill("#id_token", totp_code(username))
        submit(page)
    page.wait_for_url("/")  # home, resolved against the context's base_url
    assert page.locator("[data-testid=whoami]").count() == 1, f"{username} did not reach a signed-in page"


def snap(page, name: str) -> Path:
    """Full-page screenshot in artifacts/, after checking the page had no JS error or missing asset."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert not page.js_errors, f"JavaScript errors on {page.url}: {page.js_errors}"
    assert not page.bad_responses, f"static files that failed to load: {page.bad_responses}"
    return path


def with_axe(page):
    """axe-core in every page the context opens from now on (an init script: the CSP refuses inline
    scripts)."""
    page.context.add_init_script(path=str(AXE))
    return page


def axe_violations(page) -> list[str]:
    """axe-core (WCAG 2.1 A/AA rules) on the page as it is now (what htmx or a script changed
    included), one line per rule: the rule, its help and the first elements."""
    return [
        f"{v['id']} ({v['count']} elements: {v['help']}): "
        + "; ".join(f"{n['target']} {n['html']}" for n in v["nodes"])
        for v in page.evaluate(RUN_AXE, AXE_TAGS)
    ]
