from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "mahalleh.activities"
    label = "activities"
