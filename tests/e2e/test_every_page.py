"""The page walk: every page of every role, in Persian and in English, checked as a user would meet it.

For each demo account (and a visitor who is not signed in) the walk opens, in one browser context:

* every route of the UI that takes no argument (so a new list, dashboard or form is walked as soon
  as it is in a ``urls.py``; a route the role may not open answers 404/403 or the sign-in page and is
  skipped), then
* every page linked from the pages it has seen (so each ``<int:pk>`` route is opened with a real
  demo object that this role can see), one URL per route,

first in Persian, then in English (the language cookie switched in the same signed-in context), and
for the facilitator and the visitor also at 320 CSS px (WCAG 1.4.10 reflow: 1280 px at 400 % zoom,
so 200 % zoom is covered too).

On every page it runs the language checks of issue #8, and in Chromium axe-core (rules tagged
wcag2a, wcag2aa, wcag21a, wcag21aa) on every distinct rendering: a role's page is opened in the
browser unless every part of it (its structure, not its data) was checked already on that route in
that language and width (``Checked``; ``WALK_AXE=all`` checks every page of every role). The
language checks: in the Persian UI no Latin digits in visible text or placeholders (codes are
marked ``translate="no"`` or sit in ``<code>``/inputs), no English msgid left untranslated; in the
English UI no Persian translation of our own catalogue; in both, no Gregorian date. A link that
answers 404/500 fails too. A failure names the page, the rule and the element.

``test_every_route_was_walked`` runs last and fails when a route of the UI was reached by no role
and is not in ``EXCLUDED`` (with the reason): link the new page from somewhere, or exclude it.

Screenshots: ``tests/e2e/artifacts/walk/`` gets the home page of each role and language, every page
at 320 px of the facilitator in Persian, and any page that failed. ``WALK_SCREENSHOTS=all`` saves
every page.
"""

import functools
import gettext
import os
import re
import time
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import NoReverseMatch, Resolver404

from tests.e2e.conftest import ARTIFACTS, AXE, AXE_TAGS, DESKTOP, RUN_AXE, totp_code

pytestmark = pytest.mark.e2e

PHONE_NARROW = {"width": 320, "height": 720}
SHOTS = ARTIFACTS / "walk"

# The signed-in roles of the demo (facilitator2 is the facilitator of another office: same pages).
ROLES = [
    "national_admin",
    "national_analyst",
    "province_coordinator",
    "office_manager",
    "facilitator",
    "pr_officer",
    "partner_user",
    "anonymous",
]
NARROW_ROLES = {"facilitator", "anonymous"}

# URL prefixes that are not pages of our UI.
FOREIGN_PREFIXES = ("/api/", "/django-admin/", "/i18n/", "/favicon.ico", "/static/", "/media/")

