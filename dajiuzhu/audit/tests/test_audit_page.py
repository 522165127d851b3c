"""The auditors' search page: capability, area scope, filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dajiuzhu.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_auditor_sees_events_of_own_area_only(client, make_user, worker_a, household_a):
    # given an auditor of county 临邑 and an event in the other county
    auditor = make_user("auditor", "county")
    other = make_user("village_assistant", "village_c")
    audit_record(
        actor=other,
        action="update",
        subject_type="household",
        subject_id=999,
        subject_label="齐河县的户",
        area_code="371425100001",
    )
    client.force_login(auditor)
    # when
    response = client.get(reverse("audit:search"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert household_a.number in html
    assert "齐河县的户" not in html
    events = list(response.context["page"].object_list)
    assert events and all(e.area_code.startswith("371424") or e.area_code == "" for e in events)


def test_auditor_sees_login_events_of_users_in_area(client, make_user, worker_a):
    auditor = make_user("auditor", "county")
    audit_record(actor=worker_a, action="login", subject_type="user", subject_id=worker_a.pk)
    client.force_login(auditor)
    response = client.get(reverse("audit:search"), {"action": "login"})
    assert [e.actor_username for e in response.context["page"].object_list] == [worker_a.username]


def test_filters_by_actor_and_subject(client, auditor, worker_a, household_a, household_b):
    client.force_login(auditor)
    # when
    response = client.get(
        reverse("audit:search"),
        {"actor": worker_a.username, "subject_type": "household", "subject_id": str(household_a.pk)},
    )
    # then
    events = list(response.context["page"].object_list)
    assert [(e.action, e.subject_label) for e in events] == [("create", household_a.number)]


def test_bad_date_is_reported_in_chinese(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("audit:search"), {"date_from": "2025-13-01"})
    assert response.status_code == 200
    assert "开始日期：“2025-13-01”不是有效日期" in response.content.decode()


def test_village_worker_is_refused(client, worker_a):
    client.force_login(worker_a)
    response = client.get(reverse("audit:search"))
    assert response.status_code == 403
    assert "您没有查看审计日志的权限" in response.content.decode()
