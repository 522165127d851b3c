"""Reads of issued documents, scoped to the caller's area like the subject they belong to."""

from __future__ import annotations

from typing import Any

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.core.errors import NotFound
from dajiuzhu.documents.models import IssuedDocument

NOT_FOUND = "文书不存在或不在您的管辖范围内"


def document_get_for_user(*, user: Any, kind: str, subject_type: str, subject_key: object) -> IssuedDocument:
    """The stored document if it lies in the user's area; a missing one and one of another area give the
    same not-found (callers first load the subject through its own scoped selector)."""
    user_require(user, Capability.REGISTRY_READ)
    document = (
        IssuedDocument.objects.filter(
            user_scope_q(user), kind=kind, subject_type=subject_type, subject_key=str(subject_key)
        )
        .select_related("area")
        .first()
    )
    if document is None:
        raise NotFound(NOT_FOUND)
    return document
