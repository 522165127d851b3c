"""Production refuses to be unsafe: the README's production environment passes `check --deploy` with no
warning, and a process without DEBUG does not start without a real secret key. Each case runs in a
fresh interpreter, as gunicorn and manage.py would."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
KEY_MESSAGE = "DAJIUZHU_SECRET_KEY is missing, too short (under 50 characters) or a published default"


def _readme_production_env() -> dict[str, str]:
    """The KEY=value block of the README's "Running in production" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Running in production") :]
    block = re.search(r"```ini\n(.*?)```", section, re.S)
    assert block is not None, "the README's production section lost its environment block"
    pairs = [line.split("=", 1) for line in block.group(1).splitlines() if line and not line.startswith("#")]
    return {k.strip(): v.strip() for k, v in pairs}


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # Only the interpreter's basics: nothing of the test run (its key, pytest's DJANGO_ALLOW_ASYNC_UNSAFE) leaks in.
    env = {
        k: v
        for k, v in os.environ.items()
        if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        DAJIUZHU_DATA_DIR=str(tmp_path / "var"),
    )
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_passes_with_the_readme_production_settings(tmp_path):
    # given the README's production environment with a generated key, a local database and data folder
    env = _readme_production_env()
    assert env["DAJIUZHU_TRUSTED_PROXIES"] == "1" and env["DAJIUZHU_SECURE_COOKIES"] == "true"
    env.update(
        DAJIUZHU_SECRET_KEY=secrets.token_urlsafe(50),
        DAJIUZHU_CACHE_DIR=str(tmp_path / "cache"),
    )
    # when
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _clean_env(tmp_path, **env))
    # then: no warning at all (0 issues, none silenced)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_without_the_https_settings(tmp_path):
    # the check itself is live: the same environment without HSTS and secure cookies is flagged
    env = _readme_production_env()
    env.update(DAJIUZHU_SECRET_KEY=secrets.token_urlsafe(50), DAJIUZHU_SECURE_COOKIES="false")
    env.pop("DAJIUZHU_HSTS_SECONDS")
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _clean_env(tmp_path, **env))
    assert result.returncode != 0
    for code in ("security.W004", "security.W012", "security.W016"):
        assert code in result.stderr + result.stdout


@pytest.mark.parametrize(
    "key",
    [None, "insecure-dev-key-change-me-in-production-0123456789abcdef", "REPLACE-WITH-THE-GENERATED-KEY"],
    ids=["missing", "old-default", "readme-placeholder"],
)
def test_startup_without_debug_refuses_a_missing_or_known_key(tmp_path, key):
    # given a production process (no DEBUG) whose key is missing, the old default or the README's placeholder
    extra = {"DAJIUZHU_SECRET_KEY": key} if key is not None else {}
    # when gunicorn would import the application
    result = _run(["-c", "import config.wsgi"], _clean_env(tmp_path, **extra))
    # then start-up stops with a message naming the variable and how to generate a key
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert KEY_MESSAGE in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


def test_startup_with_debug_needs_no_key(tmp_path):
    result = _run(["-c", "import config.wsgi; print('started')"], _clean_env(tmp_path, DAJIUZHU_DEBUG="true"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"
