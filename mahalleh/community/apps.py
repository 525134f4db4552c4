from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "mahalleh.community"
    label = "community"