# Routes the walk does not open, with the reason. Everything else in the URL conf must be reached.
EXCLUDED = {
    "accounts:logout": "a POST-only action (signing out would end the walk)",
    "accounts:otp": "the second-factor form: opened by the sign-in of the TOTP roles, checked there "
    "in Persian and English",
    "registry:export": "a file download (CSV/XLSX), not a page",
    "registry:import_template": "a file download (the import template), not a page",
    "registry:import_report": "a file download (the XLSX report of bad rows), not a page",
    "registry:import_job_status": "an htmx fragment polled by the import page, checked inside that page",
    "registry:import_commit": "a POST-only action",
    "registry:import": "the same view and URL as registry:import_upload",
    "activities:enrol": "a POST-only action",
    "activities:enrol_search": "an htmx fragment (search results), checked inside the activity page",
    "registry:household_member_row": "an htmx fragment (an empty member row), checked with axe inside the "
    "household page by tests/e2e/test_household_form.py",
    "activities:unenrol": "a POST-only action",
    "activities:attendance_mark": "a POST-only action (htmx), checked inside the attendance page",
    "activities:walkin_add": "a POST-only action",
    "activities:walkin_search": "an htmx fragment (search results), checked inside the attendance page",
    "community:member_search": "an htmx fragment (search results), checked inside the group page",
    "community:member_add": "a POST-only action",
    "community:member_leave": "a POST-only action",
    "community:member_role": "a POST-only action",
    "referrals:notification_open": "a redirect to the referral (marks the notification read)",
    "referrals:act": "a POST-only action (accept, decline, …: the forms are on the referral page)",
    "activities:session_delete": "a POST-only action (the button is on the session's edit page)",
    "healthz": "JSON for load balancers (tests/ops), not a page",
    "readyz": "JSON for load balancers (tests/ops), not a page",
    "metrics": "Prometheus text for the metrics scraper (tests/ops), not a page",
    "robots": "robots.txt, plain text (tests/stories)",
    "sitemap": "sitemap.xml (tests/stories)",
    "evaluation:answer_copy": "a POST-only action (copy a survey answer into the registry)",
    "evaluation:round_draw": "a POST-only action (draw the sample)",
    "evaluation:sheet": "a file download (the survey sheet, XLSX), not a page",
    "evaluation:import_report": "a file download (the XLSX report of bad rows), not a page",
    "indicators:download": "a file download (a dashboard table as CSV/XLSX), not a page",
    "indicators:manual_decide": "a POST-only action (approve or reject a figure)",
    "portal:feed_rss": "an RSS feed, XML (tests/stories)",
    "portal:feed_atom": "an Atom feed, XML (tests/stories)",
    "portal:feed_json": "a JSON feed (tests/stories)",
    "portal:media": "story images (WebP/JPEG), not a page",
    "portal:story_short": "a permanent redirect to the story's address with its slug",
    "reports:status": "an htmx fragment polled by the report page, checked inside that page",
    "reports:narrative": "a POST-only action (save the narrative)",
    "reports:approve": "a POST-only action (approve the report)",
    "reports:file": "a file download (the report's PDF or XLSX), not a page",
    "stories:preview": "an htmx fragment (POST: the live preview), checked inside the story form",
    "stories:submit": "a POST-only action (send for review)",
    "stories:publish": "a POST-only action",
    "stories:return": "a POST-only action (return to the writer with a comment)",
    "stories:unpublish": "a POST-only action",
    "stories:image_add": "a POST-only action (the upload form is on the story's page)",
    "api-docs": "/api/docs/ is Swagger UI (drf-spectacular's sidecar copy), an English page for developers "
    "integrating with the API. axe finds its own markup at fault: a link inside each operation's toggle "
    "button (nested-interactive, swagger-api/swagger-ui#9570, open upstream), method badges and links "
    "below 4.5:1 and no lang on <html>; fixing them means forking Swagger UI. What it shows is the "
    "schema at /api/schema/ (checked by tests/api), which a screen-reader user reads in any tool",
}

# WALK_ROLES=facilitator,anonymous walks only those roles (the check of unreached routes is then off).


def excluded(route: str | None) -> bool:
    return route is None or route in EXCLUDED


# Detail pages differ by object (a household with a harm case links to the harm's status form): the
# walk reads this many instances of each route for links, and checks the first one in the browser.
INSTANCES_PER_ROUTE = 3
SEEDS = []  # object_seeds(), filled once the demo is loaded

# Text the language checks skip: what the user typed or must copy exactly.
SKIP_SELECTOR = (
    "script, style, noscript, template, textarea, select, code, kbd, samp, pre, [translate=no], "
    ".leaflet-container"
)

COLLECT_TEXT = """
(skip) => {
  const out = [];
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      let p = e.localName;
      if (e.id) { parts.unshift(p + '#' + e.id); break; }
      if (e.classList.length) p += '.' + [...e.classList].slice(0, 2).join('.');
      parts.unshift(p);
    }
    return parts.join(' > ');
  };
  // The language the text is in: its nearest lang attribute (a page of the English portal is English
  // whatever the UI cookie says; a link "Read this story in English" carries lang="en").
  const langOf = (el) => ((el.closest('[lang]') || document.documentElement).getAttribute('lang') || '');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue.replace(/\\s+/g, ' ').trim();
    const el = n.parentElement;
    if (!text || !el || el.closest(skip)) continue;
    if (!el.checkVisibility() && !el.closest('.visually-hidden, .visually-hidden-focusable')) continue;
    // Data the user typed (names, notes) is isolated in <bdi> / dir=auto: "data" for the checks.
    out.push([text, path(el), el.closest('bdi, [dir=auto]') ? 'data' : 'text', langOf(el)]);
  }
  const labelled = '[placeholder], [title], [aria-label], img[alt], input[type=submit][value]';
  for (const el of document.querySelectorAll(labelled)) {
    if (el.closest(skip) && !el.matches('input')) continue;
    for (const attr of ['placeholder', 'title', 'aria-label', 'alt', 'value']) {
      if (attr === 'value' && el.type !== 'submit') continue;
      const v = (el.getAttribute(attr) || '').trim();
      if (v) out.push([v, path(el), attr, langOf(el)]);
    }
  }
  return out;
}
"""

