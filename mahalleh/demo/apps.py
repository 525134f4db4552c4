from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "mahalleh.demo"
    label = "demo"
