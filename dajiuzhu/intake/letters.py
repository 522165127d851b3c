"""The documents the one window issues: the 审批决定书 / 不予批准通知书 at the decision and the 受理回执 at
filing, rendered from the data of that moment (issuer, area names, amount, statuses) and stored by the
documents app; every later page, print and download shows the stored document.

A decision or filing made before documents were stored has none: its document is issued on its first
print from the data as it is then, marked 补制 on the document itself, and frozen from that print on.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from dajiuzhu.core.errors import NotFound
from dajiuzhu.documents import selectors as document_selectors
from dajiuzhu.documents.models import DocumentKind, IssuedDocument
from dajiuzhu.documents.services import document_find, document_issue
from dajiuzhu.intake import selectors, workflow
from dajiuzhu.intake.models import Application, Level, Receipt, Status

APPLICATION = "intake.application"
RECEIPT = "intake.receipt"
DECIDED = (Status.APPROVED, Status.REJECTED)


def letter_kind(app: Application) -> str:
    return DocumentKind.DECISION if app.status == Status.APPROVED else DocumentKind.REFUSAL


def _letter_body(app: Application) -> tuple[str, str]:
    """The letter's markup and its issuer, from the data as it is now (called at the decision)."""
    codes = [app.area.county_code, app.area.township_code]
    names = selectors.area_names(codes)
    level = workflow.decide_level(app.item, app.area.county_code)
    if level == Level.TOWNSHIP:
        issuer = names.get(app.area.township_code, "")
    else:
        issuer = f"{names.get(app.area.county_code, '')} {app.department.name}"
    decided_on = timezone.localtime(app.decided_at).date() if app.decided_at else None
    body = render_to_string("intake/_letter_body.html", {
        "app": app, "approved": app.status == Status.APPROVED,
        "entitlement": selectors.application_entitlement(app),
        "township_name": names.get(app.area.township_code, ""), "issuer": issuer, "decided_on": decided_on,
    })  # fmt: skip
    return body, issuer


def letter_issue(
    *, app: Application, actor: Any, ip: str | None = None, backfilled: bool = False
) -> IssuedDocument:
    """Issue the decision letter or refusal notice of a decided application (idempotent)."""
    kind = letter_kind(app)
    existing = document_find(kind=kind, subject_type=APPLICATION, subject_key=app.pk)
    if existing is not None:
        return existing
    body, issuer = _letter_body(app)
    title = f"{app.item.name}{DocumentKind(kind).label}"
    return document_issue(
        kind=kind, subject_type=APPLICATION, subject_key=app.pk, number=app.number, title=title, body_html=body,
        filename=f"{title}-{app.number}.pdf", area_code=app.area_id, issued_by=app.decided_by or actor,
        actor=actor, issuer=issuer, backfilled=backfilled, ip=ip,
    )  # fmt: skip


def _receipt_body(receipt: Receipt) -> str:
    apps = list(receipt.applications.select_related("item", "department").order_by("id"))
    return render_to_string("intake/_receipt_body.html", {"receipt": receipt, "apps": apps})


def receipt_issue(
    *, receipt: Receipt, actor: Any, ip: str | None = None, backfilled: bool = False
) -> IssuedDocument:
    """Issue the 受理回执 of a filing (idempotent): every application, its status and due date as filed."""
    window = receipt.window_area
    return document_issue(
        kind=DocumentKind.RECEIPT, subject_type=RECEIPT, subject_key=receipt.pk, number=receipt.number,
        title="社会救助申请受理回执", body_html=lambda: _receipt_body(receipt),
        filename=f"受理回执-{receipt.number}.pdf", area_code=receipt.area_id, issued_by=receipt.filed_by,
        actor=actor, issuer=window.full_name or window.name, backfilled=backfilled, ip=ip,
    )  # fmt: skip


@transaction.atomic
def letter_for_user(
    *, user: Any, application_id: int, ip: str | None = None
) -> tuple[Application, IssuedDocument]:
    """The application (through its scoped selector) and its stored letter; a decision made before
    letters were stored gets its letter issued now (补制)."""
    app = selectors.application_get_for_user(user=user, application_id=application_id)
    if app.status not in DECIDED:
        raise NotFound("该申请尚未作出审批决定，没有决定书")
    kind = letter_kind(app)
    if document_find(kind=kind, subject_type=APPLICATION, subject_key=app.pk) is None:
        letter_issue(app=app, actor=user, ip=ip, backfilled=True)
    document = document_selectors.document_get_for_user(
        user=user, kind=kind, subject_type=APPLICATION, subject_key=app.pk
    )
    return app, document


@transaction.atomic
def receipt_for_user(*, user: Any, receipt_id: int, ip: str | None = None) -> tuple[Receipt, IssuedDocument]:
    """The receipt (through its scoped selector, and only for a user who may see one of its applications)
    and its stored document; one filed before receipts were stored gets its document issued now (补制)."""
    receipt = selectors.receipt_get_for_user(user=user, receipt_id=receipt_id)
    # Scoped like its applications: a department window sees the receipt of a visit that filed one of
    # its department's items, not every receipt of its county.
    if not selectors.applications_for_user(user=user).filter(receipt=receipt).exists():
        raise NotFound("回执不存在或不在您的管辖范围内")
    if document_find(kind=DocumentKind.RECEIPT, subject_type=RECEIPT, subject_key=receipt.pk) is None:
        receipt_issue(receipt=receipt, actor=user, ip=ip, backfilled=True)
    document = document_selectors.document_get_for_user(
        user=user, kind=DocumentKind.RECEIPT, subject_type=RECEIPT, subject_key=receipt.pk
    )
    return receipt, document
