"""Issued documents of the one window: the 决定书 / 不予批准通知书 is issued at the decision and the 受理回执
at filing, with the names of that moment; every later page, print and download is the stored document,
whatever changes afterwards; only users who may see the application get it."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pypdf
import pytest
from django.urls import reverse

from dajiuzhu.accounts.models import Department
from dajiuzhu.areas.models import Area
from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.documents.models import IssuedDocument
from dajiuzhu.intake import letters, services, workflow
from dajiuzhu.intake.models import Application, Level, Status
from dajiuzhu.intake.tests.conftest import ALL_MATERIALS, DAY, ELDER_ID

pytestmark = pytest.mark.django_db

DECIDED_ON = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def pinned_today(settings: Any, tmp_path: Any) -> None:
    settings.DAJIUZHU_TODAY = DAY.isoformat()
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _file(user: Any, items: list[str]) -> Application:
    receipt = services.applications_file(user=user, id_number=ELDER_ID, items=items, materials=ALL_MATERIALS,
                                         today=DAY)  # fmt: skip
    return receipt.applications.get()


def _to_decision(worker: Any, township: Any, county: Any) -> Application:
    app = services.application_accept(user=township, application_id=_file(worker, ["dibao"]).pk, today=DAY)
    app = services.application_investigate(
        user=township, application_id=app.pk, visited_on=DAY, investigators=["王敏", "李强"],
        present_members="赵老汉", findings="独居", today=DAY,
    )  # fmt: skip
    app = services.application_check(user=county, application_id=app.pk, today=DAY)
    app = services.application_opinion(
        user=township, application_id=app.pk, approve=True, reason="符合", amount="650.00", today=DAY
    )
    return services.notice_close(user=township, application_id=app.pk, today=DAY + dt.timedelta(days=8))


def _approved(worker: Any, township: Any, county: Any) -> Application:
    app = _to_decision(worker, township, county)
    return services.application_decide(user=county, application_id=app.pk, approve=True, reason="经审核符合",
                                       amount="650", today=DECIDED_ON)  # fmt: skip


def _letter(app: Application) -> IssuedDocument:
    return IssuedDocument.objects.get(subject_type="intake.application", subject_key=str(app.pk))


def _receipt_doc(receipt_id: int) -> IssuedDocument:
    return IssuedDocument.objects.get(
        kind="receipt", subject_type="intake.receipt", subject_key=str(receipt_id)
    )


def _pdf_text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def _stored_article(html: str) -> str:
    match = re.search(r'<article[^>]*id="stored-document"[^>]*>(.*?)</article>\s*<section', html, re.S)
    assert match, "the page shows the stored document"
    return match.group(1)


def _rename(code: str, name: str) -> None:
    area = Area.objects.get(code=code)
    area.full_name = area.full_name.replace(area.name, name)
    area.name = name
    area.save(update_fields=["name", "full_name"])


def test_decision_letter_is_issued_at_the_decision_and_later_changes_do_not_touch_it(
    client, worker_a, township_user, county_user, elder, dibao, monkeypatch
):
    # given a 低保 file approved by the county
    app = _approved(worker_a, township_user, county_user)
    # then its letter was issued at that moment, with the county and department as issuer
    document = _letter(app)
    assert (document.kind, document.number, document.backfilled) == ("decision", app.number, False)
    assert (document.issuer, document.issued_by, document.area_id) == (
        "临邑县 民政",
        county_user,
        app.area_id,
    )
    assert document.filename == f"最低生活保障审批决定书-{app.number}.pdf"
    text = _pdf_text(bytes(document.pdf))
    assert (
        "最低生活保障审批决定书" in text
        and "临邑县 民政（盖章）" in text
        and "核定金额：每月 650.00 元" in text
    )
    pdf, sha256 = bytes(document.pdf), document.sha256

    # when the county delegates approval to its townships and the county, township and department are renamed
    monkeypatch.setattr(workflow, "decide_level", lambda *args, **kwargs: Level.TOWNSHIP)
    _rename("371424", "临邑区")
    _rename("371424100", "临邑街道")
    Department.objects.filter(code="minzheng").update(name="民政局")
    app = Application.objects.get(pk=app.pk)
    # (a letter rendered from today's data would now be signed by the renamed township)
    assert letters._letter_body(app)[1] == "临邑街道"

    # then the page, the PDF and the HTML download are the letter as issued
    client.force_login(county_user)
    page = client.get(reverse("intake:letter", args=[app.pk]))
    article = _stored_article(page.content.decode())
    assert "临邑县 民政（盖章）" in article and "抄送：临邑镇" in article
    assert "临邑区" not in article and "临邑街道" not in article and "民政局" not in article
    assert sha256 in page.content.decode()
    response = client.get(reverse("intake:letter_pdf", args=[app.pk]))
    assert response.content == pdf and response["X-Content-SHA256"] == sha256
    assert client.get(reverse("intake:letter_html", args=[app.pk])).content.decode() == document.html
    stored = _letter(app)
    assert (bytes(stored.pdf), stored.sha256, stored.issued_at) == (pdf, sha256, document.issued_at)
    # and each download was audited as an export of the document
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, subject_type="documents.issued",
                                        subject_id=str(document.pk))  # fmt: skip
    assert exports.count() == 2 and {e.actor_id for e in exports} == {county_user.pk}


def test_issuing_a_letter_twice_returns_the_same_row(worker_a, township_user, county_user, elder, dibao):
    app = _approved(worker_a, township_user, county_user)
    first = _letter(app)
    again = letters.letter_issue(app=Application.objects.get(pk=app.pk), actor=township_user)
    _, shown = letters.letter_for_user(user=county_user, application_id=app.pk)
    assert again.pk == first.pk == shown.pk
    assert IssuedDocument.objects.filter(subject_type="intake.application").count() == 1
    assert _letter(app).sha256 == first.sha256


def test_refusal_notice_keeps_the_department_that_refused(
    client, worker_a, township_user, dept_user, elder, medical
):
    # given a 医疗救助 file refused by the 医保 window
    app = services.application_accept(
        user=township_user, application_id=_file(worker_a, ["medical"]).pk, today=DAY
    )
    services.application_decide(user=dept_user, application_id=app.pk, approve=False, reason="已由基本医保全额报销",
                                today=DAY)  # fmt: skip
    document = _letter(app)
    assert (document.kind, document.title, document.issuer) == (
        "refusal",
        "医疗救助不予批准通知书",
        "临邑县 医保",
    )
    text = _pdf_text(bytes(document.pdf))
    assert (
        "医疗救助不予批准通知书" in text and "已由基本医保全额报销" in text and "临邑县 医保（盖章）" in text
    )
    # when the department and the county are renamed
    Department.objects.filter(code="yibao").update(name="医疗保障局")
    _rename("371424", "临邑区")
    # then the notice still names the department and county that refused
    client.force_login(dept_user)
    article = _stored_article(client.get(reverse("intake:letter", args=[app.pk])).content.decode())
    assert "临邑县 医保（盖章）" in article and "医疗保障局" not in article and "临邑区" not in article
    assert client.get(reverse("intake:letter_pdf", args=[app.pk])).content == bytes(document.pdf)


def test_receipt_is_issued_at_filing_and_shows_the_filing_as_it_was(
    client, worker_a, township_user, elder, dibao
):
    # given a 低保 filing at the village: the receipt is issued at once
    app = _file(worker_a, ["dibao"])
    document = _receipt_doc(app.receipt_id)
    assert (document.number, document.issuer, document.issued_by) == (
        app.receipt.number, "山东省德州市临邑县临邑镇东关村委会", worker_a,
    )  # fmt: skip
    text = _pdf_text(bytes(document.pdf))
    assert "社会救助申请受理回执" in text and app.number in text and "待受理" in text
    pdf = bytes(document.pdf)
    # when the township accepts it and the village is renamed
    services.application_accept(user=township_user, application_id=app.pk, today=DAY)
    _rename("371424100201", "东关社区")
    # then the receipt page, PDF and HTML are the receipt as issued
    client.force_login(worker_a)
    page = client.get(reverse("intake:receipt", args=[app.receipt_id])).content.decode()
    article = _stored_article(page)
    assert "东关村委会" in article and "东关社区" not in article and "待受理" in article
    assert document.sha256 in page
    assert client.get(reverse("intake:receipt_pdf", args=[app.receipt_id])).content == pdf
    inline = client.get(reverse("intake:receipt_pdf", args=[app.receipt_id]), {"inline": "1"})
    assert inline["Content-Disposition"].startswith("inline;") and inline.content == pdf
    assert client.get(reverse("intake:receipt_html", args=[app.receipt_id])).content.decode() == document.html
    # a second issue returns the stored row
    assert letters.receipt_issue(receipt=app.receipt, actor=township_user).pk == document.pk
    assert bytes(_receipt_doc(app.receipt_id).pdf) == pdf


def test_a_foreign_area_gets_the_not_found_of_a_missing_document(
    client, worker_a, worker_b, township_user, county_user, make_user, elder, dibao, medical
):
    app = _approved(worker_a, township_user, county_user)
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT).count()
    documents = IssuedDocument.objects.count()
    urls = [
        reverse("intake:letter", args=[app.pk]), reverse("intake:letter_pdf", args=[app.pk]),
        reverse("intake:letter_html", args=[app.pk]), reverse("intake:receipt", args=[app.receipt_id]),
        reverse("intake:receipt_pdf", args=[app.receipt_id]), reverse("intake:receipt_html", args=[app.receipt_id]),
    ]  # fmt: skip
    missing = [
        reverse("intake:letter_pdf", args=[app.pk + 1000]), reverse("intake:receipt_pdf", args=[app.receipt_id + 1000]),
    ]  # fmt: skip
    client.force_login(worker_a)
    missing_messages = [client.get(u).content.decode() for u in missing]
    assert "申请不存在或不在您的管辖范围内" in missing_messages[0]
    assert "回执不存在或不在您的管辖范围内" in missing_messages[1]
    # the neighbouring village, another county and the window of a department none of its items belongs to
    for user in (worker_b, make_user("county_approver", "county2"), make_user("department_window", "county")):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            body = response.content.decode()
            assert response.status_code == 404, (user.username, url)
            assert "赵老汉" not in body and "%PDF" not in body
            expected = (
                "申请不存在或不在您的管辖范围内" if "/letter/" in url else "回执不存在或不在您的管辖范围内"
            )
            assert expected in body
    # nothing was downloaded, nothing issued
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == exports
    assert IssuedDocument.objects.count() == documents


def test_documents_of_earlier_decisions_are_issued_on_first_print_and_marked(
    client, worker_a, township_user, county_user, make_user, elder, dibao
):
    # given an approval and its receipt from before documents were stored (no document rows)
    app = _approved(worker_a, township_user, county_user)
    IssuedDocument.objects.all().delete()
    # a user of another county opening it issues nothing
    client.force_login(make_user("county_approver", "county2"))
    assert client.get(reverse("intake:letter", args=[app.pk])).status_code == 404
    assert not IssuedDocument.objects.exists()
    # when the village assistant prints it the first time, after the county was renamed
    _rename("371424", "临邑区")
    client.force_login(worker_a)
    page = client.get(reverse("intake:letter", args=[app.pk])).content.decode()
    # then it is issued from today's data, says so on itself, names the decider, and is frozen from now on
    document = _letter(app)
    assert document.backfilled and document.issued_by == county_user and document.issuer == "临邑区 民政"
    assert "首次打印时依据当时的数据补制" in _stored_article(page)
    assert "首次打印时依据当时的数据补制" in _pdf_text(bytes(document.pdf))
    created = AuditEvent.objects.get(action=AuditAction.CREATE, subject_type="documents.issued",
                                     subject_id=str(document.pk))  # fmt: skip
    assert created.actor_id == worker_a.pk and created.after["backfilled"] is True
    _rename("371424", "临邑县")
    assert client.get(reverse("intake:letter_pdf", args=[app.pk])).content == bytes(document.pdf)
    assert "临邑区 民政（盖章）" in _stored_article(
        client.get(reverse("intake:letter", args=[app.pk])).content.decode()
    )
    # the receipt likewise
    client.get(reverse("intake:receipt", args=[app.receipt_id]))
    receipt = _receipt_doc(app.receipt_id)
    assert receipt.backfilled and "首次打印时依据当时的数据补制" in receipt.body_html
    assert IssuedDocument.objects.count() == 2
    assert Application.objects.get(pk=app.pk).status == Status.APPROVED
