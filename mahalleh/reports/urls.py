from django.urls import path

from mahalleh.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/status/", views.report_status, name="status"),
    path("<int:pk>/narrative/", views.report_narrative, name="narrative"),
    path("<int:pk>/approve/", views.report_approve, name="approve"),
    path("<int:pk>/file/<str:kind>/", views.report_file, name="file"),
]
