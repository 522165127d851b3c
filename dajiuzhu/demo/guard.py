"""The one switch every demo and seed command passes: DEBUG (a developer's machine, `make demo`) or
DAJIUZHU_DEMO=true (a training instance). Anything else is treated as production and refused."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

REFUSED_MESSAGE = (
    "演示和模拟数据命令只能在开发或演示环境运行，会创建公开密码的账号：请设置 DAJIUZHU_DEBUG=true "
    "或 DAJIUZHU_DEMO=true，切勿在生产数据库上运行。"
    " / Demo and seed commands create users with published passwords and run only with "
    "DAJIUZHU_DEBUG=true or DAJIUZHU_DEMO=true; never run them on a production database."
)


def demo_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "DAJIUZHU_DEMO", False))


def demo_require() -> None:
    if not demo_allowed():
        raise CommandError(REFUSED_MESSAGE)


class DemoCommand(BaseCommand):
    """Base of the demo commands: refuses before anything is read or written."""

    def execute(self, *args: Any, **options: Any) -> Any:
        demo_require()
        return super().execute(*args, **options)
