"""Excel import/export pages (thin: read the request, call importing/exporting, render or send a file)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.core.downloads import XLSX, xlsx_response
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.registry.exporting import households_export
from dajiuzhu.registry.importing import (
    error_report_path,
    error_report_store,
    households_import,
    import_template_xlsx,
    imports_recent,
    imports_recover,
)

ERRORS_SHOWN = 200


def _form(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    limit_mb = settings.DAJIUZHU_IMPORT_MAX_BYTES / 1024 / 1024
    imports_recover()  # an upload whose process was killed shows as interrupted (upload it again)
    context = {"error": error, "limit_mb": f"{limit_mb:.0f}", "recent": imports_recent(user=request.user)}
    return render(request, "registry/import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    user_require(request.user, Capability.REGISTRY_IMPORT)
    if request.method == "GET":
        return _form(request)
    upload = request.FILES.get("file")
    if upload is None:
        return _form(request, "请选择要导入的 .xlsx 或 .csv 文件", status=400)
    if upload.size is not None and upload.size > settings.DAJIUZHU_IMPORT_MAX_BYTES:
        limit_mb = settings.DAJIUZHU_IMPORT_MAX_BYTES / 1024 / 1024
        return _form(request, f"文件大小超过上限（{limit_mb:.0f} MB），请拆分成多个文件分批导入", status=400)
    try:
        result = households_import(actor=request.user, content=upload.read(), filename=upload.name or "")
    except ValidationFailed as exc:
        return _form(request, exc.message, status=400)
    context: dict[str, Any] = {"result": result, "filename": upload.name}
    if not result.ok:
        context["token"] = error_report_store(user=request.user, result=result)
        context["errors_shown"] = result.errors[:ERRORS_SHOWN]
        context["errors_hidden"] = max(result.error_count - ERRORS_SHOWN, 0)
        context["error_rows"] = len({e.row for e in result.errors})
    else:
        context["numbers_shown"] = result.numbers[:50]
    return render(request, "registry/import_result.html", context, status=200 if result.ok else 400)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    user_require(request.user, Capability.REGISTRY_IMPORT)
    return xlsx_response(import_template_xlsx(), "困难家庭成员导入模板.xlsx")


@login_required
@require_GET
def import_error_report(request: HttpRequest, token: str) -> HttpResponseBase:
    user_require(request.user, Capability.REGISTRY_IMPORT)
    path = error_report_path(user=request.user, token=token)
    if path is None:
        raise Http404("错误清单不存在或已被新的导入结果替换")
    return FileResponse(path.open("rb"), as_attachment=True, filename="导入错误清单.xlsx", content_type=XLSX)


@login_required
@require_GET
def export_households(request: HttpRequest) -> HttpResponse:
    from dajiuzhu.registry.views import search_filters

    found, _carried = search_filters(request)
    filters = {
        "q": found["q"],
        "area": found["area_code"] or found["area"],
        "residence_type": found["residence_type"],
    }
    content = households_export(actor=request.user, queryset_or_filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(content, f"困难家庭成员-{stamp}.xlsx")
