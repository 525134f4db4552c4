from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "mahalleh.referrals"
    label = "referrals"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import plugins
        from mahalleh.core.roles import OFFICE_WORK_ROLES, Role

        plugins.nav_item(
            "inbox",
            _("Referrals"),
            "referrals:inbox",
            allowed=lambda user: user.role == Role.PARTNER_USER,
            order=5,
        )
        plugins.nav_item(
            "referrals",
            _("Referrals"),
            "referrals:list",
            allowed=lambda user: user.role in OFFICE_WORK_ROLES,
            order=60,
        )

        from mahalleh.referrals import (
            panels,  # noqa: F401  (the referrals on a resident's page)
            timeline,  # noqa: F401  (entries of the household timeline)
        )
