"""Issuing a document: rendered once to HTML and PDF (with the Chinese text and its font embedded), stored
with the PDF's sha256, never rendered again; read only within the caller's area; downloads audited."""

from __future__ import annotations

import hashlib
import io
from typing import Any
from unittest import mock

import pypdf
import pytest

from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.core.errors import NotFound
from dajiuzhu.documents import services as document_services
from dajiuzhu.documents.models import DocumentKind, IssuedDocument
from dajiuzhu.documents.selectors import document_get_for_user
from dajiuzhu.documents.services import document_issue
from dajiuzhu.documents.views import document_response

pytestmark = pytest.mark.django_db

BODY = '<div class="doc"><h1>最低生活保障审批决定书</h1><p class="sign">临邑县 民政局（盖章）</p></div>'


def _issue(
    user: Any, *, body: Any = BODY, key: object = 7, area_code: str = "371424100201"
) -> IssuedDocument:
    return document_issue(
        kind=DocumentKind.DECISION, subject_type="intake.application", subject_key=key, number="SQ202603020000007",
        title="最低生活保障审批决定书", body_html=body, filename="最低生活保障审批决定书-SQ202603020000007.pdf",
        area_code=area_code, issued_by=user, issuer="临邑县 民政局",
    )  # fmt: skip


def _pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _pdf_fonts(pdf: bytes) -> set[str]:
    fonts: set[str] = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def test_issue_stores_html_and_a_pdf_with_the_chinese_text_and_its_sha256(worker_a):
    # when a decision letter is issued
    document = _issue(worker_a)
    # then the HTML snapshot and the PDF are stored, the PDF's digest with them
    pdf = bytes(document.pdf)
    assert pdf.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert "最低生活保障审批决定书" in _pdf_text(pdf) and "临邑县 民政局（盖章）" in _pdf_text(pdf)
    # the CJK font installed by the project's setup is embedded (a subset), not substituted
    assert any("WenQuanYi-Micro-Hei" in f for f in _pdf_fonts(pdf))
    assert document.body_html == BODY and document.html.startswith("<!DOCTYPE html>")
    assert "WenQuanYi Micro Hei" in document.html
    assert (document.issuer, document.issued_by, document.issued_by_name) == (
        "临邑县 民政局",
        worker_a,
        str(worker_a),
    )
    assert (document.area_id, document.backfilled) == ("371424100201", False)
    # and the issue is audited
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, subject_type="documents.issued", subject_id=str(document.pk)
    ).count() == 1  # fmt: skip


def test_issuing_twice_returns_the_stored_row_and_never_renders_again(worker_a, township_user):
    # given an issued document
    first = _issue(worker_a)
    # when it is issued again, with other markup and by someone else
    with mock.patch.object(document_services, "pdf_from_html", side_effect=AssertionError("rendered again")):
        again = _issue(township_user, body=lambda: pytest.fail("markup built again"))
    # then it is the same row, unchanged, and nothing was rendered
    assert again.pk == first.pk
    assert IssuedDocument.objects.count() == 1
    stored = IssuedDocument.objects.get()
    assert (bytes(stored.pdf), stored.sha256, stored.html) == (bytes(first.pdf), first.sha256, first.html)
    assert stored.issued_by == worker_a
    # and the row itself refuses to be rewritten
    stored.issuer = "另一机关"
    with pytest.raises(ValueError, match="never changed"):
        stored.save()
    assert IssuedDocument.objects.get().issuer == "临邑县 民政局"
    assert AuditEvent.objects.filter(subject_type="documents.issued", action=AuditAction.CREATE).count() == 1


def test_a_user_of_another_area_gets_the_same_not_found_as_for_a_missing_document(
    worker_a, worker_b, make_user
):
    document = _issue(worker_a)
    township = make_user("township_reviewer", "township")
    other_county = make_user("county_approver", "county2")
    # the issuing village and the township above it see it
    for user in (worker_a, township):
        assert document_get_for_user(user=user, kind="decision", subject_type="intake.application",
                                     subject_key=7).pk == document.pk  # fmt: skip
    # the neighbouring village and another county get exactly the not-found of a document that does not exist
    with pytest.raises(NotFound) as missing:
        document_get_for_user(
            user=worker_a, kind="decision", subject_type="intake.application", subject_key=8
        )
    for user in (worker_b, other_county):
        with pytest.raises(NotFound) as foreign:
            document_get_for_user(
                user=user, kind="decision", subject_type="intake.application", subject_key=7
            )
        assert foreign.value.as_dict() == missing.value.as_dict()


def test_download_sends_the_stored_bytes_and_is_audited(worker_a):
    document = _issue(worker_a)
    before = AuditEvent.objects.filter(action=AuditAction.EXPORT).count()
    # the PDF, as an attachment with its Chinese file name and digest
    response = document_response(user=worker_a, document=document, fmt="pdf", ip="10.0.0.9")
    assert response.content == bytes(document.pdf)
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-SHA256"] == document.sha256
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    # opened for printing: inline
    assert document_response(user=worker_a, document=document, fmt="pdf", inline=True)[
        "Content-Disposition"
    ].startswith("inline;")
    # the HTML snapshot, as stored
    html = document_response(user=worker_a, document=document, fmt="html")
    assert html.content.decode() == document.html and html["Content-Type"] == "text/html; charset=utf-8"
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT, subject_type="documents.issued").order_by(
        "id"
    )
    assert events.count() - before == 3
    first = events.first()
    assert first is not None
    assert (first.actor, first.area_code, first.ip, first.after["sha256"]) == (
        worker_a, "371424100201", "10.0.0.9", document.sha256,
    )  # fmt: skip


def test_a_backfilled_document_says_so_on_itself(worker_a):
    document = document_issue(
        kind=DocumentKind.RECEIPT, subject_type="intake.receipt", subject_key=3, number="HZ2026030200000003",
        title="社会救助申请受理回执", body_html="<div>受理回执</div>", filename="受理回执-HZ2026030200000003.pdf",
        area_code="371424100201", issued_by=worker_a, backfilled=True,
    )  # fmt: skip
    assert document.backfilled
    assert "首次打印时依据当时的数据补制" in document.body_html
    assert "首次打印时依据当时的数据补制" in _pdf_text(bytes(document.pdf)).replace("\n", "")


def test_two_first_issues_at_once_keep_one_row(worker_a, township_user):
    # given a document another request stored between our look-up and our insert
    stored = _issue(worker_a)
    real_find = document_services.document_find
    calls: list[int] = []

    def find_late(**kwargs: Any) -> IssuedDocument | None:
        calls.append(1)
        return None if len(calls) == 1 else real_find(**kwargs)

    # when this request inserts too
    with mock.patch("dajiuzhu.documents.services.document_find", side_effect=find_late):
        document = _issue(township_user, body="<p>另一份</p>")
    # then the unique constraint keeps the first, and it is what this request gets
    assert document.pk == stored.pk and len(calls) == 2
    assert IssuedDocument.objects.count() == 1 and IssuedDocument.objects.get().body_html == BODY
