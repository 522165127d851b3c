"""Public notice boards without login (R1.13.5, R1.13.9, R11.4): what a visitor sees, objections, and
what an objection does to the workflow."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from dajiuzhu.core import clock, workdays
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.intake import selectors, services
from dajiuzhu.intake.catalogue import catalogue_file_items
from dajiuzhu.intake.models import (
    Application,
    AssistanceItem,
    NoticeKind,
    Objection,
    ObjectionStatus,
    PublicNotice,
    Status,
)
from dajiuzhu.intake.tests.conftest import ALL_MATERIALS, ELDER_ID

pytestmark = pytest.mark.django_db

BOARD = "/notices/371424100201/"


def _to_notice(
    id_number: str, village: Any, township: Any, county: Any, *, on: dt.date, amount: str
) -> Application:
    """File a 低保 application at the village and take it to public notice on `on`."""
    app = services.applications_file(
        user=village, id_number=id_number, items=["dibao"], materials=ALL_MATERIALS, today=on
    ).applications.get()
    services.application_accept(user=township, application_id=app.pk, today=on)
    services.application_investigate(
        user=township, application_id=app.pk, visited_on=on, investigators=["王敏", "李强"], present_members="本人",
        findings="入户调查属实", today=on,
    )  # fmt: skip
    services.application_check(user=county, application_id=app.pk, today=on)
    app = services.application_opinion(
        user=township, application_id=app.pk, approve=True, reason="符合条件", amount=amount, today=on
    )
    assert app.status == Status.NOTICE
    return app


@pytest.fixture
def today() -> dt.date:
    return clock.today()


@pytest.fixture
def up(worker_a, township_user, county_user, elder, dibao, today) -> Application:
    """赵老汉's 低保 on notice since today."""
    return _to_notice(ELDER_ID, worker_a, township_user, county_user, on=today, amount="650.00")


def _csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def _post_with_token(client: Client, url: str, data: dict[str, str]) -> Any:
    page = client.get(url)
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def test_anonymous_visitor_sees_masked_board_only(
    worker_a, township_user, county_user, household_a, ids, up, today
):
    # given 张建国's household approved 20 days ago (published) and 赵老汉 on notice today
    earlier = today - dt.timedelta(days=20)
    approved = _to_notice(ids["head"], worker_a, township_user, county_user, on=earlier, amount="980.00")
    closed_on = workdays.period_end(earlier, 7) + dt.timedelta(days=1)
    services.notice_close(user=township_user, application_id=approved.pk, today=closed_on)
    services.application_decide(
        user=county_user, application_id=approved.pk, approve=True, reason="符合", amount="980.00",
        today=closed_on,
    )  # fmt: skip

    # when an anonymous visitor browses county → township → village and opens the board
    client = Client()
    assert "临邑镇" in client.get("/notices/?area=371424").content.decode()
    assert "东关村委会" in client.get("/notices/?area=371424100").content.decode()
    response = client.get(BOARD)

    # then the notice and the publication show masked names, sizes, items and amounts, nothing else
    assert response.status_code == 200
    html = response.content.decode()
    publicity = html[html.index('id="publicity"') : html.index('id="publication"')]
    publication = html[html.index('id="publication"') :]
    assert "赵**" in publicity and "650.00" in publicity and "1 人" in publicity
    assert "张**" in publication and "980.00" in publication and "3 人" in publication
    for secret in ("赵老汉", ELDER_ID, "东关村5组1号", "张建国", ids["head"], "东关村3组12号", "13812345678"):
        assert secret not in html


def test_childrens_item_never_publicised(
    worker_a, township_user, county_user, elder, departments, client, today
):
    # given the catalogue as shipped: no children's item is publicised before or after approval
    _, items = catalogue_file_items()
    children = [i for i in items if i.get("category") == "儿童福利"]
    assert children and all(not i["public_notice"] and not i["publish_after"] for i in children)
    item = AssistanceItem.objects.create(
        code="unsupported_child", name="事实无人抚养儿童基本生活保障", department=departments["minzheng"],
        programme="unsupported_child", needs_check=False, public_notice=False, publish_after=False,
    )  # fmt: skip

    # when such an application goes all the way to approval
    app = services.applications_file(
        user=worker_a, id_number=ELDER_ID, items=[item.code], today=today
    ).applications.get()
    services.application_accept(user=township_user, application_id=app.pk, today=today)
    services.application_investigate(
        user=township_user, application_id=app.pk, visited_on=today, investigators="王敏、李强",
        present_members="监护人", findings="属实", today=today,
    )  # fmt: skip
    app = services.application_opinion(
        user=township_user, application_id=app.pk, approve=True, reason="符合", amount="1200", today=today
    )
    assert app.status == Status.DECISION
    app = services.application_decide(
        user=county_user, application_id=app.pk, approve=True, reason="符合", amount="1200", today=today
    )

    # then no notice of any kind exists and the board does not name the item
    assert app.status == Status.APPROVED
    assert not PublicNotice.objects.filter(application=app).exists()
    assert "事实无人抚养儿童" not in client.get(BOARD).content.decode()


