"""Login with lockout, logout, password change and API tokens through the pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from dajiuzhu.accounts.models import ApiToken
from dajiuzhu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Passw0rd!x"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_page_renders_in_chinese(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "登录大救助" in response.content.decode()


def test_login_success_redirects_to_workbench_and_audits(client, worker_a):
    # when
    response = _login(client, worker_a.username, PASSWORD)
    # then
    assert response.status_code == 302
    assert response.url == reverse("web:home")
    assert client.session["_auth_user_id"] == str(worker_a.pk)
    assert AuditEvent.objects.filter(action="login", actor=worker_a).count() == 1


def test_login_follows_safe_next_only(client, worker_a):
    response = client.post(
        reverse("accounts:login") + "?next=/registry/households/",
        {"username": worker_a.username, "password": PASSWORD, "next": "/registry/households/"},
    )
    assert response.url == "/registry/households/"
    client.logout()
    response = client.post(
        reverse("accounts:login"),
        {"username": worker_a.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == reverse("web:home")


def test_login_failure_shows_chinese_message_and_keeps_username(client, worker_a):
    # when
    response = _login(client, worker_a.username, "wrong-password")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码错误" in html
    assert f'value="{worker_a.username}"' in html
    assert "_auth_user_id" not in client.session
    worker_a.refresh_from_db()
    assert worker_a.failed_logins == 1


def test_lockout_after_max_failures_refuses_even_the_right_password(client, worker_a):
    # given as many failures as the setting allows
    for _ in range(settings.DAJIUZHU_LOGIN_MAX_FAILURES):
        response = _login(client, worker_a.username, "wrong-password")
    # then the last failure already says the account is locked, with the wait
    assert "账户已锁定" in response.content.decode()
    # when the right password is given
    response = _login(client, worker_a.username, PASSWORD)
    # then it is refused with the Chinese lockout message naming the minutes to wait
    html = response.content.decode()
    assert response.status_code == 200
    assert "登录失败次数过多，账户已锁定" in html
    assert f"请约{settings.DAJIUZHU_LOGIN_LOCK_MINUTES}分钟后再试" in html
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="locked", actor=worker_a).count() == 1


def test_logout_requires_post_and_ends_session(client, worker_a):
    client.force_login(worker_a)
    # a GET does not log out
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    # when
    response = client.post(reverse("accounts:logout"))
    # then
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("web:home")).status_code == 302


def test_password_change_wrong_old_password_is_refused(client, worker_a):
    client.force_login(worker_a)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password": "Gx7!kq2mZt", "new_password2": "Gx7!kq2mZt"},
    )
    assert response.status_code == 200
    assert "原密码不正确" in response.content.decode()
    worker_a.refresh_from_db()
    assert worker_a.check_password(PASSWORD)


def test_password_change_mismatch_is_refused(client, worker_a):
    client.force_login(worker_a)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": "Gx7!kq2mZt", "new_password2": "Gx7!kq2mZx"},
    )
    assert "两次输入的新密码不一致" in response.content.decode()
    worker_a.refresh_from_db()
    assert worker_a.check_password(PASSWORD)


def test_password_change_success_keeps_session(client, worker_a):
    client.force_login(worker_a)
    # when
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": "Gx7!kq2mZt", "new_password2": "Gx7!kq2mZt"},
    )
    # then
    assert response.status_code == 302
    worker_a.refresh_from_db()
    assert worker_a.check_password("Gx7!kq2mZt")
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditEvent.objects.filter(action="password", actor=worker_a).count() == 1


def test_api_token_is_shown_once(client, worker_a):
    client.force_login(worker_a)
    # when
    response = client.post(reverse("accounts:tokens"), {"name": "医保系统对接"})
    # then
    html = response.content.decode()
    token = ApiToken.objects.get(user=worker_a)
    assert token.name == "医保系统对接"
    assert f'<code class="mono" id="new-key">{token.prefix}' in html
    assert token.prefix not in client.get(reverse("accounts:tokens")).content.decode()
