from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mahalleh.audit"
    label = "audit"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from mahalleh.audit.selectors import can_browse_audit
        from mahalleh.core import plugins

        # Office managers, province coordinators, the national admin.
        plugins.nav_item("audit", _("Audit"), "audit:list", allowed=can_browse_audit, order=100)
