"""Browser journey of an experience story (issue 13): the PR officer writes a Persian story with an
English version and a photo and publishes it; a visitor with no login reads it in Persian and in
English, finds its Open Graph tags, and finds it in the feed."""

import feedparser
import pytest
from playwright.sync_api import expect

from mahalleh.stories.models import Story
from tests.e2e.conftest import sign_in, snap
from tests.stories.conftest import photo_bytes

pytestmark = pytest.mark.e2e

TITLE_FA = "باغچهٔ مشترک کوچهٔ ارغوان"
TITLE_EN = "The shared garden of Arghavan alley"


def test_pr_officer_publishes_a_bilingual_story_and_a_visitor_reads_and_finds_it(page, browsing, tmp_path):
    sign_in(page, "pr_officer")
    page.locator("[data-nav=stories]").click()
    page.get_by_test_id("new-story").click()
    page.fill("#id_title_fa", TITLE_FA)
    page.fill("#id_summary_fa", "همسایه‌ها زمین خالی کوچه را به باغچه تبدیل کردند.")
    page.fill("#id_body_fa", "## آغاز\n\nهمسایه‌ها **با هم** نهال کاشتند.")
    # The live preview follows the typing, rendered as the portal will show it.
    expect(page.get_by_test_id("preview-fa").locator("strong")).to_have_text("با هم")
    page.fill("#id_title_en", TITLE_EN)
    page.fill("#id_summary_en", "Neighbours turned the alley's empty lot into a garden.")
    page.fill("#id_body_en", "## The start\n\nThe neighbours planted saplings **together**.")
    expect(page.get_by_test_id("preview-en").locator("strong")).to_have_text("together")
    page.locator("[data-testid=story-form] button[type=submit]").click()
    expect(page.get_by_test_id("story-title")).to_have_text(TITLE_FA)

    photo = tmp_path / "garden.jpg"
    photo.write_bytes(photo_bytes(size=(1400, 900), color=(60, 160, 80)))
    form = page.get_by_test_id("image-form")
    form.locator("#id_photo").set_input_files(str(photo))
    form.locator("#id_alt_fa").fill("همسایه‌ها در حال کاشتن نهال")
    form.locator("#id_alt_en").fill("Neighbours planting saplings")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("story-image")).to_have_count(1)
    page.get_by_test_id("publish-story").click()
    expect(page.get_by_test_id("story-status")).to_have_attribute("data-status", "published")
    snap(page, "stories-published-staff")
    story = Story.objects.get(title_fa=TITLE_FA)

    # A visitor, no login, in a fresh browser context.
    visitor = browsing.new_page()
    visitor.goto("/fa/")
    card = visitor.get_by_test_id("portal-story-card").filter(has_text=TITLE_FA)
    expect(card).to_be_visible()
    card.get_by_role("link", name=TITLE_FA).click()
    expect(visitor.get_by_test_id("portal-story-title")).to_have_text(TITLE_FA)
    expect(visitor.locator("html")).to_have_attribute("dir", "rtl")
    cover = visitor.locator("article img").first
    expect(cover).to_have_attribute("alt", "همسایه‌ها در حال کاشتن نهال")
    assert cover.evaluate("img => img.complete && img.naturalWidth > 0")
    og_title = visitor.locator('meta[property="og:title"]')
    expect(og_title).to_have_attribute("content", TITLE_FA)
    og_image = visitor.locator('meta[property="og:image"]').get_attribute("content")
    assert og_image.startswith(browsing.base_url + "/media/stories/") and og_image.endswith(".jpg")
    assert visitor.request.get(og_image).status == 200
    snap(visitor, "stories-portal-fa")

    visitor.get_by_role("link", name="Read this story in English").click()
    expect(visitor.get_by_test_id("portal-story-title")).to_have_text(TITLE_EN)
    expect(visitor.locator("html")).to_have_attribute("dir", "ltr")
    expect(visitor.locator('meta[property="og:title"]')).to_have_attribute("content", TITLE_EN)
    expect(visitor.locator("link[rel=alternate][hreflang=fa]")).to_have_attribute(
        "href", f"{browsing.base_url}/fa/stories/{story.pk}-{story.slug}/"
    )
    snap(visitor, "stories-portal-en")

    # The feed a reader subscribes to lists it.
    feed_href = visitor.locator('link[type="application/rss+xml"]').get_attribute("href")
    feed = feedparser.parse(visitor.request.get(browsing.base_url + feed_href).body())
    assert not feed.bozo
    assert TITLE_EN in [e.title for e in feed.entries]
