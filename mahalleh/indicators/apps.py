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
        from mahalleh.core.roles import Role
        from mahalleh.indicators import public, views

        # The home page is the role's dashboard (partner users keep their own home page).
        plugins.provider("home_page")(views.dashboard)
        # The story portal's province and office pages show a few suppressed headline figures.
        plugins.provider("public_figures")(public.figures)
        plugins.nav_item(
            "indicators",
            _("Indicators"),
            "indicators:catalogue",
            allowed=lambda user: user.role != Role.PARTNER_USER,
            order=85,
        )
        post_migrate.connect(_sync_catalogue, sender=self, dispatch_uid="indicators-catalogue")
