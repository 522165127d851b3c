"""Small input checks every service shares: free text and uploaded photos, each failure a Chinese
message naming the field."""

from __future__ import annotations

import re
from typing import Any

from dajiuzhu.core.errors import ValidationFailed

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024


def clean_text(value: str | None, field: str, *, required: bool = False, limit: int) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed.single(field, "不能为空")
    if len(text) > limit:
        raise ValidationFailed.single(field, f"不能超过{limit}个字")
    return text


_MOBILE = r"1[3-9]\d{9}"
_FIXED = r"0\d{2,3}-?\d{7,8}"  # with its area code: 0534-2345678
# A person's phone in the registry: a mobile number or a fixed line with its area code.
PHONE_RE = re.compile(rf"^({_MOBILE}|{_FIXED})$")
# A phone number someone leaves with a report: also with +86 before a mobile number, or a local number
# of 7 or 8 digits (a village landline, given without the area code). Spaces are dropped.
CALLER_PHONE_RE = re.compile(rf"^((\+?86-?)?{_MOBILE}|{_FIXED}|\d{{7,8}})$")


def clean_phone(value: str | None, field: str) -> str:
    """The phone number without spaces, or "" when none was given."""
    text = clean_text(value, field, limit=20).replace(" ", "")
    if text and not CALLER_PHONE_RE.match(text):
        raise ValidationFailed.single(
            field, f"“{text}”不是有效的电话号码（手机号如13800000000，固定电话如0534-2345678），或留空"
        )
    return text


def check_photos(photos: list[Any]) -> None:
    """Pictures only (JPG, PNG, WEBP, HEIC), at most 10 MB each; the field is 照片N."""
    for i, photo in enumerate(photos, start=1):
        if (getattr(photo, "content_type", "") or "") not in PHOTO_TYPES:
            raise ValidationFailed.single(f"照片{i}", "只接受 JPG、PNG、WEBP、HEIC 图片")
        if getattr(photo, "size", 0) > PHOTO_MAX_BYTES:
            raise ValidationFailed.single(f"照片{i}", "单张照片不能超过10MB")
