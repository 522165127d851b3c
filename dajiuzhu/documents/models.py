"""One row per issued document: the HTML snapshot and the PDF rendered from it when it was issued, never
again. A row is written once and not updated; its subject (the application, the receipt …) is a generic
reference so that any app above this one can issue documents without this app importing it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The snapshot wraps the document's own markup between these comments, so that a page can show the
# stored markup inside the site's layout without parsing HTML.
BODY_BEGIN = "<!-- document:begin -->"
BODY_END = "<!-- document:end -->"


class DocumentKind(models.TextChoices):
    DECISION = "decision", _("审批决定书")
    REFUSAL = "refusal", _("不予批准通知书")
    RECEIPT = "receipt", _("受理回执")


class IssuedDocument(models.Model):
    kind = models.CharField(_("文书类型"), max_length=20, choices=DocumentKind.choices)
    # The generic reference: "<app label>.<model>" and the object's key (its pk or another string key).
    subject_type = models.CharField(_("对象类型"), max_length=50)
    subject_key = models.CharField(_("对象标识"), max_length=64)
    number = models.CharField(_("文书编号"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    issued_at = models.DateTimeField(_("签发时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_by_name = models.CharField(_("经办人"), max_length=150, blank=True)
    # The issuing authority as printed on the document (e.g. 「临邑县 民政局」), as of issue time.
    issuer = models.CharField(_("签发机关"), max_length=200, blank=True)
    # Scoping: the area of the subject, checked like every other read (a user outside it gets not-found).
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    html = models.TextField(_("HTML快照"))
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("PDF的SHA-256"), max_length=64)
    filename = models.CharField(_("文件名"), max_length=200)
    # True for a document of a decision or filing made before documents were issued at the time: it was
    # rendered on its first print from the data as it was then (and is frozen from that print on).
    backfilled = models.BooleanField(_("首次打印时补制"), default=False)

    class Meta:
        verbose_name = _("签发文书")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_key"], name="documents_one_per_kind_and_subject"
            )
        ]
        indexes = [models.Index(fields=["subject_type", "subject_key"])]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Issued once: a stored document is never rewritten (a new fact needs a new document).
        if not self._state.adding:
            raise ValueError("an issued document is never changed")
        super().save(*args, **kwargs)

    @property
    def body_html(self) -> str:
        """The document's own markup, as stored (without the standalone page's head and styles)."""
        start = self.html.find(BODY_BEGIN)
        end = self.html.find(BODY_END)
        if start < 0 or end < start:
            return self.html
        return self.html[start + len(BODY_BEGIN) : end]

    @property
    def html_filename(self) -> str:
        stem = self.filename[:-4] if self.filename.lower().endswith(".pdf") else self.filename
        return f"{stem}.html"
