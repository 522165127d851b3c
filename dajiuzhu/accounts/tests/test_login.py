"""Login with lockout (by username and IP, django-axes), logout, password change and API tokens through
the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from dajiuzhu.accounts.models import ApiToken
from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core import clock

pytestmark = pytest.mark.django_db

PASSWORD = "Passw0rd!x"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _failures(username, ip="127.0.0.1"):
    return sum(
        AccessAttempt.objects.filter(username=username, ip_address=ip).values_list(
            "failures_since_start", flat=True
        )
    )


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
    assert _failures(worker_a.username) == 1
    assert AuditEvent.objects.get(action="login_failed", actor=worker_a).note == "第1次失败"


def test_lockout_after_max_failures_refuses_even_the_right_password(client, worker_a):
    # given as many failures as the setting allows
    for _ in range(settings.DAJIUZHU_LOGIN_MAX_FAILURES):
        response = _login(client, worker_a.username, "wrong-password")
    # then the last failure already says the account is locked, with the wait
    assert response.status_code == 429
    assert "登录已临时锁定" in response.content.decode()
    # when the right password is given
    response = _login(client, worker_a.username, PASSWORD)
    # then it is refused with the Chinese lockout message naming the minutes to wait
    html = response.content.decode()
    assert response.status_code == 429
    assert "登录失败次数过多，该账户从您当前网络地址的登录已临时锁定" in html
    assert f"请约{settings.DAJIUZHU_LOGIN_LOCK_MINUTES}分钟后再试" in html
    assert f'value="{worker_a.username}"' in html
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="locked", actor=worker_a).count() == 1
    assert (
        AuditEvent.objects.filter(action="login_failed", actor=worker_a, note="锁定期间尝试登录").count() == 1
    )
    # and the attempt during the lockout did not extend or add to it
    assert _failures(worker_a.username) == settings.DAJIUZHU_LOGIN_MAX_FAILURES


def test_lockout_ends_after_the_cool_off(client, worker_a):
    # given a locked pair whose last failure is older than the cool-off
    for _ in range(settings.DAJIUZHU_LOGIN_MAX_FAILURES):
        _login(client, worker_a.username, "wrong-password")
    AccessAttempt.objects.filter(username=worker_a.username).update(
        attempt_time=clock.now() - dt.timedelta(minutes=settings.DAJIUZHU_LOGIN_LOCK_MINUTES, seconds=1)
    )
    # when
    response = _login(client, worker_a.username, PASSWORD)
    # then the right password logs in and the counter is cleared
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=worker_a.username).exists()


def test_failed_login_storm_from_one_ip_does_not_lock_the_user_out_from_another(worker_a):
    # given a stranger at address A fails many times with the clerk's username
    stranger = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(settings.DAJIUZHU_LOGIN_MAX_FAILURES * 3):
        response = _login(stranger, worker_a.username, "guess")
    assert response.status_code == 429
    # when the clerk logs in from address B
    clerk = Client(REMOTE_ADDR="198.51.100.20")
    response = _login(clerk, worker_a.username, PASSWORD)
    # then she is let in, and address A stays locked even with the right password
    assert response.status_code == 302
    assert clerk.session["_auth_user_id"] == str(worker_a.pk)
    assert _login(stranger, worker_a.username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in stranger.session


def test_lockout_uses_the_client_ip_behind_the_trusted_proxy(worker_a, settings):
    # given the README's nginx: every request comes from 127.0.0.1 with the client in X-Forwarded-For
    settings.DAJIUZHU_TRUSTED_PROXIES = 1
    stranger = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for _ in range(settings.DAJIUZHU_LOGIN_MAX_FAILURES):
        _login(stranger, worker_a.username, "guess")
    # then the failures are counted against the client, not the proxy
    assert _failures(worker_a.username, ip="203.0.113.66") == settings.DAJIUZHU_LOGIN_MAX_FAILURES
    clerk = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert _login(clerk, worker_a.username, PASSWORD).status_code == 302


def test_unknown_username_is_counted_but_answers_like_a_wrong_password(client):
    response = _login(client, "nobody-here", "x")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert _failures("nobody-here") == 1


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


def test_login_posts_are_throttled_per_ip_whatever_the_username(worker_a, settings):
    # given a low rate and a script trying many usernames from one address
    settings.DAJIUZHU_LOGIN_RATE = "3/min"
    script = Client(REMOTE_ADDR="203.0.113.77")
    for name in ("a1", "a2", "a3"):
        assert _login(script, name, "x").status_code == 200
    # when it tries once more, even with a real account's right password
    response = _login(script, worker_a.username, PASSWORD)
    # then it is refused in Chinese without checking the password, and nobody else is affected
    assert response.status_code == 429
    assert "该网络地址的登录请求过于频繁，请稍后再试" in response.content.decode()
    assert "_auth_user_id" not in script.session
    assert _login(Client(REMOTE_ADDR="198.51.100.20"), worker_a.username, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "username,password,status,message",
    [
        # NUL is refused for every page by core.middleware before the view; the rest by the login check
        ("evil\x00name", "x", 400, "含有不可见的控制字符"),
        ("worker", "pass\x00word", 400, "含有不可见的控制字符"),
        ("x" * 300, "x", 200, "用户名或密码错误"),
        ("tab\tname", "x", 200, "用户名或密码错误"),
    ],
    ids=["nul-name", "nul-password", "long-name", "tab-in-name"],
)
def test_impossible_credentials_are_refused_in_chinese_and_store_nothing(
    client, username, password, status, message
):
    response = _login(client, username, password)
    assert response.status_code == status
    assert message in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.exists()
