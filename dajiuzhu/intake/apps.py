from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "dajiuzhu.intake"
    label = "intake"
    verbose_name = "一窗受理"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dajiuzhu.intake.catalogue import install_effective_items

        install_effective_items()
