from django.urls import path

from mahalleh.audit import views

app_name = "audit"

# Read-only on purpose: the audit trail has no edit or delete view.
urlpatterns = [
    path("", views.audit_list, name="list"),
]
