"""Reads about users, and the one scoping helper every other selector uses."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dajiuzhu.areas.selectors import area_q
from dajiuzhu.core.errors import PermissionDenied


def user_scope_q(user: Any, *, prefix: str = "area") -> Q:
    """Rows visible to `user`: those whose area lies in the user's area subtree. No area → nothing."""
    area = getattr(user, "area", None)
    if not getattr(user, "is_authenticated", False) or area is None:
        return Q(pk__in=[])
    return area_q(area, prefix=prefix)


def area_in_user_scope(user: Any, code: str) -> Any:
    """The area with this code if it lies in the user's subtree, else None (unknown and out of scope
    look the same, so a code outside one's area reveals nothing)."""
    from dajiuzhu.areas.models import Area

    scope = getattr(user, "area", None)
    area = Area.objects.filter(code=(code or "").strip()).first()
    if area is None or scope is None or not area.is_within(scope):
        return None
    return area


def user_require(user: Any, capability: str) -> None:
    if not getattr(user, "is_authenticated", False) or not user.can(capability):
        raise PermissionDenied()


def users_for_user(actor: Any) -> QuerySet[Any]:
    """Users an administrator may see and manage: those whose area lies in the admin's subtree."""
    from dajiuzhu.accounts.models import User

    return User.objects.filter(user_scope_q(actor)).select_related("area", "department").order_by("username")


def usernames_locked_out(usernames: list[str]) -> set[str]:
    """Which of these usernames django-axes holds locked from at least one address right now (its
    failures are summed per username and IP, over user agents, as axes itself counts them)."""
    import datetime as dt

    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Sum

    from dajiuzhu.core import clock

    since = clock.now() - dt.timedelta(minutes=settings.DAJIUZHU_LOGIN_LOCK_MINUTES)
    rows = (
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=since)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.DAJIUZHU_LOGIN_MAX_FAILURES)
    )
    return {row["username"] for row in rows}
