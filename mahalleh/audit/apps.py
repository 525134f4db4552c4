from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mahalleh.audit"
    label = "audit"
