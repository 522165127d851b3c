"""API authentication: bearer tokens, the browser session (with CSRF), and the 401 answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from dajiuzhu.accounts.models import ApiToken
from dajiuzhu.accounts.services import api_token_create

ME = "/api/accounts/me"
TOKENS = "/api/accounts/tokens"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db
def test_token_auth_returns_the_user_with_role_area_and_capabilities(worker_a):
    # given
    _token, key = api_token_create(user=worker_a, name="测试")

    # when
    response = Client().get(ME, headers=bearer(key))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "village_assistant_village_a"
    assert body["role"] == "village_assistant"
    assert body["role_label"] == "村（社区）协理员"
    assert body["area_code"] == "371424100201"
    assert body["area_name"] == "山东省德州市临邑县临邑镇东关村委会"
    codes = {c["code"] for c in body["capabilities"]}
    assert codes == {
        "registry_read", "registry_write", "registry_export", "reveal_pii", "assess_check",
        "intake_file", "intake_process", "monitor_read", "monitor_visit", "pay_read", "pay_account", "reveal_account",
    }  # fmt: skip
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.django_db
def test_bad_token_is_401_json_in_chinese(worker_a):
    response = Client().get(ME, headers=bearer("djz_not-a-real-key"))

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "code": "invalid_token",
        "message": "API令牌无效、已撤销或账户已停用",
        "errors": [],
    }


@pytest.mark.django_db
def test_no_credentials_is_401_json():
    response = Client().get(ME)

    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "请先登录或提供有效的令牌", "errors": []}


@pytest.mark.django_db
def test_revoked_token_and_locked_user_are_refused(worker_a):
    # given
    token, key = api_token_create(user=worker_a, name="旧令牌")
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    _token2, key2 = api_token_create(user=worker_a, name="新令牌")
    type(worker_a).objects.filter(pk=worker_a.pk).update(
        locked_until=timezone.now() + dt.timedelta(minutes=5)
    )

    # then
    assert Client().get(ME, headers=bearer(key)).status_code == 401
    assert Client().get(ME, headers=bearer(key2)).status_code == 401


@pytest.mark.django_db
def test_session_auth_works_for_reads(worker_a):
    client = Client()
    client.force_login(worker_a)

    response = client.get(ME)

    assert response.status_code == 200
    assert response.json()["username"] == worker_a.username


@pytest.mark.django_db
def test_session_writes_need_the_csrf_token(worker_a):
    # given: a browser session that enforces CSRF like a real browser
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker_a)
    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret

    # when: no CSRF header
    refused = client.post(TOKENS, {"name": "脚本"}, content_type="application/json")
    # when: with the header
    accepted = client.post(
        TOKENS, {"name": "脚本"}, content_type="application/json", headers={"X-CSRFToken": secret}
    )

    # then
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert accepted.status_code == 201
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db
def test_token_writes_need_no_csrf(worker_a):
    _token, key = api_token_create(user=worker_a, name="脚本")

    response = Client(enforce_csrf_checks=True).post(
        TOKENS, {"name": "第二个"}, content_type="application/json", headers=bearer(key)
    )

    assert response.status_code == 201


@pytest.mark.django_db
def test_token_create_shows_the_key_once_and_stores_only_its_hash(worker_a):
    # given
    client = Client()
    client.force_login(worker_a)

    # when
    response = client.post(TOKENS, {"name": "数据同步"}, content_type="application/json")

    # then
    assert response.status_code == 201
    body = response.json()
    key = body["key"]
    assert key.startswith("djz_")
    assert body["prefix"] == key[:8]
    stored = ApiToken.objects.get()
    assert stored.name == "数据同步"
    assert stored.key_hash == ApiToken.hash_key(key)
    assert key not in {stored.key_hash, stored.prefix, stored.name}
    assert Client().get(ME, headers=bearer(key)).status_code == 200
