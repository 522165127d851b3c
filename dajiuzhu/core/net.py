"""The client's IP address, the one helper for audit rows, login throttling and public-form limits.

Behind a reverse proxy (the README's nginx) REMOTE_ADDR is the proxy. settings.DAJIUZHU_TRUSTED_PROXIES
says how many proxies in front of the application append to X-Forwarded-For; the client is the address
that many places from the right. Anything a client could forge (entries further left) is ignored, and
an entry that is not an IP address falls back to REMOTE_ADDR. With 0 (the default: the application
is reached directly) the header is never read."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(text: str) -> str | None:
    text = text.strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "DAJIUZHU_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [part for part in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return _valid(forwarded[-proxies]) or remote
