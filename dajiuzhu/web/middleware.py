"""Turns domain errors into a Chinese page message (pages) or JSON (API); never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from dajiuzhu.core.errors import DomainError

log = logging.getLogger(__name__)


class FriendlyErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            if request.path.startswith("/api/"):
                return JsonResponse(exception.as_dict(), status=exception.status)
            return render(request, "web/error.html", {"error": exception}, status=exception.status)
        return None
