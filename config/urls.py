from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from mahalleh.core.views import favicon
from mahalleh.stories import portal as stories_portal

urlpatterns = [
    path("", include("mahalleh.core.urls")),
    path("", include("mahalleh.ops.urls")),
    path("accounts/", include("mahalleh.accounts.urls")),
    path("places/", include("mahalleh.geo.urls")),
    path("registry/", include("mahalleh.registry.urls")),
    path("audit/", include("mahalleh.audit.urls")),
    path("activities/", include("mahalleh.activities.urls")),
    path("referrals/", include("mahalleh.referrals.urls")),
    path("groups/", include("mahalleh.community.urls")),
    path("evaluation/", include("mahalleh.evaluation.urls")),
    path("stories/", include("mahalleh.stories.urls")),
    path("indicators/", include("mahalleh.indicators.urls")),
    path("reports/", include("mahalleh.reports.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("mahalleh.api.urls")),
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
