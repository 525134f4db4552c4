from django.urls import path

from mahalleh.registry import views_export

# Mounted under registry/export/ inside the `registry` namespace: {% url 'registry:export' %}?format=xlsx&…
urlpatterns = [
    path("", views_export.export, name="export"),
]
