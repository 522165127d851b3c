from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dajiuzhu.core"
    label = "core"
