from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def permille_percent(value: Any) -> str:
    """800 (‰) → "80%"; 125 → "12.5%"."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return ""
    whole, tenth = divmod(number, 10)
    return f"{whole}%" if tenth == 0 else f"{whole}.{tenth}%"
