import pytest
from axes.models import AccessAttempt
from django.test import Client

from dajiuzhu.accounts.models import Department, User
from dajiuzhu.accounts.selectors import usernames_locked_out
from dajiuzhu.accounts.services import department_save, user_create, user_reset_password, user_update
from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.errors import NotFound, PermissionDenied, ValidationFailed


@pytest.fixture
def county_admin(make_user):
    return make_user("sysadmin", "county")


def test_admin_creates_user_in_own_area_and_it_is_audited(county_admin, areas):
    user = user_create(
        actor=county_admin,
        username="li",
        password="Xx12345678!",
        role="grid_worker",
        area=areas["grid_a"],
        full_name="李网格",
    )
    assert user.area_id == areas["grid_a"].code
    assert AuditEvent.objects.filter(action="create", subject_type="user", subject_id=str(user.pk)).exists()


def test_admin_cannot_manage_users_of_another_county(county_admin, make_user, areas):
    other = make_user("village_assistant", "village_c")
    with pytest.raises(NotFound):
        user_update(actor=county_admin, user_id=other.pk, is_active=False)
    other.refresh_from_db()
    assert other.is_active


def test_admin_cannot_move_user_out_of_scope(county_admin, worker_a, areas):
    with pytest.raises(ValidationFailed):
        user_update(actor=county_admin, user_id=worker_a.pk, area=areas["village_c"])
    worker_a.refresh_from_db()
    assert worker_a.area_id == areas["village_a"].code


def test_non_admin_refused(worker_a, worker_b):
    with pytest.raises(PermissionDenied):
        user_update(actor=worker_a, user_id=worker_b.pk, is_active=False)


def test_reset_password_unlocks(county_admin, worker_a, settings):
    # given the user is locked out from one address
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(settings.DAJIUZHU_LOGIN_MAX_FAILURES):
        client.post("/accounts/login/", {"username": worker_a.username, "password": "wrong"})
    assert usernames_locked_out([worker_a.username]) == {worker_a.username}
    # when
    user_reset_password(actor=county_admin, user_id=worker_a.pk, new_password="Brand-new-9pass")
    # then the lock is lifted and the new password logs in from that address
    assert usernames_locked_out([worker_a.username]) == set()
    assert not AccessAttempt.objects.filter(username=worker_a.username).exists()
    response = client.post("/accounts/login/", {"username": worker_a.username, "password": "Brand-new-9pass"})
    assert response.status_code == 302
    worker_a.refresh_from_db()
    assert worker_a.check_password("Brand-new-9pass")


def test_department_window_needs_department(county_admin, areas):
    with pytest.raises(ValidationFailed) as err:
        user_create(
            actor=county_admin,
            username="w",
            password="Xx12345678!",
            role="department_window",
            area=areas["county"],
        )
    assert err.value.errors[0].field == "部门"
    assert not User.objects.filter(username="w").exists()


def test_department_list_is_configurable(county_admin):
    dept = department_save(actor=county_admin, code="yingji", name="应急管理")
    assert Department.objects.get(code="yingji").name == "应急管理"
    department_save(actor=county_admin, code="yingji", name="应急管理局", is_active=False)
    dept.refresh_from_db()
    assert (dept.name, dept.is_active) == ("应急管理局", False)
    with pytest.raises(ValidationFailed):
        department_save(actor=county_admin, code="应急", name="x")


def test_user_list_shows_who_is_locked_out(client, county_admin, worker_a, worker_b, settings):
    # given worker_a is locked out from one address, worker_b only failed once
    script = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.DAJIUZHU_LOGIN_MAX_FAILURES):
        script.post("/accounts/login/", {"username": worker_a.username, "password": "wrong"})
    script.post("/accounts/login/", {"username": worker_b.username, "password": "wrong"})
    # when the administrator opens the user list
    client.force_login(county_admin)
    html = client.get("/manage/users/").content.decode()
    # then only worker_a's row says 已锁定
    rows = {
        name: html[html.index(name) :][:2000].split("</tr>")[0]
        for name in (worker_a.username, worker_b.username)
    }
    assert "已锁定" in rows[worker_a.username]
    assert "已锁定" not in rows[worker_b.username] and "正常" in rows[worker_b.username]
