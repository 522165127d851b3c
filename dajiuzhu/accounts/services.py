"""Account writes: login with lockout, password change, users and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dajiuzhu.accounts.errors import AccountLocked, LoginFailed
from dajiuzhu.accounts.models import ApiToken, Department, User
from dajiuzhu.accounts.roles import Role
from dajiuzhu.areas.models import Area
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core.errors import ValidationFailed


def user_login_check(*, username: str, password: str, ip: str | None = None) -> User:
    """Authenticate, counting failures; lock the account after too many. Raises LoginFailed/AccountLocked."""
    user = User.objects.filter(username=username).first()
    if user is not None and user.is_locked:
        audit_record(actor=user, action=AuditAction.LOGIN_FAILED, subject_type="user", subject_id=user.pk,
                     note="账户锁定期间尝试登录", ip=ip)
        raise AccountLocked(_locked_message(user))
    authed = authenticate(username=username, password=password)
    if authed is None:
        if user is not None:
            _register_failure(user, ip=ip)
            user.refresh_from_db(fields=["locked_until", "failed_logins"])
            if user.is_locked:
                raise AccountLocked(_locked_message(user))
        raise LoginFailed()
    assert isinstance(authed, User)
    if authed.failed_logins:
        User.objects.filter(pk=authed.pk).update(failed_logins=0, locked_until=None)
    audit_record(actor=authed, action=AuditAction.LOGIN, subject_type="user", subject_id=authed.pk, ip=ip)
    return authed


def _locked_message(user: User) -> str:
    assert user.locked_until is not None
    minutes = max(1, int((user.locked_until - timezone.now()).total_seconds() // 60) + 1)
    return f"登录失败次数过多，账户已锁定，请约{minutes}分钟后再试或联系管理员解锁"


@transaction.atomic
def _register_failure(user: User, *, ip: str | None) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    audit_record(actor=user, action=AuditAction.LOGIN_FAILED, subject_type="user", subject_id=user.pk,
                 note=f"第{user.failed_logins}次失败", ip=ip)
    if user.failed_logins >= settings.DAJIUZHU_LOGIN_MAX_FAILURES:
        until = timezone.now() + dt.timedelta(minutes=settings.DAJIUZHU_LOGIN_LOCK_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
        audit_record(actor=user, action=AuditAction.LOCKED, subject_type="user", subject_id=user.pk,
                     after={"locked_until": until}, ip=ip)


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> None:
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_logins=0)
    audit_record(actor=actor, action=AuditAction.UPDATE, subject_type="user", subject_id=user.pk,
                 subject_label=user.username, note="解除锁定")


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
    user = User(username=username, role=role, area=area, full_name=full_name, department=department,
                is_superuser=is_superuser, is_staff=is_superuser)
    user.set_password(password)
    user.save()
    audit_record(actor=actor, action=AuditAction.CREATE, subject_type="user", subject_id=user.pk,
                 subject_label=username, area_code=area.code,
                 after={"username": username, "role": role, "area": area.code})
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name or "API", key_hash=ApiToken.hash_key(key), prefix=key[:8])
    audit_record(actor=user, action=AuditAction.CREATE, subject_type="api_token", subject_id=token.pk,
                 subject_label=token.name)
    return token, key


def api_token_authenticate(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__area")
        .filter(key_hash=ApiToken.hash_key(key), revoked=False)
        .first()
    )
    if token is None or not token.user.is_active or token.user.is_locked:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
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
