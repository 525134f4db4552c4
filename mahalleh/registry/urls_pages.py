from django.urls import path

from mahalleh.registry import views

urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/new/member-row/", views.household_member_row, name="household_member_row"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", views.person_create, name="person_create"),
    path("households/<int:pk>/assessments/new/", views.assessment_create, name="assessment_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/move/", views.person_move, name="person_move"),
    path("people/<int:pk>/status/", views.person_status, name="person_status"),
    path("people/<int:pk>/harms/new/", views.harm_create, name="harm_create"),
    path("people/<int:pk>/consents/new/", views.consent_create, name="consent_create"),
    path("harms/<int:pk>/status/", views.harm_transition, name="harm_transition"),
]
