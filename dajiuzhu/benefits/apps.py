from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "dajiuzhu.benefits"
    label = "benefits"
    verbose_name = "在享待遇"
    default_auto_field = "django.db.models.BigAutoField"
