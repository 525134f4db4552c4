from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "mahalleh.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self):
        from mahalleh.ops import jobs

        jobs.connect_signals()
