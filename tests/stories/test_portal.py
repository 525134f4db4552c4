"""The public portal: only published stories, in the language of the URL, cached until a story changes."""

import json
import xml.etree.ElementTree as ET

import feedparser
import pytest
from jsonschema import Draft202012Validator

from mahalleh.stories import services
from mahalleh.stories.portal import story_path


def _get(client, url, **headers):
    return client.get(url, **headers)


def test_home_lists_published_stories_in_both_languages_and_never_drafts(st, client):
    fa = client.get("/fa/").content.decode()
    assert "کودکان کوچه را رنگ کردند" in fa and "روایت دفتر ب" in fa
    assert "پیش‌نویس باغچه" not in fa
    assert 'lang="fa" dir="rtl"' in fa
    en = client.get("/en/").content.decode()
    assert 'lang="en" dir="ltr"' in en
    assert "Children paint their alley" in en
    assert "روایت دفتر ب" not in en  # no English version: not on the English portal


def test_drafts_and_other_offices_drafts_are_404_for_the_public(st, client, login):
    for story in (st.draft,):
        for lang in ("fa", "en"):
            assert client.get(f"/{lang}/stories/{story.pk}-{story.slug}/").status_code == 404
            assert client.get(f"/{lang}/stories/{story.pk}/").status_code == 404
    # Staff of another office get the same 404 on the staff page.
    assert login(st.world.facilitator_b).get(f"/stories/{st.draft.pk}/").status_code == 404
    assert login(st.world.manager_b).get(f"/stories/{st.draft.pk}/").status_code == 404


def test_english_page_exists_only_with_an_english_version(st, client):
    assert client.get(story_path(st.other, "en")).status_code == 404
    html = client.get(story_path(st.other, "fa")).content.decode()
    head = html.split("</head>")[0]
    assert '<link rel="alternate" hreflang="fa"' in head
    assert '<link rel="alternate" hreflang="en"' not in head


def test_story_page_has_canonical_hreflang_and_open_graph_tags(st, client):
    fa_url, en_url = story_path(st.published, "fa"), story_path(st.published, "en")
    html = client.get(en_url).content.decode()
    head = html.split("</head>")[0]
    assert f'<link rel="canonical" href="http://testserver{en_url}">' in head
    assert f'<link rel="alternate" hreflang="fa" href="http://testserver{fa_url}">' in head
    assert f'<link rel="alternate" hreflang="en" href="http://testserver{en_url}">' in head
    assert '<meta property="og:title" content="Children paint their alley">' in head
    assert '<meta property="og:locale" content="en_US">' in head
    cover = st.published_image.url("jpeg")
    assert f'<meta property="og:image" content="http://testserver{cover}">' in head
    assert '<meta name="twitter:card" content="summary_large_image">' in head
    assert '<meta property="og:image:alt" content="Children and a wall">' in head
    # The photo is served as WebP with a JPEG fallback, both with srcset, and with its alt text.
    assert 'type="image/webp" srcset="/media/stories/' in html
    assert 'alt="Children and a wall"' in html


def test_a_wrong_slug_redirects_to_the_canonical_url(st, client):
    response = client.get(f"/fa/stories/{st.published.pk}-wrong/")
    assert response.status_code == 301 and response["Location"] == story_path(st.published, "fa")


def test_pages_carry_cache_control_and_etag_and_answer_304(st, client):
    url = story_path(st.published, "fa")
    first = client.get(url)
    assert "public" in first["Cache-Control"] and "max-age" in first["Cache-Control"]
    assert first["Content-Language"] == "fa"
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_unpublishing_invalidates_the_cached_pages_at_once(st, client):
    url = story_path(st.published, "fa")
    assert client.get(url).status_code == 200
    assert "کودکان کوچه را رنگ کردند" in client.get("/fa/").content.decode()
    assert "Children paint their alley" in client.get("/en/").content.decode()
    etag = client.get(url)["ETag"]
    services.story_unpublish(actor=st.world.manager_a, story=st.published)
    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 404
    assert "کودکان کوچه را رنگ کردند" not in client.get("/fa/").content.decode()
    assert "Children paint their alley" not in client.get("/en/").content.decode()


