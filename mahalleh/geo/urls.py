from django.urls import path

from mahalleh.geo import views

app_name = "geo"

urlpatterns = [
    path("provinces/", views.province_list, name="province_list"),
    path("provinces/new/", views.province_form, name="province_create"),
    path("provinces/<int:pk>/", views.province_detail, name="province_detail"),
    path("provinces/<int:pk>/edit/", views.province_form, name="province_edit"),
    path("counties/new/", views.county_form, name="county_create"),
    path("counties/<int:pk>/", views.county_detail, name="county_detail"),
    path("counties/<int:pk>/edit/", views.county_form, name="county_edit"),
    path("offices/", views.office_list, name="office_list"),
    path("offices/new/", views.office_form, name="office_create"),
    path("offices/<int:pk>/", views.office_detail, name="office_detail"),
    path("offices/<int:pk>/edit/", views.office_form, name="office_edit"),
    path("neighbourhoods/", views.neighbourhood_list, name="neighbourhood_list"),
    path("neighbourhoods/new/", views.neighbourhood_form, name="neighbourhood_create"),
    path("neighbourhoods/<int:pk>/", views.neighbourhood_detail, name="neighbourhood_detail"),
    path("neighbourhoods/<int:pk>/edit/", views.neighbourhood_form, name="neighbourhood_edit"),
    path("map/", views.map_view, name="map"),
]
