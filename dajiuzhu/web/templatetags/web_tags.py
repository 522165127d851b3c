"""Template helpers shared by every page: masking of personal data, ages, ADL summaries, compact JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import template

from dajiuzhu.core import clock
from dajiuzhu.core.masking import mask_id_number, mask_phone

register = template.Library()

ADL_LABELS = [
    ("adl_eating", "进食"),
    ("adl_dressing", "穿衣"),
    ("adl_transfer", "上下床"),
    ("adl_toileting", "如厕"),
    ("adl_walking", "室内行走"),
    ("adl_bathing", "洗澡"),
]


@register.filter
def mask_id(value: str | None) -> str:
    return mask_id_number(value)


@register.filter(name="mask_phone")
def mask_phone_filter(value: str | None) -> str:
    return mask_phone(value)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def age(birth_date: dt.date | None) -> int | str:
    if not birth_date:
        return ""
    today = clock.today()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


@register.filter
def adl_missing(person: Any) -> str:
    """'' when the person manages all six activities, else the activities they cannot do."""
    return "、".join(label for field, label in ADL_LABELS if not getattr(person, field, True))


@register.filter
def compact_json(value: Any, limit: int = 300) -> str:
    if value in (None, "", {}, []):
        return ""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= int(limit) else text[: int(limit)] + "…"
