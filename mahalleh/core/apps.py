from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mahalleh.core"
    label = "core"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import lookups, plugins  # noqa: F401  (lookups: registers field__any)

        plugins.nav_item("home", _("Home"), "core:home", allowed=lambda user: True, order=0)
