"""Issue #16 item 4 (WCAG 1.4.1): the progress badges of the dashboards are green, amber and red,
and colour is never the only signal: each also carries a word of its own, shown as text, and an
icon of its own (hidden from screen readers, which read the word)."""

from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.utils import translation

from mahalleh.indicators.selectors import Progress

# value for baseline 0 and target 100: 100 % of the way, 80 %, 20 %, and no figure at all.
VALUES = {"reached": 100, "on_track": 80, "behind": 20, None: None}


class Badge(HTMLParser):
    """The badge's colour class, its visible word and its hidden icon."""

    def __init__(self):
        super().__init__()
        self.classes, self.word, self.icon, self.hidden_depth, self.depth = set(), "", "", None, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.depth += 1
        if self.depth == 1:
            self.classes = set((a.get("class") or "").split())
        if a.get("aria-hidden") == "true" and self.hidden_depth is None:
            self.hidden_depth = self.depth
        assert "visually-hidden" not in (a.get("class") or ""), "the word must be seen, not only heard"

    def handle_endtag(self, tag):
        if self.hidden_depth == self.depth:
            self.hidden_depth = None
        self.depth -= 1

    def handle_data(self, data):
        if self.hidden_depth is None:
            self.word += data
        else:
            self.icon += data


BADGE = Template("{% load indicators %}{% progress_badge progress %}")


def badge(status, language: str) -> Badge:
    progress = Progress(
        indicator=None, year=1404, value=VALUES[status], baseline=0, target=100, suppressed=False
    )
    assert progress.status == status
    with translation.override(language):
        html = BADGE.render(Context({"progress": progress}))
    parser = Badge()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("language", ["fa", "en"])
def test_each_coloured_status_has_a_word_and_an_icon_of_its_own(language):
    coloured = {status: badge(status, language) for status in ("reached", "on_track", "behind")}
    colours = {s: {c for c in b.classes if c.startswith("text-bg-")} for s, b in coloured.items()}
    assert colours == {
        "reached": {"text-bg-success"},
        "on_track": {"text-bg-warning"},
        "behind": {"text-bg-danger"},
    }
    words = {s: b.word.strip() for s, b in coloured.items()}
    icons = {s: b.icon.strip() for s, b in coloured.items()}
    with translation.override(language):
        expected = {s: str(Progress(None, 1404, VALUES[s], 0, 100, False).status_label) for s in coloured}
    assert words == expected
    assert all(words.values()) and len(set(words.values())) == 3, words
    assert all(icons.values()) and len(set(icons.values())) == 3, icons


def test_no_target_is_said_in_words_without_a_colour():
    plain = badge(None, "fa")
    assert not {c for c in plain.classes if c.startswith("text-bg-")}
    with translation.override("fa"):
        assert plain.word.strip() == str(translation.gettext("no target"))
