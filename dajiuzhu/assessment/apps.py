from typing import Any

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "dajiuzhu.assessment"
    label = "assessment"
    verbose_name = "即时核对与批量研判"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dajiuzhu.core.leases import worker_starting

        worker_starting.connect(_recover_runs, dispatch_uid="assessment.runs_recover")


def _recover_runs(**_kwargs: Any) -> list[int]:
    from .services import runs_recover

    return runs_recover()
