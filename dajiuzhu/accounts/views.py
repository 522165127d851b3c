"""Account pages: login (lockout by username and IP through django-axes), logout, password change,
API tokens. Thin: the rules live in accounts.services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from dajiuzhu.accounts.errors import AccountLocked, LoginFailed
from dajiuzhu.accounts.services import (
    api_token_create,
    login_locked_message,
    user_change_password,
    user_login_check,
)
from dajiuzhu.core.errors import FieldError, ValidationFailed
from dajiuzhu.core.net import client_ip
from dajiuzhu.core.throttling import LoginThrottle, TooManyRequests, throttle_require


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return str(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    context = {"username": "", "next": request.GET.get("next", ""), "error": None}
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        context.update(username=username, next=request.POST.get("next", ""))
        try:
            throttle_require(LoginThrottle(), request, "该网络地址的登录请求过于频繁，请稍后再试")
            user = user_login_check(
                request=request, username=username, password=request.POST.get("password", "")
            )
        except LoginFailed as exc:
            return render(request, "accounts/login.html", {**context, "error": exc})
        except (AccountLocked, TooManyRequests) as exc:
            return render(request, "accounts/login.html", {**context, "error": exc}, status=exc.status)
        login(request, user)
        return redirect(_next_url(request))
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    return render(request, "accounts/login.html", context)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """settings.AXES_LOCKOUT_CALLABLE: axes' middleware calls it for a request it flagged as locked out.
    The login page has already answered with its own 429 page; anything else gets the same page."""
    if original_response is not None and original_response.status_code == AccountLocked.status:
        return original_response
    username = str((credentials or {}).get("username") or request.POST.get("username", "")).strip()
    error = AccountLocked(login_locked_message(username=username, ip=client_ip(request)))
    context = {"username": username, "next": "", "error": error}
    return render(request, "accounts/login.html", context, status=error.status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "您已安全退出")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    error: ValidationFailed | None = None
    if request.method == "POST":
        new_password = request.POST.get("new_password", "")
        try:
            if new_password != request.POST.get("new_password2", ""):
                # Confirmation is a property of this form only (the API has no second field).
                raise ValidationFailed(errors=[FieldError("确认新密码", "两次输入的新密码不一致")])
            user_change_password(
                user=request.user,  # type: ignore[arg-type]
                old_password=request.POST.get("old_password", ""),
                new_password=new_password,
            )
        except ValidationFailed as exc:
            error = exc
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, "密码已修改")
            return redirect("web:home")
    errors_by_field = {e.field: e.message for e in (error.errors if error else [])}
    return render(request, "accounts/password_change.html", {"error": error, "field_errors": errors_by_field})


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"new_key": None, "token": None}
    if request.method == "POST":
        token, key = api_token_create(user=request.user, name=request.POST.get("name", "").strip()[:100])  # type: ignore[arg-type]
        # The plain key is rendered once in this response and never stored.
        context.update(new_key=key, token=token)
    return render(request, "accounts/tokens.html", context)