def test_anonymous_objection_blocks_closing_until_handled(township_user, up, today):
    notice = PublicNotice.objects.get(application=up, kind=NoticeKind.PUBLICITY)
    url = f"/notices/371424100201/{notice.pk}/objection/"
    client = _csrf_client()

    # a POST without the CSRF token is refused and saves nothing
    assert client.post(url, {"content": "他家有车"}).status_code == 403
    assert not Objection.objects.exists()

    # when a visitor lodges an objection through the form
    response = _post_with_token(
        client, url, {"content": "他家儿子在县城有商铺", "name": "匿名村民", "phone": "13900002222"}
    )

    # then the visitor gets a reference number once
    assert response.status_code == 302 and response["Location"] == "/notices/371424100201/thanks/"
    thanks = client.get(response["Location"]).content.decode()
    objection = Objection.objects.get()
    reference = re.search(r"YY\d{8}\d{6}", thanks)
    assert reference is not None and reference.group() == f"YY{today:%Y%m%d}{objection.pk:06d}"
    assert client.get("/notices/371424100201/thanks/").status_code == 302
    assert (objection.content, objection.name, objection.phone, objection.status) == (
        "他家儿子在县城有商铺", "匿名村民", "13900002222", ObjectionStatus.OPEN,
    )  # fmt: skip

    # and the township sees it on the application
    seen = selectors.application_get_for_user(user=township_user, application_id=up.pk)
    event = seen.events.get(action="objection")
    assert (event.label, event.comment, event.actor_id) == ("收到公示异议", "他家儿子在县城有商铺", None)

    # the notice cannot be closed while the objection is open
    after = notice.ends_on + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as err:
        services.notice_close(user=township_user, application_id=up.pk, today=after)
    assert err.value.errors[0].field == "公示异议"
    assert Application.objects.get(pk=up.pk).status == Status.NOTICE
    services.objection_handle(
        user=township_user,
        objection_id=objection.pk,
        upheld=False,
        handling="经核实商铺为租赁经营，收入已计入",
        today=after,
    )
    assert (
        services.notice_close(user=township_user, application_id=up.pk, today=after).status == Status.DECISION
    )


def test_objection_form_gives_chinese_messages(up):
    notice = PublicNotice.objects.get(application=up, kind=NoticeKind.PUBLICITY)
    url = f"/notices/371424100201/{notice.pk}/objection/"
    client = Client()

    empty = client.post(url, {"content": "  ", "name": "王五"})
    assert empty.status_code == 400 and "异议内容：不能为空" in empty.content.decode()
    assert 'value="王五"' in empty.content.decode()
    bad_phone = client.post(url, {"content": "有车", "phone": "电话号码"})
    assert (
        bad_phone.status_code == 400
        and "联系电话：“电话号码”不是有效的电话号码（手机号如13800000000，固定电话如0534-2345678），或留空"
        in bad_phone.content.decode()
    )
    assert not Objection.objects.exists()


def test_expired_notice_refuses_objections(worker_a, township_user, county_user, elder, dibao, today):
    # given a notice that came down a week ago but has not been closed yet
    app = _to_notice(
        ELDER_ID, worker_a, township_user, county_user, on=today - dt.timedelta(days=14), amount="650"
    )
    notice = PublicNotice.objects.get(application=app, kind=NoticeKind.PUBLICITY)
    url = f"/notices/371424100201/{notice.pk}/objection/"
    client = Client()

    # then the board no longer shows it, the form is gone and a POST is refused
    assert "赵**" not in client.get(BOARD).content.decode()
    page = client.get(url).content.decode()
    assert "该公示已结束，不再受理异议" in page and 'name="content"' not in page
    response = client.post(url, {"content": "他家有车"})
    assert response.status_code == 404 and "该公示不存在或已结束" in response.content.decode()
    assert not Objection.objects.exists()
    assert not app.events.filter(action="objection").exists()


def test_unknown_village_and_other_villages_notice(up, client):
    notice = PublicNotice.objects.get(application=up, kind=NoticeKind.PUBLICITY)
    assert client.get("/notices/999999999999/").status_code == 404
    # a notice is reached only through its own village's board
    response = client.get(f"/notices/371424100202/{notice.pk}/objection/")
    assert response.status_code == 404 and "该公示不存在或已结束" in response.content.decode()
