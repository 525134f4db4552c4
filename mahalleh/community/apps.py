from django.utils.translation import gettext_lazy as _

from mahalleh.core import plugins
from mahalleh.core.roles import does_office_work


class CommunityConfig(plugins.PluginApp):
    name = "mahalleh.community"
    nav = (("groups", _("Groups"), "community:list", does_office_work, 70),)
    modules = ("timeline",)  # entries of the household timeline