# A chart (ECharts marks its container with _echarts_instance_; any <canvas>) must have a name and a
# table alternative: inside the same <figure>, or referred to by aria-describedby / aria-details.
CHARTS_WITHOUT_TABLE = """
() => {
  const bad = [];
  for (const chart of document.querySelectorAll('[_echarts_instance_], canvas')) {
    if (chart.closest('[_echarts_instance_]') !== chart && chart.localName === 'canvas') continue;
    const named = chart.getAttribute('aria-label') || chart.getAttribute('aria-labelledby');
    const ids = `${chart.getAttribute('aria-describedby') || ''} ${chart.getAttribute('aria-details') || ''}`;
    const referred = ids.split(/\\s+/).filter(Boolean).map((id) => document.getElementById(id));
    const figure = chart.closest('figure');
    const table = referred.some((el) => el && (el.matches('table') || el.querySelector('table')))
      || (figure && figure.querySelector('table'));
    if (!named || !table) bad.push(chart.outerHTML.slice(0, 120));
  }
  return bad;
}
"""

LATIN_DIGIT = re.compile(r"[0-9]")
# 2026-12-02, ۲۰۲۶/۱۲/۰۲ …: a Gregorian year (19xx, 20xx) where a Jalali date (13xx, 14xx) belongs.
D = "[0-9۰-۹]"
GREGORIAN = re.compile(rf"(?<!{D})(?:19|20|۱۹|۲۰){D}{{2}}[-/.]{D}{{1,2}}[-/.]{D}{{1,2}}(?!{D})")
PERSIAN_LETTER = re.compile(r"[\u0600-\u06ff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


# ---------------------------------------------------------------------------------------- catalogue


def _catalogues():
    root = Path(__file__).resolve().parents[2] / "mahalleh"
    return sorted(root.glob("**/locale/fa/LC_MESSAGES/django.mo"))


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{\s*\w+\s*\}\}")


def _literal_words(text: str, letters: re.Pattern) -> int:
    """Words of the catalogue string outside its placeholders, in the given script."""
    return sum(1 for word in PLACEHOLDER.sub(" ", text).split() if letters.search(word))


def _pattern(text: str) -> re.Pattern:
    """A whole-text pattern for a catalogue string; %(name)s / %s / {{ x }} placeholders match anything."""
    parts = PLACEHOLDER.split(text)
    return re.compile(r"\s*" + r".+?".join(re.escape(" ".join(p.split())) for p in parts) + r"\s*", re.S)


class Catalogue:
    """The msgids (English) and msgstrs (Persian) of every Persian catalogue of the project."""

    def __init__(self):
        self.msgids, self.msgstrs = {}, {}
        for mo_path in _catalogues():
            with mo_path.open("rb") as f:
                entries = gettext.GNUTranslations(f)._catalog  # {msgid or (msgid, n): msgstr}
            for key, value in entries.items():
                if not key or not value or isinstance(key, tuple):
                    continue
                msgid = " ".join(key.split("\x04")[-1].split())  # drop a context ("ctx\x04msgid")
                msgstr = " ".join(value.split())
                # One-word English msgids ("Name", "Code") are also proper names and codes in data;
                # Persian text in the English UI is data unless it is a sentence of our own.
                # A template with placeholders counts only with two words of its own around them.
                if _literal_words(msgid, LATIN_WORD) >= 2 and msgid != msgstr:
                    self.msgids[msgid] = _pattern(msgid) if PLACEHOLDER.search(msgid) else None
                if _literal_words(msgstr, PERSIAN_LETTER) >= 2:
                    self.msgstrs[msgstr] = _pattern(msgstr) if PLACEHOLDER.search(msgstr) else None

    @staticmethod
    def _match(text: str, table: dict) -> str | None:
        if text in table:
            return text
        for source, pattern in table.items():
            if pattern is not None and pattern.fullmatch(text):
                return source
        return None

    def english_msgid(self, text: str) -> str | None:
        return self._match(text, self.msgids)

    def persian_msgstr(self, text: str) -> str | None:
        return self._match(text, self.msgstrs)


