"""URLs of the public portal (included at the site root): /fa/… and /en/…, feeds, sitemap, robots."""

from django.urls import path, register_converter

from mahalleh.stories import feeds, media, portal


class LanguageConverter:
    regex = "fa|en"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LanguageConverter, "lang")

app_name = "portal"

urlpatterns = [
    path("<lang:lang>/", portal.home, name="home"),
    path("<lang:lang>/stories/", portal.story_list, name="stories"),
    path("<lang:lang>/stories/<int:pk>-<slug:slug>/", portal.story_detail, name="story"),
    path("<lang:lang>/stories/<int:pk>/", portal.story_detail, name="story_short"),
    path("<lang:lang>/provinces/<slug:code>/", portal.province_page, name="province"),
    path("<lang:lang>/offices/<slug:code>/", portal.office_page, name="office"),
    path("<lang:lang>/feed/rss/", feeds.rss_view, name="feed_rss"),
    path("<lang:lang>/feed/atom/", feeds.atom_view, name="feed_atom"),
    path("<lang:lang>/feed.json", feeds.json_view, name="feed_json"),
    path("media/stories/<slug:token>/<str:name>", media.story_media, name="media"),
]
