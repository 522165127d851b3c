"""Small input checks every service shares: free text and uploaded photos, each failure a Chinese
message naming the field."""

from __future__ import annotations

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


def check_photos(photos: list[Any]) -> None:
    """Pictures only (JPG, PNG, WEBP, HEIC), at most 10 MB each; the field is 照片N."""
    for i, photo in enumerate(photos, start=1):
        if (getattr(photo, "content_type", "") or "") not in PHOTO_TYPES:
            raise ValidationFailed.single(f"照片{i}", "只接受 JPG、PNG、WEBP、HEIC 图片")
        if getattr(photo, "size", 0) > PHOTO_MAX_BYTES:
            raise ValidationFailed.single(f"照片{i}", "单张照片不能超过10MB")
