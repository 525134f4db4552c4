from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "mahalleh.registry"
    label = "registry"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import plugins
        from mahalleh.registry.selectors import can_read_registry

        plugins.nav_item(
            "registry", _("Registry"), "registry:household_list", allowed=can_read_registry, order=40
        )
