from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "dajiuzhu.documents"
    label = "documents"
    verbose_name = "签发文书"

    def ready(self) -> None:
        from dajiuzhu.documents import checks  # noqa: F401  (registers the system check)
