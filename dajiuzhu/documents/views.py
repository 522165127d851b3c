"""The stored bytes of an issued document, for the pages of the apps that issue them: the PDF (to
download or to open for printing) and the HTML snapshot, each audited as a download of personal data."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.documents.models import IssuedDocument

PDF = "application/pdf"
HTML = "text/html; charset=utf-8"


def document_response(
    *, user: Any, document: IssuedDocument, fmt: str = "pdf", inline: bool = False, ip: str | None = None
) -> HttpResponse:
    """The stored PDF (fmt "pdf") or HTML snapshot (fmt "html"), never rendered again; the PDF's sha256
    travels in a header for verification. `inline` opens the PDF in the browser for printing."""
    if fmt == "html":
        content, content_type, filename = document.html.encode("utf-8"), HTML, document.html_filename
    else:
        content, content_type, filename = bytes(document.pdf), PDF, document.filename
    response = HttpResponse(content, content_type=content_type)
    disposition = content_disposition_header(as_attachment=not (inline and fmt == "pdf"), filename=filename)
    response["Content-Disposition"] = disposition or "attachment"
    if fmt != "html":
        response["X-Content-SHA256"] = document.sha256
        # No CSP on the PDF: it runs no script of ours, and a policy on it (object-src 'none') can keep
        # a browser's PDF viewer from showing it.
        response._csp_exempt = True  # type: ignore[attr-defined]
    audit_record(
        actor=user, action=AuditAction.EXPORT, subject_type="documents.issued", subject_id=document.pk,
        subject_label=f"{document.title} {document.number}", area_code=document.area_id,
        after={"format": fmt, "inline": inline and fmt == "pdf", "sha256": document.sha256},
        note=f"{'打印' if inline and fmt == 'pdf' else '下载'}{document.title} {document.number}（{fmt.upper()}）", ip=ip,
    )  # fmt: skip
    return response