def test_publishing_shows_the_story_on_a_cached_home_page(st, client):
    assert "پیش‌نویس باغچه" not in client.get("/fa/").content.decode()
    services.story_publish(actor=st.world.pr_a, story=st.draft)
    assert "پیش‌نویس باغچه" in client.get("/fa/").content.decode()


def test_search_finds_stories_across_spellings(st, client):
    # Arabic yeh and kaf in the query still find «کودکان کوچه».
    html = client.get("/fa/stories/", {"q": "كودكان كوچه"}).content.decode()
    assert "کودکان کوچه را رنگ کردند" in html and "روایت دفتر ب" not in html
    assert "Children paint" in client.get("/en/stories/", {"q": "paint"}).content.decode()
    assert "پیش‌نویس" not in client.get("/fa/stories/", {"q": "باغچه"}).content.decode()


def test_office_and_province_pages_list_their_stories_and_a_map(st, client):
    office = client.get(f"/fa/offices/{st.world.office_a.code}/").content.decode()
    assert "کودکان کوچه را رنگ کردند" in office and "روایت دفتر ب" not in office
    assert 'data-geojson-id="place-map"' in office
    province = client.get(f"/en/provinces/{st.world.kerman.code}/").content.decode()
    assert "Office A" in province and "Office B" in province and "Office F" not in province
    assert client.get("/fa/offices/NOPE/").status_code == 404


def test_public_figures_show_when_a_provider_is_registered_and_suppress_small_counts(st, client):
    from mahalleh.core import plugins
    from mahalleh.stories.portal import PUBLIC_FIGURES

    seen = []

    def provider(*, kind, place, lang):
        seen.append((kind, place.code, lang))
        return [
            {"label": "Children in school", "value": "120", "period": "1404"},
            {"label": "Children working", "value": None, "period": "1404"},
        ]

    url = f"/en/offices/{st.world.office_a.code}/"
    registered = plugins._PROVIDERS.pop(PUBLIC_FIGURES, None)  # the indicators app's, put back below
    try:
        services.bump_portal()
        assert "public-figures" not in client.get(url).content.decode()  # no provider, no section
        plugins.provider(PUBLIC_FIGURES)(provider)
        services.bump_portal()
        html = client.get(url).content.decode()
    finally:
        plugins._PROVIDERS.pop(PUBLIC_FIGURES, None)
        if registered is not None:
            plugins._PROVIDERS[PUBLIC_FIGURES] = registered
        services.bump_portal()
    assert seen == [("office", st.world.office_a.code, "en")]
    assert "Children in school" in html and ">120<" in html
    assert "(small count, not shown)" in html


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_rss_and_atom_feeds_parse_without_errors_and_list_published_stories(st, client, lang):
    for kind, version in (("rss", "rss20"), ("atom", "atom10")):
        response = client.get(f"/{lang}/feed/{kind}/")
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == version
        titles = [e.title for e in feed.entries]
        if lang == "fa":
            assert set(titles) == {"کودکان کوچه را رنگ کردند", "روایت دفتر ب"}
        else:
            assert titles == ["Children paint their alley"]
        entry = next(
            e for e in feed.entries if e.title in ("کودکان کوچه را رنگ کردند", "Children paint their alley")
        )
        assert entry.link == f"http://testserver{story_path(st.published, lang)}"
        assert feed.feed.language == lang or feed.feed.get("language") == lang


# JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): the required fields and their types.
JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "language": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
                "properties": {
                    "id": {"type": "string"},
                    "url": {"type": "string"},
                    "title": {"type": "string"},
                    "content_html": {"type": "string"},
                    "summary": {"type": "string"},
                    "image": {"type": "string"},
                    "date_published": {"type": "string", "format": "date-time"},
                    "date_modified": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "language": {"type": "string"},
                    "authors": {"type": "array"},
                },
            },
        },
    },
}


