from django.utils.translation import gettext_lazy as _

from mahalleh.core import plugins
from mahalleh.core.roles import NATIONAL_ROLES, Role


def _reads_api_docs(user) -> bool:
    return user.role in NATIONAL_ROLES | {Role.PROVINCE_COORDINATOR} or user.is_superuser


class ApiConfig(plugins.PluginApp):
    name = "mahalleh.api"
    nav = (("api", _("API"), "api-docs", _reads_api_docs, 110),)
