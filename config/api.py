"""The API root: one NinjaAPI, one router per app, and every error mapped to JSON in one place.

Every error answer has one shape: {"code": ..., "message": <Chinese>, "errors": [{field, row?, message}]}.
No route can answer with an HTML page or a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from dajiuzhu.core.errors import DomainError, ValidationFailed
from dajiuzhu.core.inputs import check_payload
from dajiuzhu.core.throttling import ApiAnonThrottle, ApiUserThrottle

log = logging.getLogger(__name__)


class _Utf8JSONRenderer(JSONRenderer):
    # Chinese messages stay readable in curl and logs instead of \uXXXX escapes.
    json_dumps_params = {"ensure_ascii": False}


class _CheckedParser(Parser):
    """Every JSON body, query string and form goes through core.inputs.check_payload before any schema
    reads it: a NUL byte (or a \\u0000 escape), another control character, an integer beyond bigint, NaN
    or infinity is refused with a 422 naming the field, whatever the field's type (free JSON included),
    and never reaches the database."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        _check(data, "body")
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        # Uploaded files (request.FILES) are left to their readers: check_payload passes over them.
        _check(result, "query" if data is request.GET else "form")
        return result


def _check(data: Any, location: str) -> None:
    try:
        check_payload(data)
    except ValidationFailed as exc:
        err = exc.errors[0]
        path = tuple(err.field.split(".")) if err.field != "body" else ()
        if location == "body":
            # Named as the schemas' own errors name body fields: every operation calls its body `payload`.
            path = ("payload", *path)
        raise NinjaValidationError(
            [{"loc": (location, *path), "type": "djz_input", "msg": err.message}]
        ) from exc


api = NinjaAPI(
    renderer=_Utf8JSONRenderer(),
    parser=_CheckedParser(),
    title="大救助 dajiuzhu API",
    version="1",
    urls_namespace="api",
    # Per user once authenticated; before that per client IP (accounts.api.SessionAuth counts the
    # requests that no credential lets in, which never reach these). Rates: settings DAJIUZHU_API_*.
    throttle=[ApiAnonThrottle(), ApiUserThrottle()],
    description=(
        "困难群众数据库等接口。认证：`Authorization: Bearer djz_...` 令牌，"
        "或已登录的浏览器会话（修改类请求需带CSRF令牌）。"
    ),
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "errors": errors or []}, status=status
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if getattr(request, "_djz_bad_token", False):
        return _error(request, 401, "invalid_token", "API令牌无效、已撤销或账户已停用")
    return _error(request, 401, "unauthenticated", "请先登录或提供有效的令牌")


_HTTP_ERRORS = {
    400: ("bad_request", "请求内容无法解析，请检查JSON格式"),
    403: ("permission_denied", "您没有执行此操作的权限"),
    404: ("not_found", "记录不存在或不在您的管辖范围内"),
    405: ("method_not_allowed", "不支持该请求方法"),
    429: ("throttled", "请求过于频繁，请稍后再试"),
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja turns whatever the body parser raises into "400 cannot parse": a refused value of a
    # well-formed body is the parser's 422 instead.
    if isinstance(exc.__cause__, NinjaValidationError):
        return _validation_error(request, exc.__cause__)
    if exc.status_code == 403 and "csrf" in str(exc).lower():
        return _error(request, 403, "csrf_failed", "页面已过期或缺少CSRF令牌，请刷新页面后重试")
    code, message = _HTTP_ERRORS.get(exc.status_code, ("error", "请求无法处理"))
    return _error(request, exc.status_code, code, message)


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return _error(
        request,
        400,
        "bad_request",
        "请求内容无法解析：multipart/form-data 格式有误（缺少boundary或内容不完整）",
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "记录不存在或不在您的管辖范围内")


def _pydantic_message(err: dict[str, Any]) -> str:
    """Chinese wording for the schema errors a client is likely to make."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind.startswith("djz_"):  # core.inputs' own checks carry their Chinese message
        return str(err.get("msg") or "格式有误")
    if kind == "missing":
        return "不能为空"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "应为整数"
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return "应为数字"
    if kind in {"bool_parsing", "bool_type"}:
        return "应为是或否（true/false）"
    if kind in {"string_type", "string_unicode"}:
        return "应为文本"
    if kind in {"list_type"}:
        return "应为列表"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return "应为对象"
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type"}:
        return "不是有效日期，请写成 2025-01-31"
    if kind in {"datetime_parsing", "datetime_from_date_parsing", "datetime_type", "datetime_object_invalid"}:
        return "不是有效的日期时间，请写成 2026-03-01T09:30:00+08:00"
    if kind in {"int_too_big", "int_too_small", "finite_number"}:
        return "数值超出范围"
    if kind in {"string_not_ascii", "string_sub_type", "string_pattern_mismatch"}:
        return "格式有误"
    if kind in {"value_error", "assertion_error"}:
        return "取值无效"
    if kind == "less_than_equal":
        return f"不能大于{ctx.get('le')}"
    if kind == "greater_than_equal":
        return f"不能小于{ctx.get('ge')}"
    if kind == "less_than":
        return f"应小于{ctx.get('lt')}"
    if kind == "greater_than":
        return f"应大于{ctx.get('gt')}"
    if kind == "string_too_long":
        return f"不能超过{ctx.get('max_length')}个字"
    if kind == "string_too_short":
        return f"至少{ctx.get('min_length')}个字"
    if kind in {"literal_error", "enum"}:
        return f"不是有效选项，可选：{ctx.get('expected', '')}"
    if kind == "json_invalid":
        return "请求体不是有效的JSON"
    return "格式有误"


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", [])[1:]) or "body", "message": _pydantic_message(e)}
        for e in exc.errors
    ]
    return _error(request, 422, "validation_failed", "请求格式有误", errors)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The only place an unexpected error surfaces: logged with its traceback, answered without it.
    log.exception("unhandled API error on %s %s", request.method, request.path)
    return _error(request, 500, "internal_error", "系统繁忙，请稍后再试")


def _register_routers() -> None:
    from dajiuzhu.accounts.api import router as accounts_router
    from dajiuzhu.assessment.api import router as assessment_router
    from dajiuzhu.eldercare.api import router as eldercare_router
    from dajiuzhu.intake.api import router as intake_router
    from dajiuzhu.monitoring.api import router as monitoring_router
    from dajiuzhu.parameters.api import router as parameters_router
    from dajiuzhu.payments.api import router as payments_router
    from dajiuzhu.registry.api import router as registry_router
    from dajiuzhu.verification.api import router as verification_router

    api.add_router("/accounts/", accounts_router)
    api.add_router("/registry/", registry_router)
    api.add_router("/assessment/", assessment_router)
    api.add_router("/parameters/", parameters_router)
    api.add_router("/intake/", intake_router)
    api.add_router("/verification/", verification_router)
    api.add_router("/monitoring/", monitoring_router)
    api.add_router("/payments/", payments_router)
    api.add_router("/eldercare/", eldercare_router)


_register_routers()
