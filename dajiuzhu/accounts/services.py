"""Account writes: login (lockout by username and IP through django-axes), password change, users and
API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest

from dajiuzhu.accounts.errors import AccountLocked, LoginFailed
from dajiuzhu.accounts.models import ApiToken, Department, User
from dajiuzhu.accounts.roles import Capability, Role
from dajiuzhu.accounts.selectors import user_require, users_for_user
from dajiuzhu.areas.models import Area
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record, diff
from dajiuzhu.core import clock
from dajiuzhu.core.errors import NotFound, ValidationFailed
from dajiuzhu.core.net import client_ip

USERNAME_MAX = 150  # AbstractUser.username


def user_login_check(*, request: HttpRequest, username: str, password: str) -> User:
    """Authenticate through django-axes, which counts failures per (username, client IP) and refuses a
    locked pair before the password is even checked, so a stranger's failures from another address
    never lock the clerk out. Raises LoginFailed / AccountLocked; every attempt on a known account is
    audited."""
    ip = client_ip(request)
    if len(username) > USERNAME_MAX or not username.isprintable() or "\x00" in password:
        # No account has such a name; answered like a wrong password without reaching the database
        # (PostgreSQL refuses NUL in text, and axes' columns are bounded).
        raise LoginFailed()
    user = User.objects.filter(username=username).first()
    authed = authenticate(request, username=username, password=password)
    if authed is None:
        locked = bool(getattr(request, "axes_locked_out", False))
        failures = getattr(request, "axes_failures_since_start", None)
        if user is not None:
            # axes counts only failures outside a lockout (a refused attempt during one has no count).
            note = f"第{failures}次失败" if failures else "锁定期间尝试登录"
            audit_record(actor=user, action=AuditAction.LOGIN_FAILED, subject_type="user", subject_id=user.pk,
                         note=note, ip=ip)  # fmt: skip
            if locked and failures:
                audit_record(actor=user, action=AuditAction.LOCKED, subject_type="user", subject_id=user.pk,
                             after={"ip": ip, "minutes": settings.DAJIUZHU_LOGIN_LOCK_MINUTES}, ip=ip)  # fmt: skip
        if locked:
            raise AccountLocked(login_locked_message(username=username, ip=ip))
        raise LoginFailed()
    assert isinstance(authed, User)
    audit_record(actor=authed, action=AuditAction.LOGIN, subject_type="user", subject_id=authed.pk, ip=ip)
    return authed


def login_locked_message(*, username: str, ip: str | None) -> str:
    """The Chinese lockout message with the minutes left for this username from this address."""
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=ip)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    cool_off = dt.timedelta(minutes=settings.DAJIUZHU_LOGIN_LOCK_MINUTES)
    left = (last + cool_off - clock.now()) if last else cool_off
    minutes = max(1, int(left.total_seconds() // 60) + 1)
    minutes = min(minutes, settings.DAJIUZHU_LOGIN_LOCK_MINUTES)
    return (
        f"登录失败次数过多，该账户从您当前网络地址的登录已临时锁定，请约{minutes}分钟后再试或联系管理员解锁"
    )


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> None:
    """Lift every lockout of this username (from every address)."""
    axes_reset(username=user.username)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        subject_type="user",
        subject_id=user.pk,
        subject_label=user.username,
        note="解除锁定",
    )


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationFailed.single("原密码", "原密码不正确")
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed.single("新密码", "；".join(exc.messages)) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action=AuditAction.PASSWORD, subject_type="user", subject_id=user.pk)


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    area: Area,
    full_name: str = "",
    department: Department | None = None,
    is_superuser: bool = False,
) -> User:
    if role not in Role.values:
        raise ValidationFailed.single("角色", f"未知角色“{role}”")
    if User.objects.filter(username=username).exists():
        raise ValidationFailed.single("用户名", f"用户名“{username}”已存在")
    if role == Role.DEPARTMENT_WINDOW and department is None:
        raise ValidationFailed.single("部门", "部门窗口用户必须指定所属部门")
    user = User(
        username=username,
        role=role,
        area=area,
        full_name=full_name,
        department=department,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject_type="user",
        subject_id=user.pk,
        subject_label=username,
        area_code=area.code,
        after={"username": username, "role": role, "area": area.code},
    )
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user, name=name or "API", key_hash=ApiToken.hash_key(key), prefix=key[:8]
    )
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        subject_type="api_token",
        subject_id=token.pk,
        subject_label=token.name,
    )
    return token, key


TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)


def api_token_authenticate(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__area")
        .filter(key_hash=ApiToken.hash_key(key), revoked=False)
        .first()
    )
    # A login lockout is per (username, address) and does not touch tokens: a stranger's failed
    # passwords must not cut off an integration (a token is revoked, or its user deactivated, instead).
    if token is None or not token.user.is_active:
        return None
    # Recorded to the minute: a phone calling every few seconds does not write the token row each time.
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


DEFAULT_DEPARTMENTS = [
    ("minzheng", "民政"),
    ("yibao", "医保"),
    ("jiaoyu", "教育"),
    ("zhujian", "住建"),
    ("renshe", "人社"),
    ("canlian", "残联"),
    ("weijian", "卫健"),
]


def departments_ensure_defaults() -> None:
    for i, (code, name) in enumerate(DEFAULT_DEPARTMENTS):
        Department.objects.get_or_create(code=code, defaults={"name": name, "sort": i})


@transaction.atomic
def user_update(
    *,
    actor: User,
    user_id: int,
    role: str | None = None,
    area: Area | None = None,
    full_name: str | None = None,
    department: Department | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a user's role, area, name, department or active flag (administrators, within their area)."""
    user_require(actor, Capability.USER_ADMIN)
    user = users_for_user(actor).select_for_update(of=("self",)).filter(pk=user_id).first()
    if user is None:
        raise NotFound()
    if role is not None and role not in Role.values:
        raise ValidationFailed.single("角色", f"未知角色“{role}”")
    if area is not None and (actor.area is None or not area.is_within(actor.area)):
        raise ValidationFailed.single("所属区域", "只能把用户分配到您管辖范围内的区域")
    if user.pk == actor.pk and is_active is False:
        raise ValidationFailed.single("启用", "不能停用自己的账户")
    before = {
        "role": user.role,
        "area": user.area_id,
        "full_name": user.full_name,
        "department": user.department_id,
        "is_active": user.is_active,
    }
    if role is not None:
        user.role = role
    if area is not None:
        user.area = area
    if full_name is not None:
        user.full_name = full_name.strip()[:50]
    if department is not None or role is not None:
        user.department = department
    if is_active is not None:
        user.is_active = is_active
    if user.role == Role.DEPARTMENT_WINDOW and user.department is None:
        raise ValidationFailed.single("部门", "部门窗口用户必须指定所属部门")
    user.save(update_fields=["role", "area", "full_name", "department", "is_active"])
    after = {
        "role": user.role,
        "area": user.area_id,
        "full_name": user.full_name,
        "department": user.department_id,
        "is_active": user.is_active,
    }
    b, a = diff(before, after)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        subject_type="user",
        subject_id=user.pk,
        subject_label=user.username,
        area_code=user.area_id or "",
        before=b,
        after=a,
    )
    return user


