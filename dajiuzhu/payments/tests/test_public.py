"""The published list (公布): the county publishes a village's month from its approved roll and may
withdraw it with a reason (both audited); anyone reads it on the village's board without login —
masked name, household size, programme, amount, and nothing else."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.payments import services
from dajiuzhu.payments.models import PublicList, Roll
from dajiuzhu.payments.tests.conftest import CARDS, make_id

pytestmark = pytest.mark.django_db

VILLAGE_A = "371424100201"
VILLAGE_B = "371424100202"


@pytest.fixture
def approved(entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any) -> Roll:
    """临邑's December roll, approved: 张's 低保 650, 王's 特困 1200, 赵小花's 孤儿 1500 (a child's)."""
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    roll = services.roll_lock(user=preparer, roll_id=roll.pk)
    return services.roll_approve(user=approver, roll_id=roll.pk)


def publish(client: Client, villages: list[str], month: str = "2026-12") -> Any:
    return client.post(reverse("payments:publish"), {"month": month, "villages": villages})


def without_token(body: bytes) -> bytes:
    """A page without its per-response CSRF token (the only part that differs between two requests)."""
    return re.sub(rb'"X-CSRFToken": "[^"]*"', b"", body)


def entries(plist: PublicList) -> list[tuple[str, int, str, Decimal]]:
    return [(e.masked_name, e.household_size, e.programme_name, e.amount) for e in plist.entries.all()]


def test_publishing_two_villages_freezes_their_lists_and_is_audited(
    client: Any, approved: Roll, preparer: Any
) -> None:
    client.force_login(preparer)
    # when the county publishes December for both villages of 临邑镇
    response = publish(client, [VILLAGE_A, VILLAGE_B])
    # then each village has its list: the orphan's allowance is not published
    assert response.status_code == 302
    a = PublicList.objects.get(village_id=VILLAGE_A, month=dt.date(2026, 12, 1))
    b = PublicList.objects.get(village_id=VILLAGE_B, month=dt.date(2026, 12, 1))
    assert entries(a) == [("张**", 2, "最低生活保障（低保）", Decimal("650.00"))]
    assert entries(b) == [("王**", 1, "特困人员救助供养", Decimal("1200.00"))]
    events = AuditEvent.objects.filter(action=AuditAction.CREATE, subject_type="payments.public_list")
    assert sorted((e.area_code, e.after["entries"], e.actor_username) for e in events) == [
        (VILLAGE_A, 1, "preparer"), (VILLAGE_B, 1, "preparer"),
    ]  # fmt: skip
    # and the page says which villages are published
    page = client.get(response["Location"]).content.decode()
    assert "已公布2026年12月发放名单：东关村委会（1条）、西关村委会（1条）" in page
    row_a = page[page.index(f'id="village-{VILLAGE_A}"') : page.index(f'id="village-{VILLAGE_B}"')]
    assert "已公布" in row_a and 'name="villages"' not in row_a


def test_the_publish_page_shows_unpublished_villages_with_their_households(
    client: Any, approved: Roll, preparer: Any
) -> None:
    client.force_login(preparer)
    html = client.get(reverse("payments:publish"), {"month": "2026-12"}).content.decode()
    row_a = html[html.index(f'id="village-{VILLAGE_A}"') : html.index(f'id="village-{VILLAGE_B}"')]
    # 张's household only: 赵小花's orphan allowance is never published
    assert (
        "未公布" in row_a
        and f'value="{VILLAGE_A}"' in row_a
        and '<td data-label="可公布户数" class="num">1</td>' in row_a
    )
    assert '临邑县 <span class="tag status-1">已审批</span>' in html
    # 齐河's villages are not the county's to publish
    assert "城南社区居委会" not in html


def test_the_public_page_shows_masked_name_size_and_amount_only(
    client: Any, approved: Roll, preparer: Any, families: Any
) -> None:
    services.public_list_publish(user=preparer, village_code=VILLAGE_A, month="2026-12")
    # when anyone opens village A's payment list, without login
    response = Client().get(reverse("payments_public:village", args=[VILLAGE_A]))
    html = response.content.decode()
    assert response.status_code == 200
    listed = html[html.index('id="list-2026-12"') :]
    assert "2026年12月发放名单" in listed
    assert '<td>张**</td><td>2 人</td><td>最低生活保障（低保）</td><td class="num">650.00</td>' in listed
    # never the full name, ID numbers, address, phone, the account, nor the child's allowance
    secrets = ["张建国", "李秀英", "东关村1号", "13812345678", CARDS["zhang"], "赵小花", "赵**", "孤儿", "1500.00",
               make_id("371424", dt.date(1970, 5, 1), 11), make_id("371424", dt.date(2014, 3, 3), 31), "3714"]  # fmt: skip
    for secret in secrets:
        assert secret not in listed


def test_withdrawing_needs_a_reason_and_takes_the_list_off_the_board(
    client: Any, approved: Roll, preparer: Any
) -> None:
    plist = services.public_list_publish(user=preparer, village_code=VILLAGE_A, month="2026-12")
    client.force_login(preparer)
    url = reverse("payments:publish_withdraw", args=[plist.pk])
    # a withdrawal without a reason is refused and changes nothing
    response = client.post(url, {"reason": "  ", "month": "2026-12"})
    assert response.status_code == 400 and "撤回原因" in response.content.decode()
    assert PublicList.objects.get(pk=plist.pk).withdrawn_at is None
    assert not AuditEvent.objects.filter(
        action=AuditAction.UPDATE, subject_type="payments.public_list"
    ).exists()
    # with a reason it is withdrawn, audited, and gone from the public page
    response = client.post(url, {"reason": "名单金额有误，更正后重新公布", "month": "2026-12"})
    assert response.status_code == 302
    plist.refresh_from_db()
    assert plist.withdrawn_at is not None and plist.withdraw_reason == "名单金额有误，更正后重新公布"
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, subject_type="payments.public_list")
    assert (event.subject_id, event.note, event.area_code) == (
        str(plist.pk),
        "名单金额有误，更正后重新公布",
        VILLAGE_A,
    )
    html = Client().get(reverse("payments_public:village", args=[VILLAGE_A])).content.decode()
    assert "张**" not in html and "目前没有公布的救助资金发放名单" in html
    # and the village may be published again
    again = services.public_list_publish(user=preparer, village_code=VILLAGE_A, month="2026-12")
    assert again.pk != plist.pk and entries(again) == [("张**", 2, "最低生活保障（低保）", Decimal("650.00"))]