def language_problems(items, lang: str, catalogue: Catalogue) -> list[str]:
    """`lang` is the UI language; an item's own language (its nearest lang attribute) wins over it."""
    problems, page_lang = [], lang
    for text, where, kind, own in items:
        lang = own[:2] if own[:2] in ("fa", "en") else page_lang
        label = f"{where} [{kind}]: {text[:90]!r}"
        if GREGORIAN.search(text):
            problems.append(f"Gregorian date shown to a user at {label}")
        if lang == "fa":
            if LATIN_DIGIT.search(text):
                problems.append(f"Latin digits in the Persian UI at {label}")
            source = catalogue.english_msgid(text)
            if source:
                problems.append(f"untranslated msgid {source!r} at {label}")
            elif len(LATIN_WORD.findall(text)) >= 3 and not PERSIAN_LETTER.search(text):
                problems.append(f"English text (no catalogue entry?) in the Persian UI at {label}")
        elif kind != "data":  # Persian data (names, notes) is fine in the English UI
            source = catalogue.persian_msgstr(text)
            if source:
                problems.append(f"Persian UI text in the English UI at {label}")
    return problems


# ---------------------------------------------------------------------------------------- the routes


def ui_routes():
    """{route name: pattern} of every named route of the UI (not the API, the admin or i18n)."""
    routes = {}

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns in {"admin"} or str(p.pattern).startswith(("api/", "django-admin/")):
                    continue
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                if name == "set_language":
                    continue
                routes[name] = prefix + str(p.pattern)

    walk(get_resolver().url_patterns, "/", None)
    return routes


def route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def object_seeds() -> list[str]:
    """Pages linked only from some objects the crawl may not read first (a harm case's status form is
    linked only from households with a harm, an image's form only from editable stories): one real
    demo object each; 404 (or 403) for roles outside scope."""
    from django.urls import reverse

    from mahalleh.registry.models import HarmCase
    from mahalleh.stories.models import StoryImage

    seeds = []
    case = HarmCase.objects.order_by("pk").first()
    if case:
        seeds.append(reverse("registry:harm_transition", args=[case.pk]))
    # An image's description form is linked only from stories the role may still edit.
    image = StoryImage.objects.exclude(story__status="published").order_by("pk").first()
    if image:
        seeds.append(reverse("stories:image_edit", args=[image.pk]))
    return seeds


def import_job_seed() -> None:
    """An import of the facilitator's office, checked and waiting to be saved, with a bad row: the
    job page (its live region, counts, error table, preview and the save button) is walked like any
    page, reached from the import page's list of recent imports. The demo itself has no import."""
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from mahalleh.accounts.models import User
    from mahalleh.core.national_code import make_national_code
    from mahalleh.registry.importer.columns import COLUMNS
    from mahalleh.registry.importer.jobs import import_job_start

    facilitator = User.objects.get(username="facilitator")
    hood = facilitator.office.neighbourhoods.order_by("code").first()
    head = {"household_key": "W-1", "neighbourhood": hood.code, "relation": "سرپرست", "sex": "زن"}
    rows = [
        {**head, "first_name": "فاطمه", "last_name": "امینی", "birth_date": "1360/04/12"},
        # 1402 is not a leap year: Esfand has 29 days, so this row is refused with its reason.
        {**head, "relation": "فرزند", "first_name": "سینا", "last_name": "امینی", "birth_date": "1402/12/30"},
    ]
    rows[0]["national_code"] = make_national_code("298300001")
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([c.fa for c in COLUMNS])
    writer.writerows([[row.get(c.key, "") for c in COLUMNS] for row in rows])
    upload = SimpleUploadedFile("خانوارهای کوچه.csv", text.getvalue().encode("utf-8-sig"), "text/csv")
    job = import_job_start(actor=facilitator, upload=upload, language="fa")
    assert job.status == "validated" and job.rows_invalid == 1, (job.status, job.message)


def seed_paths() -> list[str]:
    """Every UI route that takes no argument, reversed, and the object seeds."""
    from django.urls import reverse

    paths = list(SEEDS)
    for name in ui_routes():
        if excluded(name):
            continue
        try:
            paths.append(reverse(name))
        except NoReverseMatch:
            continue  # takes an argument: reached through the links of the pages
    return paths


# ---------------------------------------------------------------------------------------- server HTML


