from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "mahalleh.registry"
    label = "registry"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import plugins
        from mahalleh.geo.services import OFFICE_CHANGED
        from mahalleh.registry.selectors import can_read_registry
        from mahalleh.registry.services import residents_follow_office

        plugins.nav_item(
            "registry", _("Registry"), "registry:household_list", allowed=can_read_registry, order=40
        )
        # Households, residents and harm cases follow their neighbourhood to a new office.
        plugins.provider(OFFICE_CHANGED)(residents_follow_office)
