from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_reference_rows(sender, apps=None, **kwargs):
    """The harm types and assessment items the first migration seeds, put back (idempotently) after
    anything that empties the tables and then signals post_migrate: `flush` (a test that flushed the
    database, so the next test's demo still has harm cases), or a restore into a fresh database."""
    if apps is None:  # `flush` sends no app registry: the current models
        from django.apps import apps
    try:
        apps.get_model("registry", "AssessmentItem")
    except LookupError:  # the registry's tables are not there (migrated back to zero)
        return
    import_module("mahalleh.registry.migrations.0002_search_and_seed").seed(apps, None)


class RegistryConfig(AppConfig):
    name = "mahalleh.registry"
    label = "registry"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import plugins
        from mahalleh.geo.services import OFFICE_CHANGED
        from mahalleh.registry.selectors import can_read_registry
        from mahalleh.registry.services import residents_follow_office

        plugins.nav_item(
            "registry", _("Registry"), "registry:household_list", allowed=can_read_registry, order=40
        )
        # Households, residents and harm cases follow their neighbourhood to a new office.
        plugins.provider(OFFICE_CHANGED)(residents_follow_office)
        post_migrate.connect(_seed_reference_rows, sender=self, dispatch_uid="registry-reference-rows")
