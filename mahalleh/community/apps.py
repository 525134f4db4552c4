from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "mahalleh.community"
    label = "community"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import plugins
        from mahalleh.core.roles import OFFICE_WORK_ROLES

        plugins.nav_item(
            "groups",
            _("Groups"),
            "community:list",
            allowed=lambda user: user.role in OFFICE_WORK_ROLES,
            order=70,
        )

        from mahalleh.community import timeline  # noqa: F401  (entries of the household timeline)
