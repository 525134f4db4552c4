from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "mahalleh.geo"
    label = "geo"

    def ready(self):
        from django.urls import reverse
        from django.utils.translation import gettext_lazy as _

        from mahalleh.core import plugins
        from mahalleh.core.roles import NATIONAL_ROLES, OFFICE_ROLES, Role

        def national(user) -> bool:
            return user.role in NATIONAL_ROLES or user.is_superuser

        def staff(user) -> bool:
            return user.role != Role.PARTNER_USER

        plugins.nav_item("provinces", _("Provinces"), "geo:province_list", allowed=national, order=10)
        plugins.nav_item(
            "provinces",
            _("My province"),
            lambda user: reverse("geo:province_detail", args=[user.province_id]),
            allowed=lambda user: user.role == Role.PROVINCE_COORDINATOR and not national(user),
            order=10,
            variant="province",
        )
        plugins.nav_item(
            "office",
            _("My office"),
            lambda user: reverse("geo:office_detail", args=[user.office_id]),
            allowed=lambda user: user.role in OFFICE_ROLES and not national(user),
            order=10,
        )
        plugins.nav_item(
            "offices",
            _("Offices"),
            "geo:office_list",
            allowed=lambda user: staff(user) and (national(user) or user.role not in OFFICE_ROLES),
            order=20,
        )
        plugins.nav_item(
            "neighbourhoods", _("Neighbourhoods"), "geo:neighbourhood_list", allowed=staff, order=30
        )
        plugins.nav_item("map", _("Map"), "geo:map", allowed=staff, order=80)

        from mahalleh.geo import panels  # noqa: F401  (the home page's places panel)
