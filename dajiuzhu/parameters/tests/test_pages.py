"""The parameter pages: list with badges and search, history, the form and the withdraw button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.parameters.models import ParameterChange
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.parameters.services import parameter_change_create
from dajiuzhu.parameters.tests.conftest import RURAL

pytestmark = pytest.mark.django_db

REF = "临民发〔2026〕8号"


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("parameters:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_list_shows_values_with_badges_and_the_nav_link(client, worker_a, county_approver, today):
    # given the county set the rural standard from today
    parameter_change_create(actor=county_approver, name=RURAL, start=today, value="820", reference=REF)
    client.force_login(worker_a)

    # when
    response = client.get(reverse("parameters:list"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    rows = {r.name: r for r in response.context["rows"]}
    assert (rows[RURAL].value, rows[RURAL].from_ui) == ("820.00", True)
    assert (rows["dibao.standard.urban"].value, rows["dibao.standard.urban"].unverified) == ("960.00", True)
    assert "示例值，待替换" in html
    assert "本地调整" in html
    assert "820.00" in html
    assert f'href="{reverse("parameters:list")}"' in html
    assert "政策参数" in html


def test_list_search_returns_the_results_partial_for_htmx(client, worker_a):
    client.force_login(worker_a)
    # when
    response = client.get(reverse("parameters:list"), {"q": "城市低保标准"}, HTTP_HX_REQUEST="true")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert [r.name for r in response.context["rows"]] == ["dibao.standard.urban"]
    assert "960.00" in html
    assert "农村低保标准" not in html


def test_list_with_a_bad_date_says_so(client, worker_a):
    client.force_login(worker_a)
    response = client.get(reverse("parameters:list"), {"on": "2025-02-30"})
    assert response.status_code == 200
    assert "日期：“2025-02-30”不是有效日期，请写成 2025-01-31" in response.content.decode()


def test_detail_for_a_reader_has_no_form(client, worker_a):
    client.force_login(worker_a)
    # when
    response = client.get(reverse("parameters:detail", args=[RURAL]))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "农村低保标准" in html
    assert "780.00" in html
    assert "保存新取值" not in html


def test_unknown_parameter_page_is_404(client, worker_a):
    client.force_login(worker_a)
    response = client.get(reverse("parameters:detail", args=["no.such"]))
    assert response.status_code == 404
    assert "参数“no.such”不存在" in response.content.decode()


def test_county_approver_adds_a_value_through_the_form(client, county_approver, later):
    client.force_login(county_approver)
    page = client.get(reverse("parameters:detail", args=[RURAL]))
    assert "设置临邑县的新取值" in page.content.decode()

    # when
    response = client.post(
        reverse("parameters:detail", args=[RURAL]),
        {"start": later.isoformat(), "value": "820", "reference": REF, "note": ""},
    )

    # then
    assert response.status_code == 302
    assert parameter_tree().value(RURAL, on=later, region="371424") == "820.00"
    page = client.get(reverse("parameters:detail", args=[RURAL]))
    html = page.content.decode()
    assert f"已保存：自 {later.isoformat()} 起取值为 820.00" in html
    assert "撤回" in html


def test_form_shows_the_message_next_to_the_field_and_saves_nothing(client, county_approver, later):
    client.force_login(county_approver)
    before = (ParameterChange.objects.count(), AuditEvent.objects.count())
    # when
    response = client.post(
        reverse("parameters:detail", args=[RURAL]),
        {"start": later.isoformat(), "value": "820.555", "reference": REF},
    )
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"value": ["金额“820.555”最多保留两位小数（单位：元）"]}
    assert "取值：金额“820.555”最多保留两位小数（单位：元）" in response.content.decode()
    assert (ParameterChange.objects.count(), AuditEvent.objects.count()) == before


def test_village_assistant_post_is_refused(client, worker_a, later):
    client.force_login(worker_a)
    response = client.post(
        reverse("parameters:detail", args=[RURAL]),
        {"start": later.isoformat(), "value": "820", "reference": REF},
    )
    assert response.status_code == 403
    assert ParameterChange.objects.count() == 0


def test_withdraw_button_withdraws_and_history_strikes_it_through(client, county_approver, later):
    change = parameter_change_create(
        actor=county_approver, name=RURAL, start=later, value="820", reference=REF
    )
    client.force_login(county_approver)

    # when
    response = client.post(reverse("parameters:withdraw", args=[RURAL, change.pk]), {"reason": "录错"})

    # then
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.withdrawn_at is not None
    html = client.get(reverse("parameters:detail", args=[RURAL])).content.decode()
    assert "<del>820.00</del>" in html
    assert "已撤回" in html
    assert "录错" in html


def test_withdraw_without_reason_shows_the_message(client, county_approver, later):
    change = parameter_change_create(
        actor=county_approver, name=RURAL, start=later, value="820", reference=REF
    )
    client.force_login(county_approver)
    response = client.post(reverse("parameters:withdraw", args=[RURAL, change.pk]), {"reason": ""})
    assert response.status_code == 200
    assert "撤回原因：不能为空，请说明撤回的原因" in response.content.decode()
    change.refresh_from_db()
    assert change.withdrawn_at is None
