"""Provider settlement: verified visits × hourly price, each visit once, pending exceptions block approval,
four eyes, the total recomputed from the lines."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError

from dajiuzhu.core import clock
from dajiuzhu.core.errors import NotFound
from dajiuzhu.eldercare import homecare, settlement
from dajiuzhu.eldercare.errors import StatementInvalid
from dajiuzhu.eldercare.models import OrderStatus, StatementLine, Visit

from .test_homecare import NEAR, TODAY

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today(settings):
    settings.DAJIUZHU_TODAY = TODAY.isoformat()


def served(
    county_user,
    elder,
    provider,
    carer,
    *,
    kind="cleaning",
    items=("laundry",),
    planned=60,
    actual=45,
    reason="",
):
    order = homecare.order_place(
        user=county_user,
        data={"person_id": elder.pk, "kind": kind, "items": list(items), "planned_on": TODAY.isoformat(),
              "planned_minutes": str(planned), "provider": provider.pk},
    )  # fmt: skip
    homecare.order_assign(user=county_user, order_id=order.pk, carer_id=carer.pk)
    homecare.check_in(user=carer.user, order_id=order.pk, data=NEAR)
    Visit.objects.filter(order=order).update(
        check_in_at=clock.now() - dt.timedelta(minutes=actual, seconds=5)
    )
    homecare.check_out(
        user=carer.user,
        order_id=order.pk,
        data={**NEAR, "items_done": list(items), "exception_reason": reason},
    )
    order.refresh_from_db()
    return order


def test_a_statement_prices_each_verified_visit_once(county_user, elder, provider, carer, make_user) -> None:
    a = served(county_user, elder, provider, carer, planned=60, actual=45)  # 45 min × 30.00/h = 22.50
    b = served(
        county_user, elder, provider, carer, kind="bathing", items=("bathing",), planned=30, actual=50
    )  # capped at 30 min × 40.00 = 20.00
    assert a.status == b.status == OrderStatus.DONE
    statement = settlement.statement_prepare(user=county_user, provider_id=provider.pk, month=MONTH)
    view = settlement.statement_view(user=county_user, statement_id=statement.pk)
    assert (view.lines, view.minutes, view.amount) == (2, 75, Decimal("42.50"))
    assert {line.order_id: line.amount for line in StatementLine.objects.all()} == {
        a.pk: Decimal("22.50"),
        b.pk: Decimal("20.00"),
    }
    again = settlement.statement_prepare(
        user=county_user, provider_id=provider.pk, month=MONTH
    )  # rebuilt, not doubled
    assert again.pk == statement.pk and StatementLine.objects.count() == 2
    with pytest.raises(IntegrityError):
        StatementLine.objects.create(
            statement=statement, order=a, kind="cleaning", minutes=45, hour_price="30.00", amount="22.50"
        )


def test_pending_exceptions_block_approval_and_refused_visits_are_listed(
    county_user, elder, provider, carer, make_user
) -> None:
    served(county_user, elder, provider, carer, planned=60, actual=45)
    odd = served(county_user, elder, provider, carer, planned=120, actual=10, reason="老人提前离开")
    assert odd.status == OrderStatus.EXCEPTION
    statement = settlement.statement_prepare(user=county_user, provider_id=provider.pk, month=MONTH)
    second = make_user("county_approver", "county", username="county_b")
    with pytest.raises(StatementInvalid) as pending:
        settlement.statement_approve(user=second, statement_id=statement.pk)
    assert "异常工单未审核" in pending.value.errors[0].message
    homecare.decide(user=county_user, order_id=odd.pk, decision="refused", note="时长不足")
    statement = settlement.statement_prepare(user=county_user, provider_id=provider.pk, month=MONTH)
    view = settlement.statement_view(user=county_user, statement_id=statement.pk)
    assert view.lines == 1 and [o.pk for o in view.refused] == [odd.pk]
    with pytest.raises(StatementInvalid) as own:
        settlement.statement_approve(user=county_user, statement_id=statement.pk)
    assert own.value.errors[0].field == "approved_by"
    approved = settlement.statement_approve(user=second, statement_id=statement.pk)
    assert approved.status == "approved"
    with pytest.raises(StatementInvalid):
        settlement.statement_prepare(user=county_user, provider_id=provider.pk, month=MONTH)


def test_another_county_cannot_prepare_or_read(county_user, elder, provider, carer, make_user) -> None:
    served(county_user, elder, provider, carer)
    statement = settlement.statement_prepare(user=county_user, provider_id=provider.pk, month=MONTH)
    other = make_user("county_approver", "county2")
    with pytest.raises(NotFound):
        settlement.statement_prepare(user=other, provider_id=provider.pk, month=MONTH)
    with pytest.raises(NotFound):
        settlement.statement_view(user=other, statement_id=statement.pk)


def test_the_pages_prepare_and_approve_a_statement(county_user, elder, provider, carer, make_user) -> None:
    from django.test import Client
    from django.urls import reverse

    served(county_user, elder, provider, carer, planned=60, actual=45)
    client = Client()
    client.force_login(county_user)
    made = client.post(reverse("eldercare:statements"), {"month": "2026-12", "provider": provider.pk})
    assert made.status_code == 302
    page = client.get(made["Location"]).content.decode()
    assert "22.50" in page and "助洁" in page
    own = client.post(made["Location"], {})
    assert own.status_code == 400 and "不能审核自己生成的结算单" in own.content.decode()
    second = Client()
    second.force_login(make_user("county_approver", "county", username="county_b"))
    assert second.post(made["Location"], {}).status_code == 302
    assert "已审核" in second.get(made["Location"]).content.decode()


def test_the_dashboard_counts_the_month_and_exports_it(county_user, elder, provider, carer) -> None:
    from django.test import Client
    from django.urls import reverse
    from openpyxl import load_workbook

    from dajiuzhu.eldercare import entitlements, selectors

    entitlements.compute_month(user=county_user, month=MONTH)
    served(county_user, elder, provider, carer, planned=60, actual=45)
    board = selectors.care_dashboard(user=county_user, month=MONTH)
    assert (board.total.elders_assessed, board.total.disabled) == (1, 1)
    assert (board.total.entitled_minutes, board.total.delivered_minutes, board.total.visits) == (600, 45, 1)
    assert [r.code for r in board.rows] == ["371424100"]  # the county sees its townships
    client = Client()
    client.force_login(county_user)
    page = client.get(reverse("eldercare:dashboard"), {"month": "2026-12"}).content.decode()
    assert "data-chart" in page and "养老服务统计" in page
    xlsx = client.get(reverse("eldercare:dashboard"), {"month": "2026-12", "format": "xlsx"})
    import io

    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[2][0] == "区域" and rows[3][3] == 600 and rows[3][4] == 45