class PageText(HTMLParser):
    """The text a user reads in a server-rendered page, and its links: what the language checks need,
    without a browser (the browser checks every route once; this reads every page of every role)."""

    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
    SKIP = {
        "script",
        "style",
        "noscript",
        "template",
        "textarea",
        "select",
        "code",
        "kbd",
        "samp",
        "pre",
        "head",
    }
    LABELS = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, skipped, data, where)
        self.items, self.links = [], []
        # The page's parts, for Checked: every element as the path of signatures down to it (from
        # <main> for what is inside it, from the document for the rest), every text as its element's.
        self.trail = [("#document", hash("#document"), False)]  # open elements: (tag, path, in <main>)
        self.parts = {True: set(), False: set()}  # in <main>: parts

    @staticmethod
    def signature(tag, attrs) -> tuple:
        """What of an element decides what axe says about it: its tag, classes (colours, hidden),
        role, type, language, direction, tabindex, which other attributes it has (a name, a label, a
        link's href) and its true/false ARIA states; not ids, data-*/hx-* or text values."""
        kept = []
        for name, value in attrs:
            if name.startswith(("data-", "hx-")) or name == "id":
                continue
            if name == "class":
                kept.append(("class", " ".join(sorted((value or "").split()))))
            elif name in ("role", "type", "lang", "dir", "tabindex", "scope") or (
                name.startswith("aria-") and value in ("true", "false")
            ):
                kept.append((name, value))
            else:
                kept.append((name,))
        return (tag, *sorted(kept))

    def _state(self):
        return self.stack[-1][1:] if self.stack else (False, False, "body", "")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        skipped, data, where, lang = self._state()
        lang = a.get("lang") or lang
        skipped = (
            skipped
            or tag in self.SKIP
            or a.get("translate") == "no"
            or "hidden" in a
            or a.get("aria-hidden") == "true"
            or "d-none" in (a.get("class") or "").split()
        )
        data = data or tag == "bdi" or a.get("dir") == "auto"
        label = f"{tag}#{a['id']}" if a.get("id") else f"{where} > {tag}".split(" > ", 1)[-1][-60:]
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if not skipped or tag == "input":
            for attr in self.LABELS:
                if a.get(attr):
                    self.items.append((a[attr].strip(), label, attr, lang))
            if tag == "input" and a.get("type") == "submit" and a.get("value"):
                self.items.append((a["value"].strip(), label, "value", lang))
        if tag not in self.VOID:
            self.stack.append((tag, skipped, data, label, lang))
        _, parent, in_main = self.trail[-1]
        path = hash((parent, self.signature(tag, attrs)))
        self.parts[in_main].add(path)
        if tag == "main":  # its parts are the same wherever the page around puts it
            path, in_main = hash("main"), True
        if tag not in self.VOID:
            self.trail.append((tag, path, in_main))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        for i in range(len(self.trail) - 1, 0, -1):
            if self.trail[i][0] == tag:
                del self.trail[i:]
                return

    def handle_data(self, text):
        skipped, data, where, lang = self._state()
        text = " ".join(text.split())
        tag, path, in_main = self.trail[-1]
        if text and tag not in ("script", "style"):
            self.parts[in_main].add(hash((path, "#text")))
        if text and not skipped:
            self.items.append((text, where, "data" if data else "text", lang))


class Checked:
    """What the browser checks have covered, shared by the roles: the parts of <main> per route,
    language and width, and the parts of the page around it (the bar, its menu and bell, the footer)
    per language and width. A part is an element as the path of signatures down to it
    (PageText.signature: tag, classes, role, ARIA states, which attributes it has; not ids, data or
    text values), or a text in such an element.

    A page goes to the browser when it has a part no check has covered yet: each role's own version
    of a shared page (the partner's home, the analyst's dashboard, the manager's list with its edit
    buttons) is checked, and a page made only of parts already checked (the same list with other
    rows, the analyst's page that is the admin's without the admin's buttons) is not checked again.
    The parts come from the server HTML the walk reads anyway: opening every page of every role in
    Chromium to take them would cost what checking it does."""

    def __init__(self):
        self.parts = defaultdict(set)

    def _keys(self, route, lang, width):
        return (route, lang, width), ("around <main>", lang, width)

    def covers(self, route: str, lang: str, width: int, parts: tuple) -> bool:
        return all(p <= self.parts[key] for key, p in zip(self._keys(route, lang, width), parts, strict=True))

    def add(self, route: str, lang: str, width: int, parts: tuple) -> None:
        for key, p in zip(self._keys(route, lang, width), parts, strict=True):
            self.parts[key] |= p


def read_page(html: str):
    """The page's text items and links, and its parts (see Checked): in <main>, and around it."""
    parser = PageText()
    parser.feed(html)
    parser.close()
    return parser.items, parser.links, (frozenset(parser.parts[True]), frozenset(parser.parts[False]))


