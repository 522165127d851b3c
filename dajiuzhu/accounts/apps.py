from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dajiuzhu.accounts"
    label = "accounts"
