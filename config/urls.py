from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("mahalleh.core.urls")),
    path("accounts/", include("mahalleh.accounts.urls")),
    path("places/", include("mahalleh.geo.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("mahalleh.api.urls")),
    path("django-admin/", admin.site.urls),
]

handler400 = "mahalleh.core.views.error_400"
handler403 = "mahalleh.core.views.error_403"
handler404 = "mahalleh.core.views.error_404"
handler500 = "mahalleh.core.views.error_500"
