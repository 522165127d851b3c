"""Request throttles, counted per client IP (dajiuzhu.core.net.client_ip) or per user, in the cache.

Built on django-ninja's SimpleRateThrottle (a sliding window of timestamps per key), so the API
(config.api, accounts.api) and the plain pages (the public objection form, the login form) count the
same way. The rate is read from settings on every request ("N/s", "N/min", "N/h", "N/day"; "N/10m"),
so a test or an operator can change it without a restart of the throttle objects."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from dajiuzhu.core.errors import DomainError
from dajiuzhu.core.net import client_ip


class TooManyRequests(DomainError):
    code = "throttled"
    status = 429
    default_message = "操作过于频繁，请稍后再试"


class SettingsRateThrottle(SimpleRateThrottle):
    """A throttle whose rate is the value of settings.<setting>; scope names the cache keys."""

    setting = ""

    def __init__(self) -> None:
        self.rate = None
        self.num_requests, self.duration = None, None

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_ident(self, request: HttpRequest) -> str:
        return client_ip(request) or "unknown"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApiAnonThrottle(SettingsRateThrottle):
    """API requests without a user (so also every refused token), per client IP."""

    scope = "api_anon"
    setting = "DAJIUZHU_API_ANON_RATE"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        if getattr(request, "auth", None) is not None:
            return None
        return super().get_cache_key(request)


class ApiUserThrottle(SettingsRateThrottle):
    """API requests of an authenticated user (token or session), per user."""

    scope = "api_user"
    setting = "DAJIUZHU_API_USER_RATE"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user: Any = getattr(request, "auth", None)
        if user is None or getattr(user, "pk", None) is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"user{user.pk}"}


class PublicFormThrottle(SettingsRateThrottle):
    """Submissions of the public (no login) forms, per client IP."""

    scope = "public_form"
    setting = "DAJIUZHU_PUBLIC_FORM_RATE"


class LoginThrottle(SettingsRateThrottle):
    """Login form posts per client IP, whatever the username (django-axes limits each username and IP
    pair; this stops one address from trying many usernames)."""

    scope = "login"
    setting = "DAJIUZHU_LOGIN_RATE"


def throttle_require(
    throttle: SettingsRateThrottle, request: HttpRequest, message: str | None = None
) -> None:
    """Count this request; raise TooManyRequests (HTTP 429, a Chinese message) past the rate."""
    if not throttle.allow_request(request):
        raise TooManyRequests(message)
