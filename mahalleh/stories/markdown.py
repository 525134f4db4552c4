"""Story text: Markdown (markdown-it-py, CommonMark with tables and strikethrough) rendered to HTML,
then sanitised with nh3 (Ammonia) against a short allow-list.

Raw HTML in the Markdown is never passed through: markdown-it escapes it (``html=False``), and the
sanitiser removes anything outside the allow-list anyway (script, style, iframe, event-handler
attributes, ``javascript:`` links), so a story can never carry script into the public portal.
"""

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "blockquote",
    "ul", "ol", "li", "a", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"scope"}}


def _shift_headings(tokens) -> None:
    # The story's title is the page's only h1: a "# heading" in the text becomes an h2, and so on.
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        if token.type == "th_open":
            token.attrSet("scope", "col")


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render(text: str) -> str:
    """Safe HTML of a story's Markdown text."""
    if not text:
        return ""
    tokens = _md.parse(text)
    _shift_headings(tokens)
    return sanitize(_md.renderer.render(tokens, _md.options, {}))


_md_html = MarkdownIt("commonmark", {"html": True})


def raw_html_tags(text: str) -> list[str]:
    """The raw HTML pieces a writer typed into the Markdown (``<script>``, ``<img onerror=…>``…).

    The service refuses a text that has any, with this list in the message, rather than keep a text
    that would read differently on the page than it was written.
    """
    found = []

    def walk(tokens):
        for token in tokens:
            if token.type in ("html_block", "html_inline"):
                found.append(token.content.strip()[:60])
            if token.children:
                walk(token.children)

    walk(_md_html.parse(text or ""))
    return found
