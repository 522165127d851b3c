"""Authentication backend that refuses locked accounts (the counting lives in accounts.services)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class LockoutModelBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_locked", False):
            return False
        return super().user_can_authenticate(user)
