"""Administration pages: users within the administrator's area, and the department list."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dajiuzhu.accounts.models import Department, User
from dajiuzhu.accounts.roles import Capability, Role
from dajiuzhu.accounts.selectors import area_in_user_scope, user_require, usernames_locked_out, users_for_user
from dajiuzhu.accounts.services import department_save, user_create, user_reset_password, user_update
from dajiuzhu.areas.models import Area
from dajiuzhu.core.errors import NotFound, ValidationFailed


def _actor(request: HttpRequest) -> User:
    """The logged-in user (every view here is behind login_required)."""
    return cast(User, request.user)


def _area_in_scope(request: HttpRequest, code: str) -> Area:
    area = area_in_user_scope(_actor(request), code)
    if area is None:
        raise ValidationFailed.single("所属区域", f"区划代码“{code}”不存在或不在您的管辖范围内")
    return area


def _department(code: str) -> Department | None:
    if not code:
        return None
    dept = Department.objects.filter(code=code, is_active=True).first()
    if dept is None:
        raise ValidationFailed.single("部门", f"部门“{code}”不存在或已停用")
    return dept


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    user_require(request.user, Capability.USER_ADMIN)
    qs = users_for_user(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(full_name__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    form: dict[str, str] = {}
    errors: ValidationFailed | None = None
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "")
            for k in ("username", "full_name", "role", "area", "department", "password")
        }
        try:
            created = user_create(
                actor=_actor(request),
                username=form["username"].strip(),
                password=form["password"],
                role=form["role"],
                area=_area_in_scope(request, form["area"]),
                full_name=form["full_name"],
                department=_department(form["department"]),
            )
        except ValidationFailed as exc:
            errors = exc
        else:
            messages.success(request, f"已创建用户 {created.username}")
            return redirect("manage:users")
    return render(
        request,
        "accounts/manage/users.html",
        {
            "page": page,
            "locked": usernames_locked_out([u.username for u in page]),
            "q": q,
            "roles": Role.choices,
            "departments": Department.objects.filter(is_active=True),
            "form": form,
            "errors": errors,
        },
    )


@login_required
@require_POST
def user_action(request: HttpRequest, user_id: int) -> HttpResponse:
    user_require(request.user, Capability.USER_ADMIN)
    action = request.POST.get("action", "")
    try:
        if action == "deactivate":
            user_update(actor=_actor(request), user_id=user_id, is_active=False)
            messages.success(request, "已停用")
        elif action == "activate":
            user_update(actor=_actor(request), user_id=user_id, is_active=True)
            messages.success(request, "已启用")
        elif action == "reset":
            user_reset_password(
                actor=_actor(request),
                user_id=user_id,
                new_password=request.POST.get("password", ""),
            )
            messages.success(request, "已重置密码并解除锁定")
        elif action == "update":
            user_update(
                actor=_actor(request),
                user_id=user_id,
                role=request.POST.get("role") or None,
                area=_area_in_scope(request, request.POST["area"]) if request.POST.get("area") else None,
                department=_department(request.POST.get("department", "")),
            )
            messages.success(request, "已保存")
        else:
            raise NotFound()
    except ValidationFailed as exc:
        messages.error(request, exc.message if not exc.errors else "；".join(str(e) for e in exc.errors))
    return redirect("manage:users")


@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    user_require(request.user, Capability.USER_ADMIN)
    errors: ValidationFailed | None = None
    if request.method == "POST":
        try:
            department_save(
                actor=_actor(request),
                code=request.POST.get("code", ""),
                name=request.POST.get("name", ""),
                is_active=request.POST.get("is_active") == "on",
            )
        except ValidationFailed as exc:
            errors = exc
        else:
            messages.success(request, "已保存")
            return redirect("manage:departments")
    return render(
        request,
        "accounts/manage/departments.html",
        {"departments": Department.objects.all(), "errors": errors},
    )