@transaction.atomic
def user_reset_password(*, actor: User, user_id: int, new_password: str) -> None:
    user_require(actor, Capability.USER_ADMIN)
    user = users_for_user(actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound()
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed.single("新密码", "；".join(exc.messages)) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    axes_reset(username=user.username)
    audit_record(
        actor=actor,
        action=AuditAction.PASSWORD,
        subject_type="user",
        subject_id=user.pk,
        subject_label=user.username,
        area_code=user.area_id or "",
        note="管理员重置密码并解除锁定",
    )


@transaction.atomic
def department_save(*, actor: User, code: str, name: str, is_active: bool = True) -> Department:
    """Create or rename a department of the configurable list (医保, 教育, …)."""
    user_require(actor, Capability.USER_ADMIN)
    code, name = code.strip(), name.strip()
    if not code or not code.replace("_", "").isalnum() or not code.isascii():
        raise ValidationFailed.single("代码", "代码只能由英文字母、数字和下划线组成")
    if not name:
        raise ValidationFailed.single("名称", "不能为空")
    dept = Department.objects.filter(code=code).first()
    before = {"name": dept.name, "is_active": dept.is_active} if dept else None
    if dept is None:
        dept = Department.objects.create(
            code=code, name=name[:50], is_active=is_active, sort=Department.objects.count()
        )
    else:
        dept.name, dept.is_active = name[:50], is_active
        dept.save(update_fields=["name", "is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        subject_type="department",
        subject_id=dept.pk,
        subject_label=dept.name,
        before=before,
        after={"name": dept.name, "is_active": dept.is_active},
    )
    return dept
