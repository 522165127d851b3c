"""Shared fixtures: a small area tree (two villages in one township, one in another county) and one
user per role. Tests that need the full vendored Shandong table load it themselves."""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _area(code: str, name: str, level: int, parent: Any) -> Any:
    from dajiuzhu.areas.models import LEVEL_COLUMN, Area, AreaLevel

    cols = {}
    if parent is not None:
        for col in ("province_code", "city_code", "county_code", "township_code", "village_code"):
            cols[col] = getattr(parent, col)
    col = LEVEL_COLUMN[AreaLevel(level)]
    if col != "code":
        cols[col] = code
    full = f"{parent.full_name}{name}" if parent is not None else name
    return Area.objects.create(code=code, name=name, level=level, parent=parent, full_name=full, **cols)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Users are made per test; the production hasher costs about a second each (tests of hashing itself
    # would set it back).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Throttle counters live in the (per-process) cache: each test starts with none.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def areas(db: Any) -> dict[str, Any]:
    prov = _area("37", "山东省", 1, None)
    city = _area("3714", "德州市", 2, prov)
    county = _area("371424", "临邑县", 3, city)
    town = _area("371424100", "临邑镇", 4, county)
    village_a = _area("371424100201", "东关村委会", 5, town)
    village_b = _area("371424100202", "西关村委会", 5, town)
    grid_a = _area("371424100201001", "东关村第一网格", 6, village_a)
    county2 = _area("371425", "齐河县", 3, city)
    town2 = _area("371425100", "晏城街道", 4, county2)
    village_c = _area("371425100001", "城南社区居委会", 5, town2)
    return {
        "province": prov,
        "city": city,
        "county": county,
        "township": town,
        "village_a": village_a,
        "village_b": village_b,
        "grid_a": grid_a,
        "county2": county2,
        "township2": town2,
        "village_c": village_c,
    }


@pytest.fixture
def make_user(areas: dict[str, Any]):
    from dajiuzhu.accounts.models import Department, User

    def make(role: str, area_key: str = "village_a", username: str | None = None, **extra: Any) -> User:
        department = None
        if role == "department_window":
            department, _ = Department.objects.get_or_create(code="yibao", defaults={"name": "医保"})
        user = User(
            username=username or f"{role}_{area_key}",
            role=role,
            area=areas[area_key],
            department=department,
            **extra,
        )
        user.set_password("Passw0rd!x")
        user.save()
        return user

    return make


@pytest.fixture
def worker_a(make_user):
    return make_user("village_assistant", "village_a")


@pytest.fixture
def worker_b(make_user):
    return make_user("village_assistant", "village_b")


@pytest.fixture
def township_user(make_user):
    return make_user("township_reviewer", "township")


@pytest.fixture
def auditor(make_user):
    return make_user("auditor", "city")


# Valid ID numbers (GB 11643 check digits computed) for tests.
IDS = {
    "head": "371424198001010016",
    "spouse": "371424198203040021",
    "child": "371424201005060031",
    "elder": "371424194502020012",
    "other": "371425199001010011",
}


@pytest.fixture
def ids() -> dict[str, str]:
    from dajiuzhu.core import idnumber

    # Recompute check digits so the table above cannot drift from the algorithm.
    return {k: v[:17] + idnumber.check_char(v[:17]) for k, v in IDS.items()}


@pytest.fixture
def household_a(worker_a, areas, ids):
    from dajiuzhu.registry.services import household_create

    return household_create(
        actor=worker_a,
        area=areas["village_a"],
        data={"address": "东关村3组12号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[
            {"id_number": ids["head"], "name": "张建国", "relation": "head", "phone": "13812345678"},
            {"id_number": ids["spouse"], "name": "李秀英", "relation": "spouse"},
            {"id_number": ids["child"], "name": "张小明", "relation": "child", "school_stage": "primary"},
        ],
    )


@pytest.fixture
def household_b(worker_b, areas, ids):
    from dajiuzhu.registry.services import household_create

    return household_create(
        actor=worker_b,
        area=areas["village_b"],
        data={"address": "西关村1组3号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": ids["elder"], "name": "王德福", "relation": "head", "phone": "13900001111"}],
    )


# ---- a real browser (Debian's chromium driven by Playwright) --------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def screenshot_dir() -> Any:
    """docs/ with DAJIUZHU_SCREENSHOTS=docs (to refresh the README's pictures), else a temporary folder,
    so that a test run leaves the tree clean."""
    from pathlib import Path

    from django.conf import settings

    if os.environ.get("DAJIUZHU_SCREENSHOTS") == "docs":
        path = Path(settings.BASE_DIR) / "docs"
    else:
        import tempfile

        path = Path(tempfile.gettempdir()) / "dajiuzhu-screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser_page() -> Any:
    """A page in headless chromium. Fails, rather than skips, when chromium is missing, so CI cannot
    pass without running the browser tests."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: run `apt-get install -y chromium fonts-wqy-microhei`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        # Every browser test also proves the pages work under the Content-Security-Policy: chromium
        # reports each blocked script, style or eval on the console.
        violations: list[str] = []
        page.on(
            "console",
            lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert violations == [], "the Content-Security-Policy blocked something"
