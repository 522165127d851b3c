"""The verification API (same services and rules as the pages)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["verification"])
