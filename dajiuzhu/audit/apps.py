from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dajiuzhu.audit"
    label = "audit"
