from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mahalleh.core"
    label = "core"
