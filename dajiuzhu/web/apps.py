from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dajiuzhu.web"
    label = "web"
