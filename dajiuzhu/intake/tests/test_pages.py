"""The staff pages of the one window: filing, receipt, list, application page with its step forms, queue,
catalogue, the household's aid chain and the decision letter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dajiuzhu.benefits.models import Entitlement
from dajiuzhu.documents.models import IssuedDocument
from dajiuzhu.intake import services
from dajiuzhu.intake.models import Application, AssistanceItem, Investigation, ItemLocalChange, Status
from dajiuzhu.intake.tests.conftest import ALL_MATERIALS, DAY, ELDER_ID

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pinned_today(settings: Any, tmp_path: Any) -> None:
    # The elder's incomes cover the 12 months before March 2026; the pages read "today" from this setting.
    settings.DAJIUZHU_TODAY = DAY.isoformat()
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _file(user: Any, materials: dict[str, list[str]] | None = None) -> Application:
    receipt = services.applications_file(
        user=user, id_number=ELDER_ID, items=["dibao"],
        materials=ALL_MATERIALS if materials is None else materials, today=DAY,
    )  # fmt: skip
    return receipt.applications.get()


def _html(response: Any) -> str:
    return response.content.decode()


def _act(client: Any, app: Application, action: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(reverse("intake:act", args=[app.pk, action]), {"version": app.version, **(data or {})})


# ---- 一窗受理 and the receipt ------------------------------------------------------------------------------


def test_lookup_shows_household_masked_suggestions_and_catalogue(client, worker_a, elder, dibao, medical):
    client.force_login(worker_a)
    # when the assistant types the ID number (htmx asks for the household part only)
    response = client.post(
        reverse("intake:start"), {"id_number": ELDER_ID, "action": "lookup"}, HTTP_HX_REQUEST="true"
    )
    html = _html(response)
    # then the household with masked ID numbers, the suggestions and the catalogue by department
    assert response.status_code == 200
    assert "<html" not in html
    assert "赵老汉" in html and "3714**********0013" in html
    assert ELDER_ID not in html
    assert "研判建议" in html and "特困人员救助供养" in html
    assert "<legend>民政</legend>" in html and "<legend>医保</legend>" in html
    assert 'name="materials_dibao" value="低保申请书"' in html
    # a document the platform fetches is not a checkbox
    assert "居民身份证：平台获取，无需提交" in html
    assert 'value="居民身份证"' not in html


def test_items_the_check_finds_eligible_are_pre_ticked(client, worker_a, elder, departments):
    # given a 特困 item whose programme the instant check finds the elder eligible for, and 低保 he is not
    tekun = AssistanceItem.objects.create(code="tekun", name="特困人员救助供养", department=departments["minzheng"],
                                          programme="tekun")  # fmt: skip
    dibao = AssistanceItem.objects.create(code="dibao", name="最低生活保障", department=departments["minzheng"],
                                          programme="dibao")  # fmt: skip
    client.force_login(worker_a)
    html = _html(client.post(reverse("intake:start"), {"id_number": ELDER_ID}))
    assert f'id="item-{tekun.code}" checked' in html
    assert f'id="item-{dibao.code}">' in html


def test_filing_redirects_to_the_receipt_listing_missing_materials(client, worker_a, elder, dibao):
    client.force_login(worker_a)
    # when the assistant files 低保 with only the application form
    response = client.post(reverse("intake:start"), {
        "id_number": ELDER_ID, "action": "file", "items": ["dibao"], "materials_dibao": ["低保申请书"],
        "reason": "独居老人，无收入来源",
    })  # fmt: skip
    # then one application waits for the missing authorisation, and the receipt says so once
    app = Application.objects.get()
    assert app.status == Status.MATERIALS and app.materials_missing == ["家庭经济状况核对授权书"]
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:receipt", args=[app.receipt_id])
    assert ELDER_ID not in response["Location"]
    receipt = client.get(response["Location"])
    html = _html(receipt)
    assert app.number in html and app.receipt.number in html
    assert "一次性告知" in html and "<li>最低生活保障：家庭经济状况核对授权书</li>" in html
    assert "3714**********0013" in html and ELDER_ID not in html
    # printing opens the stored PDF; its sha256 is on the page for verification
    assert reverse("intake:receipt_pdf", args=[app.receipt_id]) + "?inline=1" in html
    assert IssuedDocument.objects.get(kind="receipt", subject_key=str(app.receipt_id)).sha256 in html


def test_receipt_download_is_the_stored_html_attachment(client, worker_a, elder, dibao):
    app = _file(worker_a)
    client.force_login(worker_a)
    response = client.get(reverse("intake:receipt", args=[app.receipt_id]), {"download": "1"})
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"{app.receipt.number}.html" in response["Content-Disposition"]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = _html(response)
    assert "材料齐全，无需补交" in html and app.number in html and "<nav" not in html
    assert html == IssuedDocument.objects.get(kind="receipt", subject_key=str(app.receipt_id)).html


def test_filing_refusal_keeps_the_page_and_names_the_field(client, grid_user, elder, dibao):
    # a grid worker files without the authorisation the service requires
    client.force_login(grid_user)
    response = client.post(reverse("intake:start"), {
        "id_number": ELDER_ID, "action": "file", "items": ["dibao"], "materials_dibao": ALL_MATERIALS["dibao"],
        "reason": "代为申请",
    })  # fmt: skip
    html = _html(response)
    assert response.status_code == 200
    assert "授权委托书：网格员代办须登记申请人签署的授权委托书" in html
    assert "代为申请" in html  # what was typed is kept
    assert not Application.objects.exists()


def test_id_number_in_the_address_is_ignored(client, worker_a, elder, dibao):
    client.force_login(worker_a)
    response = client.get(reverse("intake:start"), {"id_number": ELDER_ID})
    assert response.status_code == 200 and "赵老汉" not in _html(response)


def test_filing_page_is_for_intake_roles_only(client, auditor, elder):
    client.force_login(auditor)
    assert client.get(reverse("intake:start")).status_code == 403


# ---- the application page and its steps -----------------------------------------------------------------


def test_application_page_shows_only_the_steps_the_user_may_take(
    client, worker_a, township_user, elder, dibao
):
    app = _file(worker_a)
    client.force_login(worker_a)
    html = _html(client.get(reverse("intake:application", args=[app.pk])))
    assert "待受理" in html and "乡镇（街道）" in html
    assert 'id="step-accept"' not in html and 'id="actions"' not in html
    assert ELDER_ID not in html and "3714**********0013" in html
    client.force_login(township_user)
    html = _html(client.get(reverse("intake:application", args=[app.pk])))
    assert 'id="step-accept"' in html and 'id="step-return"' in html and 'id="step-withdraw"' in html
    assert 'id="step-investigate"' not in html
    assert f'name="version" value="{app.version}"' in html


def test_refused_step_gives_a_message_and_changes_nothing(client, worker_a, elder, dibao):
    app = _file(worker_a)
    events = app.events.count()
    client.force_login(worker_a)
    # when the village assistant posts the township's acceptance
    response = _act(client, app, "accept")
    # then the page says who takes the step, and nothing changed
    assert response.status_code == 403
    assert "「受理」由乡镇（街道）办理，您的账户不能办理此环节" in _html(response)
    app.refresh_from_db()
    assert (app.status, app.version, app.events.count()) == (Status.SUBMITTED, 1, events)


def test_out_of_area_application_is_not_found(client, worker_a, worker_b, elder, dibao):
    app = _file(worker_a)
    client.force_login(worker_b)
    response = client.get(reverse("intake:application", args=[app.pk]))
    assert response.status_code == 404
    assert "申请不存在或不在您的管辖范围内" in _html(response) and "赵老汉" not in _html(response)
    assert _act(client, app, "withdraw", {"reason": "x"}).status_code == 404
    assert client.get(reverse("intake:receipt", args=[app.receipt_id])).status_code == 404
    assert client.get(reverse("intake:chain", args=[elder.pk])).status_code == 404
    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED


def test_stale_page_gets_the_conflict_message(client, worker_a, township_user, make_user, elder, dibao):
    app = _file(worker_a)
    other = make_user("township_reviewer", "township", username="t2")
    client.force_login(township_user)
    # given another reviewer accepted while this page was open
    services.application_accept(user=other, application_id=app.pk, version=app.version, today=DAY)
    # when this page posts its (old) version
    response = _act(client, app, "accept")
    # then the conflict message, and one acceptance only
    assert response.status_code == 409
    assert services.CONFLICT_MESSAGE in _html(response)
    assert Application.objects.get(pk=app.pk).events.filter(action="accept").count() == 1


def test_investigation_needs_two_investigators_then_saves_with_photo(
    client, worker_a, township_user, elder, dibao
):
    app = services.application_accept(user=township_user, application_id=_file(worker_a).pk, today=DAY)
    client.force_login(township_user)
    form = {"visited_on": "2026-03-02", "investigators": ["王敏", ""], "present_members": "赵老汉",
            "findings": "独居，无劳动能力"}  # fmt: skip
    # one investigator → the field is named, the typed findings are kept, nothing saved
    response = _act(client, app, "investigate", form)
    html = _html(response)
    assert response.status_code == 400
    assert "调查人员：入户调查须由2名以上工作人员进行" in html and "独居，无劳动能力</textarea>" in html
    assert not Investigation.objects.exists()
    assert Application.objects.get(pk=app.pk).status == Status.ACCEPTED
    # two investigators and a photo → saved, back to the page (PRG)
    photo = SimpleUploadedFile("door.jpg", b"\xff\xd8\xff\xe0fakejpeg", content_type="image/jpeg")
    response = _act(
        client, app, "investigate", {**form, "investigators": ["王敏", "李强"], "photos": [photo]}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "intake:application", args=[app.pk]
    )
    inv = Investigation.objects.get()
    assert inv.investigators == ["王敏", "李强"] and inv.photos.count() == 1
    app.refresh_from_db()
    assert app.status == Status.CHECKING and app.waiting_on == "county"
    page = _html(client.get(reverse("intake:application", args=[app.pk])))
    assert "王敏、李强" in page and reverse("intake:photo", args=[inv.photos.get().pk]) in page
    assert client.get(reverse("intake:photo", args=[inv.photos.get().pk])).status_code == 200


def test_decision_with_a_bad_amount_names_the_field(client, worker_a, township_user, make_user, elder, dibao):
    county = make_user("county_approver", "county")
    app = _to_decision(worker_a, township_user, county)
    client.force_login(county)
    response = _act(
        client,
        app,
        "decide",
        {"decision": "approve", "amount": "abc", "reason": "符合", "review_months": "12"},
    )
    assert response.status_code == 400
    assert "核定金额：应为金额数字" in _html(response)
    assert Application.objects.get(pk=app.pk).status == Status.DECISION and not Entitlement.objects.exists()


def _to_decision(worker: Any, township: Any, county: Any) -> Application:
    app = services.application_accept(user=township, application_id=_file(worker).pk, today=DAY)
    app = services.application_investigate(
        user=township, application_id=app.pk, visited_on=DAY, investigators=["王敏", "李强"],
        present_members="赵老汉", findings="独居", today=DAY,
    )  # fmt: skip
    app = services.application_check(user=county, application_id=app.pk, today=DAY)
    app = services.application_opinion(
        user=township, application_id=app.pk, approve=True, reason="符合", amount="650.00", today=DAY
    )
    return services.notice_close(user=township, application_id=app.pk, today=DAY + dt.timedelta(days=8))


def test_decision_letter_and_chain_after_approval(
    client, worker_a, township_user, make_user, elder, dibao, settings
):
    county = make_user("county_approver", "county")
    app = _to_decision(worker_a, township_user, county)
    settings.DAJIUZHU_TODAY = "2026-03-10"
    client.force_login(county)
    # the letter exists only once decided
    assert client.get(reverse("intake:letter", args=[app.pk])).status_code == 404
    response = _act(client, app, "decide", {"decision": "approve", "amount": "650", "reason": "经审核符合",
                                            "review_months": "6"})  # fmt: skip
    assert response.status_code == 302
    ent = Entitlement.objects.get(application=app)
    assert (ent.monthly_amount, ent.start_month, ent.review_months) == (
        Decimal("650.00"),
        dt.date(2026, 4, 1),
        6,
    )
    letter = _html(client.get(reverse("intake:letter", args=[app.pk])))
    assert "最低生活保障审批决定书" in letter and "核定金额：每月 650.00 元" in letter
    assert "自2026年4月起按月发放" in letter and "临邑县 民政（盖章）" in letter
    assert ELDER_ID not in letter
    chain = client.get(reverse("intake:chain", args=[elder.pk]), HTTP_HX_REQUEST="true")
    html = _html(chain)
    assert "<html" not in html and app.number in html and "已批准" in html
    assert "650.00" in html and "2026-04" in html and "2026-10-01" in html


def test_objection_handled_from_the_page(client, worker_a, township_user, make_user, elder, dibao):
    county = make_user("county_approver", "county")
    app = services.application_accept(user=township_user, application_id=_file(worker_a).pk, today=DAY)
    app = services.application_investigate(user=township_user, application_id=app.pk, visited_on=DAY,
                                            investigators="王敏、李强", present_members="赵老汉", findings="独居",
                                            today=DAY)  # fmt: skip
    app = services.application_check(user=county, application_id=app.pk, today=DAY)
    app = services.application_opinion(user=township_user, application_id=app.pk, approve=True, reason="符合",
                                       amount="650", today=DAY)  # fmt: skip
    objection = services.objection_lodge(notice_id=app.notices.get().pk, content="其子有车", today=DAY)
    app.refresh_from_db()
    client.force_login(township_user)
    html = _html(client.get(reverse("intake:application", args=[app.pk])))
    assert "其子有车" in html and 'id="step-objection"' in html
    response = _act(client, app, "objection", {"objection": objection.pk, "result": "dismissed",
                                               "handling": "经核实车辆登记在他人名下"})  # fmt: skip
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == "dismissed" and objection.handling == "经核实车辆登记在他人名下"


# ---- list, queue, workbench, catalogue -------------------------------------------------------------------


def test_list_filters_and_queue_badges(client, worker_a, township_user, elder, dibao, medical, settings):
    receipt = services.applications_file(user=worker_a, id_number=ELDER_ID, items=["dibao", "medical"],
                                         materials=ALL_MATERIALS, today=DAY)  # fmt: skip
    dibao_app = receipt.applications.get(item__code="dibao")
    client.force_login(township_user)
    html = _html(client.get(reverse("intake:applications"), {"item": "dibao"}))
    assert dibao_app.number in html and "共 1 件" in html
    html = _html(client.get(reverse("intake:applications"), {"status": "approved"}))
    assert "共 0 件" in html
    # on 4 March the acceptance (due 5 March) is due soon; on 6 March it is overdue
    settings.DAJIUZHU_TODAY = "2026-03-04"
    html = _html(client.get(reverse("intake:queue")))
    assert html.count("即将到期") == 2 and 'id="count-soon">2<' in html
    settings.DAJIUZHU_TODAY = "2026-03-06"
    html = _html(client.get(reverse("intake:queue")))
    assert 'id="count-overdue">2<' in html and "逾期督办" in html and html.count("已逾期") >= 4
    home = _html(client.get(reverse("web:home")))
    assert 'id="bench-total">2<' in home and 'id="bench-overdue">2<' in home
    assert reverse("intake:queue") in home and "一窗受理" in home


def test_catalogue_edit_saves_materials_and_refuses_stale_version(client, make_user, worker_a, dibao, areas):
    from dajiuzhu.core import clock
    from dajiuzhu.intake.catalogue import effective_item

    county = make_user("county_approver", "county")
    client.force_login(worker_a)
    assert client.get(reverse("intake:catalogue")).status_code == 403
    client.force_login(county)
    assert "最低生活保障" in _html(client.get(reverse("intake:catalogue")))
    page = _html(client.get(reverse("intake:catalogue_edit", args=[dibao.pk])))
    assert "居民身份证（平台获取）\n家庭经济状况核对授权书\n低保申请书" in page
    # the national definition is shown, not offered as a field
    assert "全国统一的事项定义" in page
    assert 'name="decide_level"' not in page and 'name="programme"' not in page
    today = clock.today().isoformat()
    form = {
        "version": "0", "start": today, "name": "最低生活保障", "department": "minzheng",
        "notice_days": "7", "accept_days": "3", "investigation_days": "10", "check_days": "3", "opinion_days": "3",
        "decision_days": "10", "notify_days": "3", "total_days": "30", "total_days_delegated": "20",
        "total_days_extended": "45", "sampling_percent": "0",
        "materials": "居民身份证（平台获取）\n低保申请书\n户口簿（平台获取）", "delegated": "1",
    }  # fmt: skip
    # a bad value is named and nothing is saved
    response = client.post(reverse("intake:catalogue_edit", args=[dibao.pk]), {**form, "notice_days": "99"})
    html = _html(response)
    assert (
        response.status_code == 400 and "<li>公示天数：应在" in html and '<p class="field-error">应在' in html
    )
    assert not ItemLocalChange.objects.exists()
    # a good edit is saved for this county, from the date, and shows in the history
    response = client.post(reverse("intake:catalogue_edit", args=[dibao.pk]), form)
    assert response.status_code == 302
    item = effective_item(AssistanceItem.objects.get(pk=dibao.pk), "371424", clock.today())
    assert item.materials == [{"name": "居民身份证", "platform": True}, {"name": "低保申请书", "platform": False},
                              {"name": "户口簿", "platform": True}]  # fmt: skip
    assert item.delegated and ItemLocalChange.objects.get().version == 1
    # the shipped row is untouched
    assert AssistanceItem.objects.get(pk=dibao.pk).materials == dibao.materials
    page = _html(client.get(reverse("intake:catalogue_edit", args=[dibao.pk])))
    assert "户口簿（平台获取）" in page and "county_approver_county" in page and "临邑县" in page
    # the same (now stale) page again → the conflict message
    response = client.post(reverse("intake:catalogue_edit", args=[dibao.pk]), {**form, "name": "低保"})
    assert response.status_code == 409 and "已被他人修改" in _html(response)
    assert ItemLocalChange.objects.count() == 1
    assert effective_item(dibao, "371424", clock.today()).name == "最低生活保障"


def test_household_page_loads_the_chain_and_nav_has_intake_links(client, worker_a, elder):
    client.force_login(worker_a)
    html = _html(client.get(reverse("registry:household_view", args=[elder.pk])))
    assert f'hx-get="{reverse("intake:chain", args=[elder.pk])}"' in html and "救助链" in html
    assert f'href="{reverse("intake:start")}"' in html and f'href="{reverse("intake:queue")}"' in html
    assert f'href="{reverse("intake:catalogue")}"' not in html


def test_department_window_queue_and_decision_form(
    client, worker_a, township_user, dept_user, elder, medical
):
    # given a 医疗救助 application the township accepted: it waits on the 医保 window
    receipt = services.applications_file(
        user=worker_a, id_number=ELDER_ID, items=["medical"], materials=ALL_MATERIALS, today=DAY
    )
    app = services.application_accept(
        user=township_user, application_id=receipt.applications.get().pk, today=DAY
    )
    client.force_login(dept_user)
    # then the window's queue lists it and its page offers the decision (no investigation, no notice)
    queue = _html(client.get(reverse("intake:queue")))
    assert app.number in queue and 'id="count-total">1<' in queue and 'id="overdue"' not in queue
    page = _html(client.get(reverse("intake:application", args=[app.pk])))
    assert 'id="step-decide"' in page and 'id="step-return"' in page and 'id="step-investigate"' not in page
    response = _act(
        client, app, "decide", {"decision": "reject", "reason": "已由基本医保全额报销", "review_months": "12"}
    )
    assert response.status_code == 302
    letter = _html(client.get(reverse("intake:letter", args=[app.pk])))
    assert "医疗救助不予批准通知书" in letter and "已由基本医保全额报销" in letter
