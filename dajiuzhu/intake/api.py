"""The intake API: every workflow step, through the same services as the pages."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["一窗受理"])
