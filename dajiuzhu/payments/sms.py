"""The SMS gateway the payment notices (到账短信) are handed to.

After a bank's result file is imported, every paid line has a notice in the outbox (PaymentNotice,
status 待发送). ``manage.py payments_send_notices`` (run it from cron, e.g. every ten minutes) gives each
queued notice to the gateway named by ``settings.DAJIUZHU_SMS_GATEWAY`` and marks it 已发送 or 发送失败.

The default, :class:`FileOutbox`, sends nothing: it appends one JSON line per message (phone, text,
reference, at) to ``sms-outbox.jsonl`` under the data directory (``settings.DATA_DIR``, i.e.
``$DAJIUZHU_DATA_DIR``; ``settings.DAJIUZHU_SMS_OUTBOX`` overrides the path), for a county whose SMS
operator takes a file, or for a demo. The outbox page also exports the queued notices as a CSV.

To plug in a county's SMS platform (政务短信平台, an operator's API), write a class with this method and
name it in the settings::

    # mycounty/sms.py
    class CountySms:
        def __init__(self) -> None:  # read its URL and key from settings/the environment here
            ...

        def send(self, *, phone: str, text: str, reference: int) -> None:
            # call the platform; raise any exception when it refuses the message: the notice is
            # marked 发送失败 with the exception's text and the batch goes on with the next one
            ...

    # settings
    DAJIUZHU_SMS_GATEWAY = "mycounty.sms.CountySms"

``reference`` is the roll line's id: pass it to the platform as the message's business id, so a
message sent twice can be recognised. The class is instantiated with no arguments, once per run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from dajiuzhu.core import clock

DEFAULT_GATEWAY = "dajiuzhu.payments.sms.FileOutbox"
OUTBOX_NAME = "sms-outbox.jsonl"


@runtime_checkable
class SmsGateway(Protocol):
    def send(self, *, phone: str, text: str, reference: int) -> None:
        """Send one message; raise when it is refused (the caller records the failure)."""
        ...


def outbox_path() -> Path:
    configured = getattr(settings, "DAJIUZHU_SMS_OUTBOX", None)
    if configured:
        return Path(configured)
    return Path(settings.DATA_DIR) / OUTBOX_NAME


class FileOutbox:
    """Appends each message as one JSON line to a file (the default gateway)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else outbox_path()

    def send(self, *, phone: str, text: str, reference: int) -> None:
        if not phone:
            raise ValueError("手机号码为空")
        record = {"phone": phone, "text": text, "reference": reference, "at": clock.now().isoformat()}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One write on a file opened for appending: lines of two runs at once do not interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def gateway_from_settings() -> SmsGateway:
    """An instance of the class named by settings.DAJIUZHU_SMS_GATEWAY (default: FileOutbox)."""
    dotted = getattr(settings, "DAJIUZHU_SMS_GATEWAY", None) or DEFAULT_GATEWAY
    try:
        cls = import_string(dotted)
    except ImportError as exc:
        raise ImproperlyConfigured(f"DAJIUZHU_SMS_GATEWAY：无法导入短信网关“{dotted}”（{exc}）") from exc
    gateway = cls()
    if not isinstance(gateway, SmsGateway):
        raise ImproperlyConfigured(
            f"DAJIUZHU_SMS_GATEWAY：“{dotted}”没有 send(*, phone, text, reference) 方法"
        )
    return gateway
