from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"error": {"message": "您没有访问此页面的权限"}}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"error": {"message": "页面不存在或记录不在您的管辖范围内"}}, status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "web/error.html", {"error": {"message": "系统繁忙，请稍后再试；问题已记录"}}, status=500)
