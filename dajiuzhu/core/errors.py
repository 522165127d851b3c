"""Domain errors: a stable machine code, a Chinese message for people, and the field or row at fault.

Views and the API never build error payloads by hand; they turn a DomainError into a page message
or JSON in one place (web.middleware / config.api).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    field: str
    message: str
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.row is not None:
            data["row"] = self.row
        return data

    def __str__(self) -> str:
        where = f"第{self.row}行 " if self.row is not None else ""
        return f"{where}{self.field}：{self.message}"


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = "操作失败"

    def __init__(self, message: str | None = None, *, errors: list[FieldError] | None = None) -> None:
        self.message = message or self.default_message
        self.errors: list[FieldError] = list(errors or [])
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "errors": [e.as_dict() for e in self.errors],
        }


class ValidationFailed(DomainError):
    code = "validation_failed"
    default_message = "输入有误，请检查标出的字段"

    @classmethod
    def single(cls, field_name: str, message: str, *, row: int | None = None) -> ValidationFailed:
        err = FieldError(field=field_name, message=message, row=row)
        return cls(str(err), errors=[err])


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "记录不存在或不在您的管辖范围内"


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = "您没有执行此操作的权限"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "记录已被他人修改，请刷新后重试"


@dataclass
class ErrorReport:
    """Collects many row/field errors before failing once (imports, bulk edits)."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, message: str, *, row: int | None = None) -> None:
        self.errors.append(FieldError(field=field_name, message=message, row=row))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, message: str = "输入有误，请检查标出的字段") -> None:
        if self.errors:
            raise ValidationFailed(message, errors=self.errors)
