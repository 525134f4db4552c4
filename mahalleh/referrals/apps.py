from django.utils.translation import gettext_lazy as _

from mahalleh.core import plugins
from mahalleh.core.roles import does_office_work, is_partner


class ReferralsConfig(plugins.PluginApp):
    name = "mahalleh.referrals"
    nav = (
        ("inbox", _("Referrals"), "referrals:inbox", is_partner, 5),
        ("referrals", _("Referrals"), "referrals:list", does_office_work, 60),
    )
    # The referrals on a resident's page; entries of the household timeline.
    modules = ("panels", "timeline")