def test_a_month_whose_roll_is_not_approved_cannot_be_published(
    client: Any, entitled: Any, accounts: Any, preparer: Any, today: Any
) -> None:
    services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    client.force_login(preparer)
    response = publish(client, [VILLAGE_A])
    assert response.status_code == 400
    assert "2026年12月的发放名册尚未审批，不能公布" in response.content.decode()
    assert not PublicList.objects.exists()
    assert not AuditEvent.objects.filter(subject_type="payments.public_list").exists()


def test_publishing_twice_and_other_villages_are_refused(
    client: Any, approved: Roll, preparer: Any, county2_user: Any, worker_a: Any
) -> None:
    services.public_list_publish(user=preparer, village_code=VILLAGE_A, month="2026-12")
    client.force_login(preparer)
    response = publish(client, [VILLAGE_A])
    assert response.status_code == 409 and "东关村委会2026年12月的发放名单已公布" in response.content.decode()
    assert PublicList.objects.count() == 1
    # 齐河's admin cannot publish 临邑's village, a village assistant cannot publish at all
    client.force_login(county2_user)
    assert publish(client, [VILLAGE_B]).status_code == 404
    client.force_login(worker_a)
    assert publish(client, [VILLAGE_B]).status_code == 403
    assert client.get(reverse("payments:publish")).status_code == 403
    assert PublicList.objects.count() == 1


def test_unknown_inactive_or_non_village_codes_give_the_same_404(
    client: Any, approved: Roll, preparer: Any, areas: Any
) -> None:
    services.public_list_publish(user=preparer, village_code=VILLAGE_B, month="2026-12")
    areas["village_b"].is_active = False
    areas["village_b"].save(update_fields=["is_active"])
    anonymous = Client()
    bodies = []
    for code in ("999999999999", VILLAGE_B, "371424100", "x"):
        response = anonymous.get(reverse("payments_public:village", args=[code]))
        assert response.status_code == 404
        bodies.append(without_token(response.content))
    # the same page as the notice board's own for an unknown village
    board = anonymous.get(reverse("notices:board", args=["999999999999"]))
    assert board.status_code == 404
    assert len(set([*bodies, without_token(board.content)])) == 1
    assert "王**" not in bodies[1].decode()


def test_the_village_board_links_to_the_payment_list(client: Any, areas: Any) -> None:
    html = Client().get(reverse("notices:board", args=[VILLAGE_A])).content.decode()
    section = html[html.index('id="payment-lists"') :]
    assert "发放名单公布" in section and f'href="/notices/payments/{VILLAGE_A}/"' in section
