"""`manage.py payments_send_notices`: hand the queued payment notices (到账短信) to the county's SMS
gateway (payments.sms, settings.DAJIUZHU_SMS_GATEWAY). Run it from cron; a notice is sent once — a
second run picks up only what is still queued (a failed one stays 发送失败 for the outbox page)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dajiuzhu.payments.services import notices_send
from dajiuzhu.payments.sms import gateway_from_settings


class Command(BaseCommand):
    help = "发送到账短信：把待发送的到账通知交给短信网关"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=10_000, help="本次最多发送的条数（默认 10000）")

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["limit"]
        if limit < 1:
            raise CommandError("--limit 应为正整数")
        counts = notices_send(gateway=gateway_from_settings(), limit=limit)
        self.stdout.write(f"到账短信：发送成功 {counts['sent']} 条，发送失败 {counts['failed']} 条")