# ---------------------------------------------------------------------------------------- the walk

NOT_FOUND = "/walk/no-such-page/"
LOGIN_URL = "/accounts/login/"
LOCKED_OUT = "walk-locked-out"  # no such account: django-axes locks the name and address anyway


def post_without_token(page, url):
    """Send a form without its CSRF token, as a tab left open across a sign-in does."""
    with page.expect_navigation():
        page.evaluate(
            """(url) => { const form = document.createElement('form');
                          form.method = 'post'; form.action = url;
                          document.body.append(form); form.submit(); }""",
            url,
        )


def lock_out(context, times):
    """Wrong passwords for LOCKED_OUT through the context's request API (no page loads); the last
    response."""
    response = None
    for _ in range(times):
        context.request.get(LOGIN_URL)  # sets the CSRF cookie
        token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
        form = {"csrfmiddlewaretoken": token, "username": LOCKED_OUT, "password": "wrong"}
        response = context.request.post(LOGIN_URL, form=form)
    return response


def sign_in_locked_out(page):
    """The sign-in form, as the locked-out person fills it in once more."""
    page.goto(LOGIN_URL)
    page.fill("#id_username", LOCKED_OUT)
    page.fill("#id_password", "wrong")
    with page.expect_navigation():
        page.locator("#main form button[type=submit]").first.click()


