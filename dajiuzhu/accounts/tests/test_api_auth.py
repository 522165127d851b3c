"""API authentication: bearer tokens, the browser session (with CSRF), and the 401 answer."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
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
        "elder_read", "elder_order",
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
def test_revoked_token_and_inactive_user_are_refused(worker_a):
    # given
    token, key = api_token_create(user=worker_a, name="旧令牌")
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    _token2, key2 = api_token_create(user=worker_a, name="新令牌")
    assert Client().get(ME, headers=bearer(key2)).status_code == 200
    type(worker_a).objects.filter(pk=worker_a.pk).update(is_active=False)

    # then
    assert Client().get(ME, headers=bearer(key)).status_code == 401
    assert Client().get(ME, headers=bearer(key2)).status_code == 401


@pytest.mark.django_db
def test_a_login_lockout_does_not_cut_off_the_users_api_token(worker_a, settings):
    # given the user's password login is locked from some address
    _token, key = api_token_create(user=worker_a, name="医保系统对接")
    for _ in range(settings.DAJIUZHU_LOGIN_MAX_FAILURES):
        Client(REMOTE_ADDR="203.0.113.9").post(
            "/accounts/login/", {"username": worker_a.username, "password": "x"}
        )
    assert (
        AccessAttempt.objects.get(username=worker_a.username).failures_since_start
        == settings.AXES_FAILURE_LIMIT
    )

    # then the integration's token still works
    assert Client().get(ME, headers=bearer(key)).status_code == 200


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


@pytest.mark.django_db
def test_api_is_throttled_per_user_with_a_chinese_429(worker_a, worker_b, settings):
    # given a low rate
    settings.DAJIUZHU_API_USER_RATE = "2/min"
    _t, key_a = api_token_create(user=worker_a, name="a")
    _t, key_b = api_token_create(user=worker_b, name="b")
    client = Client()
    # when one user goes past it
    assert [client.get(ME, headers=bearer(key_a)).status_code for _ in range(2)] == [200, 200]
    refused = client.get(ME, headers=bearer(key_a))
    # then
    assert refused.status_code == 429
    assert refused.json() == {"code": "throttled", "message": "请求过于频繁，请稍后再试", "errors": []}
    assert "Retry-After" in refused
    # and another user (from the same address) is not affected
    assert client.get(ME, headers=bearer(key_b)).status_code == 200


@pytest.mark.django_db
def test_api_requests_no_credential_lets_in_are_throttled_per_ip(worker_a, settings):
    # given a low anonymous rate and a script guessing tokens from one address
    settings.DAJIUZHU_API_ANON_RATE = "3/min"
    script = Client(REMOTE_ADDR="203.0.113.50")
    codes = [script.get(ME, headers=bearer(f"djz_guess{i}")).status_code for i in range(4)]
    # then the guesses past the rate get 429 instead of 401
    assert codes == [401, 401, 401, 429]
    assert script.get(ME).json()["code"] == "throttled"
    # and a real token is never held back by the anonymous rate, nor another address
    _t, key = api_token_create(user=worker_a, name="a")
    assert script.get(ME, headers=bearer(key)).status_code == 200
    assert Client(REMOTE_ADDR="198.51.100.1").get(ME).status_code == 401
