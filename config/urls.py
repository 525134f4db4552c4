from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from mahalleh.core.views import favicon

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
    path("indicators/", include("mahalleh.indicators.urls")),
    path("reports/", include("mahalleh.reports.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("mahalleh.api.urls")),
    path("django-admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", favicon),
]

handler400 = "mahalleh.core.views.error_400"
handler403 = "mahalleh.core.views.error_403"
handler404 = "mahalleh.core.views.error_404"
handler500 = "mahalleh.core.views.error_500"
