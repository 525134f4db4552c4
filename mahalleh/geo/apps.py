from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "mahalleh.geo"
    label = "geo"