class Walker:
    """One browser context for a role: signed in once, both languages walked in it."""

    def __init__(self, browser, base_url, role, catalogue, blocker, checked):
        self.role, self.catalogue, self.blocker, self.covered = role, catalogue, blocker, checked
        self.context = browser.new_context(
            base_url=base_url, viewport=DESKTOP, locale="en-US", timezone_id="Asia/Tehran"
        )
        self.context.set_default_timeout(20_000)
        # An init script, not page.add_script_tag: it is not an inline <script>, so a strict
        # Content-Security-Policy on our pages cannot block it.
        self.context.add_init_script(path=str(AXE))
        self.page = self.context.new_page()
        self.js_errors = []
        self.page.on("pageerror", lambda exc: self.js_errors.append(str(exc)))
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(base_url).netloc
        self.failures = []
        self.timings = defaultdict(float)  # where the walk spends its time (printed with -s)
        self.checked = self.alike = 0  # browser checks; pages skipped as built like one checked

    def set_language(self, lang):
        self.context.add_cookies([{"name": "mahalleh_language", "value": lang, "url": self.base_url + "/"}])

    def sign_in(self):
        from mahalleh.accounts.models import User
        from mahalleh.demo.loader import DEMO_PASSWORD

        if self.role == "anonymous":
            return
        page = self.page
        page.goto("/accounts/login/")
        page.fill("#id_username", self.role)
        page.fill("#id_password", DEMO_PASSWORD)
        page.locator("#main form button[type=submit]").first.click()
        with self.blocker.unblock():
            needs_otp = User.objects.get(username=self.role).needs_second_factor
        if needs_otp:
            page.wait_for_url(re.compile(r"/accounts/second-factor/"))
            # The form is the same for every TOTP role: checked in both languages at the first.
            parts = read_page(page.content())[2]
            if not self.covered.covers("accounts:otp", "fa", DESKTOP["width"], parts):
                self.check_in_browser("accounts:otp", "fa")
                self.set_language("en")
                page.reload()
                self.check_in_browser("accounts:otp", "en")
                self.set_language("fa")
                for lang in ("fa", "en"):
                    self.covered.add("accounts:otp", lang, DESKTOP["width"], parts)
            with self.blocker.unblock():
                code = totp_code(self.role)
            page.fill("#id_token", code)
            page.locator("#main form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/$"))

    def fetch(self, url, *, seeded):
        """The page's final route and HTML, or None when it is not a page of ours this role may see."""
        started = time.monotonic()
        response = self.context.request.get(url)
        html = response.text() if "text/html" in (response.headers.get("content-type") or "") else None
        self.timings["fetch"] += time.monotonic() - started
        status, final = response.status, urlsplit(response.url).path
        if status >= 500 or (status >= 400 and not seeded):
            self.failures.append(f"{url}: HTTP {status} (linked from a page this role sees)")
            return None
        if (
            status >= 400
            or html is None
            or (final != urlsplit(url).path and final.startswith("/accounts/login"))
        ):
            return None  # not for this role (or a download)
        return route_of(final), response.url, html

    def check_error_pages(self, lang):
        """The pages a user meets off the routes, checked like the others (when built in a new way):
        404 (an old link), 403 (a form sent with a stale token: a tab open across a sign-in) and, for
        the visitor, the lockout after too many wrong passwords (for a made-up name, so no account
        of the walk is locked)."""
        from django.conf import settings

        page, request = self.page, self.context.request
        checks = [  # (name, HTTP status, the server's answer, the same page opened in the browser)
            ("404", 404, lambda: request.get(NOT_FOUND), lambda: page.goto(NOT_FOUND)),
            ("403", 403, lambda: request.post(LOGIN_URL), lambda: post_without_token(page, LOGIN_URL)),
        ]
        if self.role == "anonymous":
            attempts = settings.AXES_FAILURE_LIMIT + 1
            checks.append(
                ("lockout", 429, lambda: lock_out(self.context, attempts), lambda: sign_in_locked_out(page))
            )
        for name, expected, fetch, open_ in checks:
            response = fetch()
            if response.status != expected:
                self.failures.append(f"[{self.role} {lang}] the {name} page answered HTTP {response.status}")
                continue
            parts = read_page(response.text())[2]
            if self.covered.covers(name, lang, DESKTOP["width"], parts):
                self.alike += 1
                continue
            self.covered.add(name, lang, DESKTOP["width"], parts)
            open_()
            self.check_in_browser(name, lang)

    def check_in_browser(self, route, lang, *, url=None, width=DESKTOP["width"], shot=False):
        """axe-core, the rendered text (what scripts added too), charts, sideways scrolling, JS errors."""
        page = self.page
        started = time.monotonic()
        if url is not None:
            page.set_viewport_size(PHONE_NARROW if width < DESKTOP["width"] else DESKTOP)
            page.goto(url, wait_until="load")
        self.timings["open"] += time.monotonic() - started
        problems = []
        self.checked += 1
        started = time.monotonic()
        violations = page.evaluate(RUN_AXE, AXE_TAGS)
        self.timings["axe"] += time.monotonic() - started
        for v in violations:
            nodes = "; ".join(
                f"{n['target']} — {' '.join((n['summary'] or n['html']).split())}" for n in v["nodes"]
            )
            problems.append(f"axe {v['id']} ({v['impact']}, {v['count']} elements: {v['help']}): {nodes}")
        problems += language_problems(page.evaluate(COLLECT_TEXT, SKIP_SELECTOR), lang, self.catalogue)
        for chart in page.evaluate(CHARTS_WITHOUT_TABLE):
            problems.append(f"a chart without a name and a table alternative (WCAG 1.1.1): {chart}")
        if width < DESKTOP["width"]:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"the page scrolls sideways at {width} px (content {scroll} px wide)")
        if self.js_errors:
            problems.append(f"JavaScript errors: {self.js_errors}")
            self.js_errors.clear()
        path = urlsplit(page.url).path
        self.failures.extend(f"[{self.role} {lang} {width}px] {path} ({route}): {p}" for p in problems)
        if problems or shot or os.environ.get("WALK_SCREENSHOTS") == "all":
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = f"{self.role}-{lang}-{width}-{route.replace(':', '_')}"
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        if url is not None and width < DESKTOP["width"]:
            page.set_viewport_size(DESKTOP)

    def walk(self, lang, *, narrow=False, urls=None):
        """Every page of the role: seeds first, then links breadth-first, up to INSTANCES_PER_ROUTE URLs
        per route (or just `urls`, the pages the first language found). Each page's server HTML gets
        the language checks; the first page of each route also gets the browser checks when no role
        has had one with all its parts checked in this language and width (see Checked; every time
        with WALK_AXE=all)."""
        if urls is not None:
            queue, limit = [(url, False) for url in urls], 1
        else:
            queue, limit = [("/", True)] + [(p, True) for p in seed_paths()], INSTANCES_PER_ROUTE
        queued = {urlsplit(u).path for u, _ in queue}
        instances, pages = defaultdict(int), []
        every = os.environ.get("WALK_AXE") == "all"
        while queue:
            url, seeded = queue.pop(0)
            route = route_of(urlsplit(url).path)
            if excluded(route) or instances[route] >= limit:
                continue
            got = self.fetch(url, seeded=seeded)
            if got is None:
                continue
            shown, final_url, html = got
            if instances[shown] >= limit:
                continue  # a redirect to a route read enough already
            instances[shown] += 1
            started = time.monotonic()
            items, links, parts = read_page(html)
            problems = language_problems(items, lang, self.catalogue)
            self.timings["text"] += time.monotonic() - started
            path = urlsplit(final_url).path
            self.failures.extend(f"[{self.role} {lang} html] {path} ({shown}): {p}" for p in problems)
            if instances[shown] == 1:
                pages.append((shown, final_url))
                for width in [DESKTOP["width"]] + ([PHONE_NARROW["width"]] if narrow else []):
                    if every or not self.covered.covers(shown, lang, width, parts):
                        self.covered.add(shown, lang, width, parts)
                        shot = shown == "core:home" or (width < DESKTOP["width"] and lang == "fa")
                        self.check_in_browser(shown, lang, url=final_url, width=width, shot=shot)
                    else:
                        self.alike += 1
            for link in links if urls is None else []:
                parts = urlsplit(link)
                if parts.netloc not in ("", self.host) or parts.path.startswith(FOREIGN_PREFIXES):
                    continue
                target = route_of(parts.path)
                if parts.path in queued or excluded(target) or instances[target] >= limit:
                    continue
                queued.add(parts.path)
                queue.append((parts.path + (f"?{parts.query}" if parts.query else ""), False))
        return pages

    def close(self):
        self.context.close()


