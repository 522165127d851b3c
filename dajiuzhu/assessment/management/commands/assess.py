"""`dajiuzhu assess`: a live assessment run of a user's area, now, in this process (no worker needed).
Useful from cron, after an import, and in `make demo` so the demo opens with results to look at."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from dajiuzhu.accounts.models import User
from dajiuzhu.assessment import services
from dajiuzhu.assessment.models import AssessmentRun, RunStatus
from dajiuzhu.core.commands import date_option
from dajiuzhu.core.errors import DomainError


class Command(BaseCommand):
    help = "按评估日期对某用户辖区内的全部家庭进行全量研判（在当前进程中完成）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="以该用户的身份和辖区发起（需有全量研判权限）")
        parser.add_argument("--date", help="评估日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--area", help="辖区内的某个县（区）代码，默认该用户的辖区")
        parser.add_argument("--if-none", action="store_true", help="已有完成的研判时不再重复")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).select_related("area").first()
        if user is None:
            raise CommandError(f"用户“{options['user']}”不存在")
        if options["if_none"] and AssessmentRun.objects.filter(status=RunStatus.DONE).exists():
            self.stdout.write("已有研判结果，跳过")
            return
        on = date_option(options["date"], "评估日期")
        try:
            with transaction.atomic():
                run = services.run_start(user=user, on=on, area_code=options["area"], defer=True)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        run = services.run_execute(run_id=run.pk)
        if run.status != RunStatus.DONE:
            raise CommandError(run.error)
        total = run.summary["total"]
        self.stdout.write(
            f"研判完成：{run.progress_total} 户，用时 {run.seconds:.1f} 秒；符合低保 {total['dibao_households']} 户，"
            f"低保边缘 {total['edge_households']} 户，特困 {total['tekun_persons']} 人"
            + (f"；{run.problem_count} 户数据有问题未参与" if run.problem_count else "")
        )
