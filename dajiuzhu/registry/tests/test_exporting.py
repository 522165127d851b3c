import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.errors import PermissionDenied
from dajiuzhu.registry.exporting import households_export
from dajiuzhu.registry.models import Household

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))


def all_text(rows: list[tuple]) -> str:
    return "\n".join("|".join("" if v is None else str(v) for v in row) for row in rows)


def test_export_masks_ids_and_phones_and_keeps_to_the_users_area(household_a, household_b, worker_a, ids):
    # given households in village A (3 members) and village B (1 member); worker A works in village A
    before = AuditEvent.objects.filter(action="export").count()

    # when
    rows = sheet_rows(households_export(actor=worker_a, queryset_or_filters={}))

    # then a note row, a header row and only village A's three members
    assert rows[0][0].startswith("说明：身份证号码、电话已脱敏。导出人：village_assistant_village_a")
    header = rows[1]
    assert header[:9] == (
        "户编号",
        "区划代码",
        "区划",
        "住址",
        "城乡类别",
        "户口性质",
        "人口数",
        "姓名",
        "身份证号码",
    )
    data = [dict(zip(header, r, strict=True)) for r in rows[2:]]
    assert [d["姓名"] for d in data] == ["张建国", "李秀英", "张小明"]
    head = data[0]
    assert head["身份证号码"] == ids["head"][:4] + "**********" + ids["head"][-4:]
    assert head["联系电话"] == "138****5678"
    assert (head["性别"], head["出生日期"], head["与户主关系"], head["城乡类别"]) == (
        "男",
        "1980-01-01",
        "户主",
        "农村",
    )
    assert data[2]["在读学段"] == "小学"
    text = all_text(rows)
    for full in (ids["head"], ids["spouse"], ids["child"], ids["elder"], "13812345678"):
        assert full not in text
    assert "王德福" not in text
    # and one audit row with the row count
    events = AuditEvent.objects.filter(action="export")
    assert events.count() == before + 1
    event = events.first()
    assert (event.actor_id, event.after, event.note) == (
        worker_a.pk,
        {"filters": "全部", "rows": 3},
        "导出家庭成员：条件 全部；共3行",
    )


def test_export_filters_like_the_list_page(household_a, household_b, township_user):
    # given the township sees both villages
    # when filtering by area code of village B
    rows = sheet_rows(households_export(actor=township_user, queryset_or_filters={"area": "371424100202"}))
    # then only village B's member, and the audit note names the filter
    assert [r[7] for r in rows[2:]] == ["王德福"]
    assert (
        AuditEvent.objects.filter(action="export").first().note
        == "导出家庭成员：条件 区划=371424100202；共1行"
    )


def test_export_of_a_queryset_is_still_scoped(household_a, household_b, worker_a):
    rows = sheet_rows(households_export(actor=worker_a, queryset_or_filters=Household.objects.all()))
    assert [r[7] for r in rows[2:]] == ["张建国", "李秀英", "张小明"]


def test_grid_worker_may_not_export(household_a, make_user):
    grid_worker = make_user("grid_worker", "grid_a")
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        households_export(actor=grid_worker, queryset_or_filters={})
    assert AuditEvent.objects.count() == before


def test_export_download(client, household_a, worker_a, ids):
    client.force_login(worker_a)
    # when
    response = client.get(reverse("registry:export"), {"q": "张建国", "residence_type": "rural"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert [r[7] for r in rows[2:]] == ["张建国", "李秀英", "张小明"]
    assert ids["head"] not in all_text(rows)


def test_export_download_refused_without_capability(client, household_a, make_user):
    client.force_login(make_user("grid_worker", "grid_a"))
    response = client.get(reverse("registry:export"))
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in response.content.decode()
