from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mahalleh.api"
    label = "api"
