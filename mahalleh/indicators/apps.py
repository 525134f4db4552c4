from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_catalogue(sender, **kwargs):
    from mahalleh.indicators import catalogue

    catalogue.sync()


class IndicatorsConfig(AppConfig):
    name = "mahalleh.indicators"
    label = "indicators"

    def ready(self):
        from mahalleh.indicators import signals

        signals.connect()
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import plugins

        plugins.nav_item(
            "indicators",
            _("Indicators"),
            "indicators:catalogue",
            allowed=lambda user: user.role != "partner_user",
            order=85,
        )
        post_migrate.connect(_sync_catalogue, sender=self, dispatch_uid="indicators-catalogue")
