from django.apps import AppConfig


class EldercareConfig(AppConfig):
    name = "dajiuzhu.eldercare"
    label = "eldercare"
    verbose_name = "养老服务"
    default_auto_field = "django.db.models.BigAutoField"
