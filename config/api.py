"""The API root: one NinjaAPI, one router per app, domain errors mapped to JSON in one place."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from dajiuzhu.core.errors import DomainError

api = NinjaAPI(title="大救助 dajiuzhu API", version="1", urls_namespace="api")


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"code": "unauthenticated", "message": "请先登录或提供有效的令牌",
                                         "errors": []}, status=401)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [{"field": ".".join(str(p) for p in e.get("loc", [])[1:]) or "body", "message": e.get("msg", "")}
              for e in exc.errors]
    return api.create_response(request, {"code": "validation_failed", "message": "请求格式有误", "errors": errors},
                               status=422)


def _register_routers() -> None:
    from dajiuzhu.accounts.api import router as accounts_router
    from dajiuzhu.registry.api import router as registry_router

    api.add_router("/accounts/", accounts_router)
    api.add_router("/registry/", registry_router)


_register_routers()
