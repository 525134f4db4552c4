from django.urls import path

from mahalleh.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:table>.<slug:fmt>", views.dashboard_download, name="download"),
    path("targets/", views.targets, name="targets"),
    path("targets/import/", views.targets_import, name="targets_import"),
    path("manual/", views.manual_list, name="manual_list"),
    path("manual/new/", views.manual_create, name="manual_create"),
    path("manual/<int:pk>/decide/", views.manual_decide, name="manual_decide"),
    path("<slug:code>/", views.indicator_detail, name="detail"),
    path("<slug:code>/edit/", views.indicator_edit, name="edit"),
]
