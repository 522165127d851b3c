"""The pages' side of core.inputs: every form and query string a page receives is checked once here, so
a NUL byte or another control character in any field never reaches a service or the database (the API
checks its own in config.api's parser)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.inputs import check_payload


def _fields(data: Any) -> dict[str, Any]:
    return {key: data.getlist(key) if len(data.getlist(key)) > 1 else data.get(key) for key in data}


class InputGuardMiddleware:
    """Refuses a page request whose query string or form holds a control character (tab and line breaks
    are left to the fields): the error page names the field, with status 400. Uploaded files are left to
    their readers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        try:
            check_payload(_fields(request.GET))
            if request.method == "POST":
                check_payload({k: v for k, v in _fields(request.POST).items() if k != "csrfmiddlewaretoken"})
            check_payload({k: v for k, v in kwargs.items() if isinstance(v, str)})
        except ValidationFailed as exc:
            return render(request, "web/error.html", {"error": exc}, status=400)
        return None
