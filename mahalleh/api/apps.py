from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mahalleh.api"
    label = "api"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import plugins
        from mahalleh.core.roles import NATIONAL_ROLES, Role

        plugins.nav_item(
            "api",
            _("API"),
            "api-docs",
            allowed=lambda user: user.role in NATIONAL_ROLES | {Role.PROVINCE_COORDINATOR}
            or user.is_superuser,
            order=110,
        )
