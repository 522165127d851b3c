from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "dajiuzhu.areas"
    label = "areas"
