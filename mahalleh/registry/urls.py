from django.urls import include, path

app_name = "registry"

# Pages live in views.py (households, residents, harms, consent, assessments, search),
# views_import.py (bulk import) and views_export.py (CSV/XLSX export); each module
# exposes `urlpatterns` of its own so they can grow independently.
urlpatterns = [
    path("", include("mahalleh.registry.urls_pages")),
    path("import/", include("mahalleh.registry.urls_import")),
    path("export/", include("mahalleh.registry.urls_export")),
]