@pytest.fixture
def walk_demo(transactional_db, live_server):
    """The whole demo (residents, referrals, activities, groups), committed for the live server (the
    test's transactional_db flushes it afterwards)."""
    from mahalleh.demo import loader
    from mahalleh.demo.registry import load_registry

    # Every kind of object of the full demo, with a tenth of its households: the pages are the same,
    # the load takes seconds instead of a minute.
    small = functools.partial(load_registry, households=300, comparison_households=30)
    with mock.patch.object(loader, "load_registry", small):
        assert loader.load() is True
    import_job_seed()
    SEEDS[:] = object_seeds()


def test_every_page_of_every_role_passes_axe_and_the_language_checks(
    browser, live_server, walk_demo, django_db_blocker
):
    """One test, so the demo is loaded once (pytest-django flushes the database after each test that
    uses the live server). It fails with every problem of every role, then with the routes no role
    reached that are not in EXCLUDED."""
    catalogue, covered, walked, failures = Catalogue(), Checked(), defaultdict(list), []
    checked = alike = 0
    started_all = time.monotonic()
    roles = [r for r in os.environ.get("WALK_ROLES", "").split(",") if r] or ROLES
    for role in roles:
        started = time.monotonic()
        walker = Walker(browser, live_server.url, role, catalogue, django_db_blocker, covered)
        counts = {}
        try:
            walker.set_language("fa")
            walker.sign_in()
            found = None
            for lang in ("fa", "en"):
                walker.set_language(lang)
                # 320 px: the facilitator's pages in Persian (the phone user), the public pages in both.
                narrow = role in NARROW_ROLES and (lang == "fa" or role == "anonymous")
                pages = walker.walk(lang, narrow=narrow, urls=found)
                walker.check_error_pages(lang)
                found = [url for _route, url in pages]  # English: the same pages, found in Persian
                counts[lang] = len(pages)
                for route, url in pages:
                    walked[route].append((role, lang, url))
        finally:
            walker.close()
        spent = ", ".join(f"{k} {v:.0f} s" for k, v in walker.timings.items())
        print(
            f"{role}: {counts} pages in {time.monotonic() - started:.1f} s ({spent}); "
            f"{walker.checked} checked in the browser, {walker.alike} built like one checked"
        )
        checked, alike = checked + walker.checked, alike + walker.alike
        if counts.get("fa", 0) <= 1 and role != "anonymous":
            failures.append(f"{role} reached no page but the first: the walk is broken")
        if counts.get("fa") != counts.get("en"):
            failures.append(f"{role} sees different pages in Persian and English: {counts}")
        failures.extend(walker.failures)
    print(
        f"the walk: {checked} browser checks ({alike} pages built like one checked), "
        f"{time.monotonic() - started_all:.1f} s"
    )
    missing = sorted(r for r in set(ui_routes()) - set(walked) if not excluded(r))
    if missing and roles == ROLES:
        failures.append(
            "routes no role reached (link them from a page, give the demo an object for them, "
            f"or add them to EXCLUDED with the reason): {missing}"
        )
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
