from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "dajiuzhu.assessment"
    label = "assessment"
    verbose_name = "即时核对与批量研判"
    default_auto_field = "django.db.models.BigAutoField"
