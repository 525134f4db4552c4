from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "mahalleh.registry"
    label = "registry"
