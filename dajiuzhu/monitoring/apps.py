from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "dajiuzhu.monitoring"
    label = "monitoring"
    verbose_name = "低收入人口动态监测"
    default_auto_field = "django.db.models.BigAutoField"
