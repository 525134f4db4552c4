from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "mahalleh.activities"
    label = "activities"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import plugins
        from mahalleh.core.roles import OFFICE_WORK_ROLES

        plugins.nav_item(
            "activities",
            _("Activities"),
            "activities:list",
            allowed=lambda user: user.role in OFFICE_WORK_ROLES,
            order=50,
        )

        from mahalleh.activities import timeline  # noqa: F401  (entries of the household timeline)
