"""Feeds of the published stories, one set per language: RSS 2.0 and Atom 1.0 through Django's
syndication framework, and JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""

import json

from django.contrib.syndication.views import Feed
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.translation import gettext as _

from mahalleh.stories import selectors
from mahalleh.stories.cache import portal_page
from mahalleh.stories.portal import story_path

ITEMS = 20


class StoryRss(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request, lang):
        return lang

    def title(self, lang):
        with translation.override(lang):
            return _("Mahalleh: stories of the neighbourhood facilitation offices")

    def description(self, lang):
        with translation.override(lang):
            return _("Experience stories of the neighbourhood facilitation offices.")

    subtitle = description

    def link(self, lang):
        return reverse("portal:home", kwargs={"lang": lang})

    def feed_url(self, lang):
        return reverse(
            "portal:feed_atom" if self.feed_type is Atom1Feed else "portal:feed_rss", kwargs={"lang": lang}
        )

    def author_name(self, lang):
        with translation.override(lang):
            return _("Mahalleh")

    def items(self, lang):
        self._lang = lang
        return selectors.public_story_list(lang=lang)[:ITEMS]

    def item_title(self, story):
        return story.text(self._lang, "title")

    def item_description(self, story):
        return story.text(self._lang, "summary")

    def item_link(self, story):
        return story_path(story, self._lang)

    def item_guid(self, story):
        return self._absolute(self.item_link(story))

    item_guid_is_permalink = True

    def item_pubdate(self, story):
        return story.published_at

    def item_updateddate(self, story):
        return story.updated_at

    def item_author_name(self, story):
        return story.office.name_en or story.office.name_fa if self._lang == "en" else story.office.name_fa

    def item_categories(self, story):
        with translation.override(self._lang):
            return [str(t.get_theme_display()) for t in story.theme_tags.all()]

    def item_enclosures(self, story):
        if not story.cover or not story.cover.renditions:
            return []
        path = story.cover.largest["jpeg"]
        try:
            size = default_storage.size(path)
        except OSError:
            return []
        return [Enclosure(self._absolute(story.cover.url("jpeg")), str(size), "image/jpeg")]

    def _absolute(self, path):
        return self._request.build_absolute_uri(path)

    def __call__(self, request, *args, **kwargs):
        self._request = request
        return super().__call__(request, *args, **kwargs)


class StoryAtom(StoryRss):
    feed_type = Atom1Feed


def json_feed(request, lang):
    absolute = request.build_absolute_uri
    items = []
    for story in selectors.public_story_list(lang=lang)[:ITEMS]:
        url = absolute(story_path(story, lang))
        item = {
            "id": url,
            "url": url,
            "title": story.text(lang, "title"),
            "summary": story.text(lang, "summary"),
            "content_html": story.text(lang, "body_html"),
            "date_published": story.published_at.isoformat(),
            "date_modified": story.updated_at.isoformat(),
            "language": lang,
            "authors": [
                {
                    "name": story.office.name_en or story.office.name_fa
                    if lang == "en"
                    else story.office.name_fa
                }
            ],
            "tags": [t.theme for t in story.theme_tags.all()],
        }
        if story.cover:
            item["image"] = absolute(story.cover.url("jpeg"))
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _("Mahalleh: stories of the neighbourhood facilitation offices"),
        "description": _("Experience stories of the neighbourhood facilitation offices."),
        "home_page_url": absolute(reverse("portal:home", kwargs={"lang": lang})),
        "feed_url": absolute(reverse("portal:feed_json", kwargs={"lang": lang})),
        "language": lang,
        "authors": [{"name": _("Mahalleh")}],
        "items": items,
    }
    body = json.dumps(feed, ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/feed+json; charset=utf-8")


rss_view = portal_page(StoryRss())
atom_view = portal_page(StoryAtom())
json_view = portal_page(json_feed)
