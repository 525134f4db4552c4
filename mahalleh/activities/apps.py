from django.utils.translation import gettext_lazy as _

from mahalleh.core import plugins
from mahalleh.core.roles import does_office_work


class ActivitiesConfig(plugins.PluginApp):
    name = "mahalleh.activities"
    nav = (("activities", _("Activities"), "activities:list", does_office_work, 50),)
    modules = ("timeline",)  # entries of the household timeline
