from django.urls import path

from mahalleh.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/enrol/", views.enrol, name="enrol"),
    path("<int:pk>/enrol/search/", views.enrol_search, name="enrol_search"),
    path("<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("enrolments/<int:pk>/leave/", views.unenrol, name="unenrol"),
    path("sessions/<int:pk>/", views.attendance, name="attendance"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/delete/", views.session_delete, name="session_delete"),
    path("sessions/<int:pk>/mark/", views.attendance_mark, name="attendance_mark"),
    path("sessions/<int:pk>/walk-ins/", views.walkin_add, name="walkin_add"),
    path("sessions/<int:pk>/walk-ins/search/", views.walkin_search, name="walkin_search"),
]
