from typing import Any

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "dajiuzhu.registry"
    label = "registry"

    def ready(self) -> None:
        from dajiuzhu.core.leases import worker_starting

        worker_starting.connect(_recover_imports, dispatch_uid="registry.imports_recover")


def _recover_imports(**_kwargs: Any) -> list[int]:
    from .importing import imports_recover

    return imports_recover()
