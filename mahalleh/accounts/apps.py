from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mahalleh.accounts"
    label = "accounts"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import plugins
        from mahalleh.core.roles import Role
        from mahalleh.core.scoping import can_manage_staff

        plugins.nav_item(
            "partner",
            _("My organisation"),
            "accounts:partner",
            allowed=lambda user: user.role == Role.PARTNER_USER,
            order=6,
        )
        plugins.nav_item("staff", _("Staff"), "accounts:staff_list", allowed=can_manage_staff, order=90)
