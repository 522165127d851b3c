from django.apps import AppConfig


class ParametersConfig(AppConfig):
    name = "dajiuzhu.parameters"
    label = "parameters"
    verbose_name = "政策参数"
