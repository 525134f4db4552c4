from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from mahalleh.core.views import favicon
from mahalleh.stories import portal as stories_portal

# Each app's pages under its prefix, tried in this order ("" first: the home page and health checks).
APP_URLS = [
    ("", "core"),
    ("", "ops"),
    ("accounts/", "accounts"),
    ("places/", "geo"),
    ("registry/", "registry"),
    ("audit/", "audit"),
    ("activities/", "activities"),
    ("referrals/", "referrals"),
    ("groups/", "community"),
    ("evaluation/", "evaluation"),
    ("stories/", "stories"),
    ("indicators/", "indicators"),
    ("reports/", "reports"),
    ("api/", "api"),
]

urlpatterns = [
    *(path(prefix, include(f"mahalleh.{app}.urls")) for prefix, app in APP_URLS),
    path("i18n/setlang/", set_language, name="set_language"),
    path("django-admin/", admin.site.urls),
    # The public portal: /fa/…, /en/…, feeds, story photos; and the sitemap and robots.txt of the site.
    path("", include("mahalleh.stories.portal_urls")),
    path("sitemap.xml", stories_portal.sitemap_view, name="sitemap"),
    path("robots.txt", stories_portal.robots_txt, name="robots"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", favicon),
]

handler400 = "mahalleh.core.views.error_400"
handler403 = "mahalleh.core.views.error_403"
handler404 = "mahalleh.core.views.error_404"
handler500 = "mahalleh.core.views.error_500"