def test_json_feed_is_valid_json_feed_1_1(st, client):
    response = client.get("/en/feed.json")
    assert response["Content-Type"].startswith("application/feed+json")
    body = json.loads(response.content)
    Draft202012Validator(JSON_FEED_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)
    assert [i["title"] for i in body["items"]] == ["Children paint their alley"]
    assert body["items"][0]["image"].startswith("http://testserver/media/stories/")
    assert "<script" not in body["items"][0]["content_html"]


def test_sitemap_lists_both_languages_with_alternates_and_robots_points_to_it(st, client):
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 - our own response
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locs = [u.find("s:loc", ns).text for u in root.findall("s:url", ns)]
    assert f"http://testserver{story_path(st.published, 'en')}" in locs
    assert f"http://testserver{story_path(st.other, 'fa')}" in locs
    assert f"http://testserver{story_path(st.other, 'en')}" not in locs
    assert not any(f"/stories/{st.draft.pk}-" in loc for loc in locs)
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots and "Disallow: /\n" in robots


def test_draft_photos_are_private_and_published_photos_public(st, client, login):
    draft_file = "/media/" + st.draft_image.renditions[0]["webp"]
    public_file = "/media/" + st.published_image.renditions[0]["jpeg"]
    assert client.get(public_file).status_code == 200
    assert "immutable" in client.get(public_file)["Cache-Control"]
    assert client.get(draft_file).status_code == 404
    assert login(st.world.facilitator_b).get(draft_file).status_code == 404
    staff = login(st.world.pr_a).get(draft_file)
    assert staff.status_code == 200 and "no-store" in staff["Cache-Control"]


def test_the_indicators_app_gives_the_portal_last_years_figures_with_small_counts_hidden(st, client):
    """The real provider: the last whole year's facts per office, suppressed as for the analyst."""
    from mahalleh.indicators.models import Fact, Indicator
    from mahalleh.indicators.refresh import rebuild_province_sums

    w = st.world
    school = Indicator.objects.get(code="school_enrolment")
    groups = Indicator.objects.get(code="active_groups")
    rows = [
        (school, w.hood_a, "1403", 40, 50),  # an older year: not shown
        (school, w.hood_a, "1404", 45, 60),  # 75.0 %
        (school, w.hood_b, "1404", 3, 20),  # 3 children: hidden
        # Office F's 10 of 40 go too (complementary): the national total minus A would reveal B.
        (school, w.hood_f, "1404", 10, 40),
        (groups, w.hood_a, "1404", 2, None),  # groups are not people: 2 is shown
        (groups, w.hood_b, "1404", 9, None),
    ]
    for indicator, hood, period, n, d in rows:
        Fact.objects.create(indicator=indicator, neighbourhood=hood, period=period, period_kind="year",
                            numerator=n, denominator=d)  # fmt: skip
    rebuild_province_sums()  # as the refresh does after writing facts
    services.bump_portal()

    html = client.get(f"/en/offices/{w.office_a.code}/").content.decode()
    section = html[html.index('data-testid="public-figures"') :]
    assert school.name_en in section and groups.name_en in section
    assert ">75.0 %<" in section
    assert ">1404<" in section and ">1403<" not in section
    assert "(small count, not shown)" not in section
    assert ">2<" in section  # office A's two groups

    persian = client.get(f"/fa/offices/{w.office_a.code}/").content.decode()
    assert ">۷۵٫۰ درصد<" in persian and ">سال ۱۴۰۴<" in persian

    office_b = client.get(f"/en/offices/{w.office_b.code}/").content.decode()
    figures_b = office_b[office_b.index('data-testid="public-figures"') :]
    assert "(small count, not shown)" in figures_b and "15.0" not in figures_b  # 3 of 20 children
    assert ">9<" in figures_b  # nine groups are shown
    office_f = client.get(f"/en/offices/{w.office_f.code}/").content.decode()
    assert "(small count, not shown)" in office_f and "25.0" not in office_f
