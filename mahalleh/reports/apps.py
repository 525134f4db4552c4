from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "mahalleh.reports"
    label = "reports"
    verbose_name = _("reports")

    def ready(self):
        from mahalleh.core import plugins
        from mahalleh.reports.selectors import can_read_reports

        plugins.nav_item("reports", _("Reports"), "reports:list", allowed=can_read_reports, order=78)
