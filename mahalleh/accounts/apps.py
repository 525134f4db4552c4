from django.utils.translation import gettext_lazy as _

from mahalleh.core import plugins
from mahalleh.core.roles import is_partner
from mahalleh.core.scoping import can_manage_staff


class AccountsConfig(plugins.PluginApp):
    name = "mahalleh.accounts"
    nav = (
        ("partner", _("My organisation"), "accounts:partner", is_partner, 6),
        ("staff", _("Staff"), "accounts:staff_list", can_manage_staff, 90),
    )
