from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "dajiuzhu.registry"
    label = "registry"
