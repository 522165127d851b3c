"""The public side of payments (no login): a village's published payment lists (公布) — month, masked
name, household size, programme, amount. The page reads only the frozen PublicListEntry rows, so no ID
number, address, health detail or children's programme can reach it (the service never copied them)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dajiuzhu.areas.models import AreaLevel
from dajiuzhu.areas.selectors import area_ancestors, area_get
from dajiuzhu.core.errors import NotFound
from dajiuzhu.payments import selectors

# The notice board's own message and page: an unknown, inactive or non-village code looks the same here
# as on any other board page.
NO_BOARD = "没有这个村（社区）的公示栏"


@require_GET
def village(request: HttpRequest, village_code: str) -> HttpResponse:
    area = area_get((village_code or "").strip())
    if area is None or not area.is_active or area.level != AreaLevel.VILLAGE:
        error = NotFound(NO_BOARD)
        return render(
            request, "intake/public_message.html", {"error": error, "village": None}, status=error.status
        )
    lists = selectors.public_lists_for_village(village_code=area.code)
    context = {
        "village": area,
        "trail": [a for a in area_ancestors(area) if a.level >= AreaLevel.COUNTY],
        "lists": lists,
    }
    return render(request, "payments/public_village.html", context)
