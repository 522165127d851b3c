"""API authentication (bearer token or browser session) and the accounts router (who am I, tokens).

Every router of the project declares `auth=auth` once, so each endpoint accepts either a
`Authorization: Bearer djz_...` header or the Django session cookie (with CSRF for unsafe methods).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError, Throttled
from ninja.security import HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from dajiuzhu.accounts.models import User
from dajiuzhu.accounts.roles import Capability, Role, role_has
from dajiuzhu.accounts.services import api_token_authenticate, api_token_create
from dajiuzhu.core.inputs import Line
from dajiuzhu.core.throttling import ApiAnonThrottle

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class TokenAuth(HttpBearer):
    """`Authorization: Bearer djz_...`; only a hash of the key is stored (accounts.services)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token.strip()) if token.strip() else None
        if user is None:
            # Remembered so that the 401 answer can say the token itself is wrong.
            request._djz_bad_token = True  # type: ignore[attr-defined]
            return None
        request.user = user
        return user


class SessionAuth(AuthBase):
    """The logged-in browser session. Unsafe methods must carry the CSRF token, as on the pages.

    Unlike ninja's own SessionAuth, the CSRF check runs only when a session user exists, so a
    request with neither session nor valid token gets 401 rather than a CSRF error.
    """

    openapi_type = "apiKey"
    openapi_in = "cookie"

    def __init__(self) -> None:
        from django.conf import settings

        self.openapi_name = settings.SESSION_COOKIE_NAME
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            # The last credential tried: nothing let the request in, so it will be a 401. Counted per
            # client IP, so a script guessing tokens gets 429 (ninja's own throttles run after auth).
            if not _anon_throttle.allow_request(request):
                raise Throttled(wait=None)
            return None
        if request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False):
            if check_csrf(request) is not None:
                raise HttpError(403, "CSRF check failed")
        return user


_anon_throttle = ApiAnonThrottle()
auth = [TokenAuth(), SessionAuth()]


def api_user(request: HttpRequest) -> User:
    """The authenticated user of an API request (set by one of the auth classes above)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


router = Router(auth=auth, tags=["accounts"])


class CapabilityOut(Schema):
    code: str
    label: str


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    area_code: str | None
    area_name: str | None
    department: str | None
    capabilities: list[CapabilityOut]


class TokenIn(Schema):
    name: Line = ""


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    key: str
    created_at: str


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict[str, Any]:
    user = api_user(request)
    area = user.area
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "role_label": str(Role(user.role).label) if user.role in Role.values else user.role,
        "area_code": area.code if area else None,
        "area_name": (area.full_name or area.name) if area else None,
        "department": user.department.name if user.department else None,
        "capabilities": [
            {"code": str(value), "label": str(label)}
            for value, label in Capability.choices
            if user.is_active and role_has(user.role, value)
        ],
    }


@router.post("/tokens", response={201: TokenOut}, summary="创建API令牌（密钥只显示这一次）")
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, key = api_token_create(user=api_user(request), name=payload.name.strip()[:100])
    return Status(
        201,
        {
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "key": key,
            "created_at": token.created_at.isoformat(),
        },
    )
