"""Issue a document: render its HTML snapshot and PDF once, store both with the PDF's sha256.

Issuing is idempotent: for a (kind, subject) that already has a document the stored row is returned and
nothing is rendered again, so a letter printed a year later is byte for byte the one issued. Callers pass
the document's markup as of the moment of issue (the names of the issuer and the areas then)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import escape

from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock
from dajiuzhu.documents.models import BODY_BEGIN, BODY_END, DocumentKind, IssuedDocument
from dajiuzhu.documents.rendering import pdf_from_html

FILENAME_FORBIDDEN = str.maketrans({c: "_" for c in '/\\:*?"<>|\0'})


def document_find(*, kind: str, subject_type: str, subject_key: object) -> IssuedDocument | None:
    """The stored document of this kind for this subject, unscoped: for issuers that already hold the
    subject through their own scoped selector (pages use selectors.document_get_for_user)."""
    return IssuedDocument.objects.filter(
        kind=kind, subject_type=subject_type, subject_key=str(subject_key)
    ).first()


@cache
def _print_css() -> str:
    return (Path(__file__).with_name("print.css")).read_text(encoding="utf-8")


def standalone_html(*, title: str, body: str) -> str:
    """The snapshot: a standalone page (styles inline, no external resource) around the document's markup.
    Built here rather than in a template, so that the site's templates keep no style block (CSP)."""
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hans">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n{_print_css()}</style>\n</head>\n<body>\n"
        f"{BODY_BEGIN}{body}{BODY_END}\n</body>\n</html>\n"
    )


def _backfill_note(on: str) -> str:
    return (
        '<p class="backfilled" id="document-backfilled">'
        f"本文书所涉事项办理于文书存档功能启用之前，系于{on}首次打印时依据当时的数据补制并存档，"
        "签发机关及区域名称以补制时为准。</p>"
    )


def document_issue(
    *,
    kind: DocumentKind | str,
    subject_type: str,
    subject_key: object,
    number: str,
    title: str,
    body_html: str | Callable[[], str],
    filename: str,
    area_code: str,
    issued_by: Any,
    actor: Any = None,
    issuer: str = "",
    backfilled: bool = False,
    ip: str | None = None,
) -> IssuedDocument:
    """The document of `kind` for the subject: the stored one if it was issued already (never rendered
    again), else rendered now from `body_html` (markup or a callable giving it, called only when needed),
    stored with the PDF's sha256 and audited, in the caller's transaction. `issued_by` is who issued it
    (the decider, the filing clerk); `actor`, if another user made it be stored (a first print), is the
    one the audit row names."""
    key = str(subject_key)
    existing = document_find(kind=kind, subject_type=subject_type, subject_key=key)
    if existing is not None:
        return existing
    issued_at = clock.now()
    body = body_html() if callable(body_html) else body_html
    if backfilled:
        local = timezone.localtime(issued_at)
        body = _backfill_note(f"{local.year}年{local.month}月{local.day}日") + body
    html = standalone_html(title=f"{title} {number}", body=body)
    pdf = pdf_from_html(html)
    digest = hashlib.sha256(pdf).hexdigest()
    name = filename.translate(FILENAME_FORBIDDEN).strip() or f"{kind}-{number}.pdf"
    try:
        with transaction.atomic():
            document = IssuedDocument.objects.create(
                kind=str(kind), subject_type=subject_type, subject_key=key, number=number, title=title[:200],
                issued_at=issued_at, issued_by=issued_by if getattr(issued_by, "pk", None) else None,
                issued_by_name=str(issued_by or "")[:150], issuer=issuer[:200], area_id=area_code, html=html,
                pdf=pdf, sha256=digest, filename=name[:200], backfilled=backfilled,
            )  # fmt: skip
    except IntegrityError:
        # Issued at the same moment by another request (two first prints of an old letter): theirs stands.
        winner = document_find(kind=kind, subject_type=subject_type, subject_key=key)
        if winner is None:
            raise
        return winner
    audit_record(
        actor=actor or issued_by, action=AuditAction.CREATE, subject_type="documents.issued", subject_id=document.pk,
        subject_label=f"{document.title} {number}", area_code=area_code,
        after={"kind": str(kind), "subject": f"{subject_type}:{key}", "sha256": digest, "backfilled": backfilled},
        note=("补制并存档" if backfilled else "签发并存档") + f"：{document.title} {number}", ip=ip,
    )  # fmt: skip
    return document
