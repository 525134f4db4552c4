from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "mahalleh.registry"
    label = "registry"

    def ready(self) -> None:
        from mahalleh.geo.services import OFFICE_CHANGE_HOOKS
        from mahalleh.registry.services import residents_follow_office

        if residents_follow_office not in OFFICE_CHANGE_HOOKS:
            OFFICE_CHANGE_HOOKS.append(residents_follow_office)
