from django.urls import path, re_path

from mahalleh.registry import views_import as views

# Included under registry/import/ in the "registry" namespace.
urlpatterns = [
    path("", views.import_upload, name="import_upload"),
    path("", views.import_upload, name="import"),  # the name other pages link to
    re_path(r"^template\.(?P<fmt>xlsx|csv)$", views.import_template, name="import_template"),
    path("<int:pk>/", views.import_job, name="import_job"),
    path("<int:pk>/status/", views.import_job_status, name="import_job_status"),
    path("<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("<int:pk>/report.xlsx", views.import_report, name="import_report"),
]
