"""The Content-Security-Policy header (django-csp) and the templates it relies on: no inline script,
event handler, javascript: URL, style block or style attribute anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

import dajiuzhu

ROOT = Path(dajiuzhu.__file__).parent
TEMPLATES = sorted(p for p in ROOT.rglob("templates/**/*.html"))

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
HANDLER = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=\s*["']""", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)
STYLE = re.compile(r"<style\b|\sstyle\s*=\s*[\"']", re.I)


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


@pytest.mark.django_db
def test_pages_carry_a_policy_without_unsafe_inline(client, worker_a):
    # an anonymous page and a logged-in page
    login = client.get(reverse("accounts:login"))
    client.force_login(worker_a)
    home = client.get(reverse("web:home"))
    for response in (login, home):
        assert response.status_code == 200
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_api_answers_carry_the_policy_too(client):
    response = client.get("/api/accounts/me")
    assert response.status_code == 401
    assert _policy(response)["default-src"] == ["'self'"]


def test_templates_exist_to_check():
    assert len(TEMPLATES) > 80


@pytest.mark.parametrize(
    "pattern", [INLINE_SCRIPT, HANDLER, JS_URL, STYLE], ids=["script", "handler", "js-url", "style"]
)
def test_no_template_has_inline_code_or_style(pattern):
    found = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0).strip()}"
        for path in TEMPLATES
        for text in [path.read_text(encoding="utf-8")]
        for m in pattern.finditer(text)
    ]
    assert found == []


def test_the_checks_catch_what_they_look_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/web/app.js" defer></script>')
    assert HANDLER.search('<button onclick="x()">') and HANDLER.search('<div hx-on:click="x()">')
    assert not HANDLER.search("<button data-print>")
    assert JS_URL.search('<a href="javascript:history.back()">')
    assert STYLE.search("<style>") and STYLE.search('<div style="margin:0">')
    assert not STYLE.search('<link rel="stylesheet" href="/static/web/app.css">')


def test_htmx_is_configured_to_need_nothing_the_policy_forbids():
    base = (ROOT / "web/templates/web/base.html").read_text(encoding="utf-8")
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", base)
    assert config is not None
    import json

    values = json.loads(config.group(1))
    assert values["includeIndicatorStyles"] is False
    assert values["allowEval"] is False
    assert values["allowScriptTags"] is False
