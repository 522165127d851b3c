"""The input helpers every elderly-care service shares: the elder named at a desk or picked from a list,
free text, a day and a choice, each failure a FieldError with the field's key and a Chinese message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dajiuzhu.core import clock
from dajiuzhu.core.errors import DomainError, FieldError, ValidationFailed
from dajiuzhu.core.inputs import clean_text
from dajiuzhu.registry import selectors as registry_selectors
from dajiuzhu.registry.models import Person

EARLIEST = dt.date(2000, 1, 1)


def person_from(
    user: Any, data: dict[str, Any], label: str, error: type[ValidationFailed], ip: str | None
) -> Person:
    """The person named by `id_number` (typed or read from the ID card) or `person_id` (picked from a list),
    within the user's area. A miss by ID number reads the same whatever its reason (the registry's one lookup,
    audited); a person outside the area is "not found" like a missing one."""
    if str(data.get("id_number") or "").strip():
        _household, person = registry_selectors.household_by_id_number(
            user=user, id_number=str(data["id_number"]), ip=ip
        )
        return person
    try:
        person_id = int(str(data.get("person_id")))
    except ValueError:
        raise error(errors=[FieldError("id_number", f"{label}：请输入身份证号码")]) from None
    return registry_selectors.person_get_for_user(user=user, person_id=person_id, ip=ip)


def text(
    raw: Any, key: str, label: str, errors: list[FieldError], *, required: bool = False, limit: int
) -> str:
    try:
        return clean_text(None if raw is None else str(raw), label, required=required, limit=limit)
    except ValidationFailed as exc:
        errors.extend(FieldError(key, f"{e.field}：{e.message}") for e in exc.errors)
        return ""


def day(raw: Any, key: str, label: str, errors: list[FieldError]) -> dt.date | None:
    """A date of something that happened: not after today, not before 2000."""
    if isinstance(raw, dt.date):
        value = raw
    else:
        written = str(raw or "").strip()
        if not written:
            errors.append(FieldError(key, f"{label}：请填写"))
            return None
        try:
            value = dt.date.fromisoformat(written)
        except ValueError:
            errors.append(FieldError(key, f"{label}：“{written}”不是有效日期（应为 YYYY-MM-DD）"))
            return None
    if value > clock.today():
        errors.append(FieldError(key, f"{label}：不能晚于今天"))
        return None
    if value < EARLIEST:
        errors.append(FieldError(key, f"{label}：不能早于{EARLIEST.year}年"))
        return None
    return value


def choice(raw: Any, choices: Any, key: str, label: str, errors: list[FieldError]) -> str:
    value = str(raw or "").strip()
    if value not in choices.values:
        errors.append(FieldError(key, f"{label}：请选择{'、'.join(str(c.label) for c in choices)}之一"))
    return value


def form_errors(exc: DomainError | None) -> dict[str, list[str]]:
    """A refusal's messages by field key, for a form to show each next to its input."""
    out: dict[str, list[str]] = {}
    for e in exc.errors if exc is not None else []:
        out.setdefault(e.field, []).append(e.message)
    return out
