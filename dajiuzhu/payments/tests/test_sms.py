"""到账短信: the outbox handed to the county's SMS gateway (payments.sms) by services.notices_send and the
payments_send_notices command; the default gateway appends JSON lines to a file."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from dajiuzhu.accounts.models import User
from dajiuzhu.payments import selectors, services, sms
from dajiuzhu.payments.models import NoticeStatus, PaymentNotice
from dajiuzhu.payments.tests.test_pages_people import _pay_december


class FakeGateway:
    """Records what it was given; refuses the phones in `refuse` like a platform would."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.refuse = refuse
        self.sent: list[dict[str, Any]] = []

    def send(self, *, phone: str, text: str, reference: int) -> None:
        if phone in self.refuse:
            raise RuntimeError(f"号码{phone}已停机")
        self.sent.append({"phone": phone, "text": text, "reference": reference})


class Recorder(FakeGateway):
    """A gateway the settings can name (instantiated with no arguments); refuses 王德福's phone."""

    instances: list[Recorder] = []

    def __init__(self) -> None:
        super().__init__(refuse=("13900001111",))
        Recorder.instances.append(self)


@pytest.fixture
def paid(
    db: Any, entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> Any:
    # December paid in full: 张建国 and 王德福 have phones (two notices queued), 赵小花 has none.
    return _pay_december(preparer, approver)


@pytest.fixture
def outbox_file(settings: Any, tmp_path: Any) -> Any:
    settings.DATA_DIR = tmp_path
    return tmp_path / "sms-outbox.jsonl"


def _statuses() -> dict[str, tuple[str, str]]:
    return {
        n.line.beneficiary_name: (n.status, n.error) for n in PaymentNotice.objects.select_related("line")
    }


def test_notices_send_records_each_notice_sent_or_failed(paid):
    # given a gateway that refuses 王德福's phone
    gateway = FakeGateway(refuse=("13900001111",))
    # when the queued notices are sent
    counts = services.notices_send(gateway=gateway)
    # then one failed with the gateway's reason, the rest sent; the one without a phone was never queued
    assert counts == {"sent": 1, "failed": 1}
    assert _statuses() == {
        "张建国": (NoticeStatus.SENT, ""),
        "王德福": (NoticeStatus.FAILED, "号码13900001111已停机"),
        "赵小花": (NoticeStatus.NO_PHONE, ""),
    }
    zhang = PaymentNotice.objects.get(line__beneficiary_name="张建国")
    assert gateway.sent == [{"phone": "13812345678", "text": zhang.text, "reference": zhang.line_id}]
    assert zhang.sent_at is not None


def test_a_second_run_sends_nothing_again(paid):
    services.notices_send(gateway=FakeGateway())
    gateway = FakeGateway()
    assert services.notices_send(gateway=gateway) == {"sent": 0, "failed": 0}
    assert gateway.sent == []


def test_file_outbox_appends_one_json_line_per_message(outbox_file):
    # given a message already in the outbox
    outbox = sms.FileOutbox()
    outbox.send(phone="13812345678", text="您202612期最低生活保障650.00元已发放", reference=7)
    # when a second one is sent
    sms.FileOutbox().send(phone="13900001111", text="第二条", reference=8)
    # then two lines, each with phone, text, reference and the time
    lines = outbox_file.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [{k: r[k] for k in ("phone", "text", "reference")} for r in records] == [
        {"phone": "13812345678", "text": "您202612期最低生活保障650.00元已发放", "reference": 7},
        {"phone": "13900001111", "text": "第二条", "reference": 8},
    ]
    assert all(r["at"].startswith("20") for r in records)
    assert "最低生活保障" in lines[0]  # UTF-8 text, not \u escapes


def test_file_outbox_refuses_a_message_without_phone(tmp_path):
    outbox = sms.FileOutbox(tmp_path / "out.jsonl")
    with pytest.raises(ValueError, match="手机号码为空"):
        outbox.send(phone="", text="x", reference=1)
    assert not (tmp_path / "out.jsonl").exists()


def test_outbox_path_may_be_set(settings, tmp_path):
    settings.DAJIUZHU_SMS_OUTBOX = str(tmp_path / "sms" / "county.jsonl")
    sms.FileOutbox().send(phone="13812345678", text="x", reference=1)
    assert (tmp_path / "sms" / "county.jsonl").read_text(encoding="utf-8").count("\n") == 1


def test_gateway_from_settings_defaults_to_the_file_outbox(settings, outbox_file):
    if hasattr(settings, "DAJIUZHU_SMS_GATEWAY"):
        del settings.DAJIUZHU_SMS_GATEWAY
    gateway = sms.gateway_from_settings()
    assert isinstance(gateway, sms.FileOutbox) and gateway.path == outbox_file


def test_gateway_from_settings_imports_the_named_class(settings):
    settings.DAJIUZHU_SMS_GATEWAY = "dajiuzhu.payments.tests.test_sms.Recorder"
    gateway = sms.gateway_from_settings()
    assert isinstance(gateway, Recorder) and isinstance(gateway, sms.SmsGateway)


@pytest.mark.parametrize(
    ("dotted", "message"),
    [
        ("dajiuzhu.payments.tests.nowhere.Gateway", "无法导入短信网关"),
        ("dajiuzhu.payments.tests.test_sms.NotAGateway", "没有 send(*, phone, text, reference) 方法"),
    ],
)
def test_a_wrong_gateway_setting_fails_loudly(settings, dotted, message):
    settings.DAJIUZHU_SMS_GATEWAY = dotted
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        sms.gateway_from_settings()


class NotAGateway:
    pass


def test_command_sends_through_the_configured_gateway_and_prints_the_counts(paid, settings, outbox_file):
    # given the default file outbox; when the command runs with --limit 1, then again
    out = io.StringIO()
    call_command("payments_send_notices", "--limit", "1", stdout=out)
    call_command("payments_send_notices", stdout=out)
    # then one notice each time, both in the file, in the order they were queued
    assert out.getvalue().splitlines() == [
        "到账短信：发送成功 1 条，发送失败 0 条",
        "到账短信：发送成功 1 条，发送失败 0 条",
    ]
    queued = list(PaymentNotice.objects.exclude(status=NoticeStatus.NO_PHONE).order_by("id"))
    records = [json.loads(line) for line in outbox_file.read_text(encoding="utf-8").splitlines()]
    assert [(r["phone"], r["text"], r["reference"]) for r in records] == [
        (n.phone, n.text, n.line_id) for n in queued
    ]
    assert {n.status for n in queued} == {NoticeStatus.SENT}
    # the outbox filters by the notice's own status ("sent" is not the line's 已报盘)
    preparer = User.objects.get(username="preparer")
    sent = selectors.notices_for_user(user=preparer, status=NoticeStatus.SENT)
    assert sorted(n.pk for n in sent) == sorted(n.pk for n in queued)


def test_command_counts_the_failures(paid, settings):
    settings.DAJIUZHU_SMS_GATEWAY = "dajiuzhu.payments.tests.test_sms.Recorder"
    Recorder.instances.clear()
    out = io.StringIO()
    call_command("payments_send_notices", stdout=out)
    assert out.getvalue() == "到账短信：发送成功 1 条，发送失败 1 条\n"
    assert len(Recorder.instances) == 1
    assert [m["phone"] for m in Recorder.instances[0].sent] == ["13812345678"]
    assert _statuses()["王德福"] == (NoticeStatus.FAILED, "号码13900001111已停机")
