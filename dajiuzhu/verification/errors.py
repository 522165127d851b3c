"""Verification errors: stable codes and Chinese messages (mapped to HTTP in config.api, to pages in views)."""

from __future__ import annotations

from dajiuzhu.core.errors import DomainError, ValidationFailed


class UnknownSource(ValidationFailed):
    code = "unknown_source"
    default_message = "该数据源没有交换约定，拒绝接收"


class ContractInvalid(DomainError):
    code = "contract_invalid"
    status = 500
    default_message = "数据源交换约定有误"


class FileUnreadable(ValidationFailed):
    code = "file_unreadable"
    default_message = "文件无法读取"


class AuthorisationMissing(DomainError):
    """Raised after the refusal has been recorded (request row + audit entry)."""

    code = "authorisation_missing"
    status = 403
    default_message = "家庭成员未全部签署有效的核对授权书，不能发起核对"
