"""The instant-check page, the run pages and the assessment API."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.assessment.models import AssessmentRun

ON = "2026-03-15"
ELDER_ID = "371424195501010013"  # the head of the `elder` fixture (assessment/tests/conftest.py)


def api(user):
    _token, key = api_token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_check_page_shows_the_programmes_and_the_reasons(client, worker_a, elder):
    client.force_login(worker_a)
    # when the worker submits the ID number (htmx asks for the result fragment only)
    response = client.post(
        reverse("assessment:check"), {"id_number": ELDER_ID, "on": ON}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    # then the fragment lists the programme he qualifies for, with the rule lines and references
    assert response.status_code == 200
    assert "<html" not in html
    assert "特困人员救助供养" in html and "赵老汉" in html
    assert "特困人员认定办法" in html
    assert "本人无法定义务人或义务人均无履行能力" in html
    # and his full ID number is not on the page
    assert ELDER_ID not in html


def test_check_page_explains_a_bad_id_number_in_chinese(client, worker_a, elder):
    client.force_login(worker_a)
    response = client.post(reverse("assessment:check"), {"id_number": "12345"})
    assert response.status_code == 200
    assert "身份证号码应为18位" in response.content.decode()


def test_an_id_number_in_the_address_is_ignored(client, worker_a, elder):
    # an ID number must never travel in a URL (history, proxy and server logs): GET does not check it
    client.force_login(worker_a)
    response = client.get(reverse("assessment:check"), {"id_number": ELDER_ID})
    assert "赵老汉" not in response.content.decode()


def test_the_household_button_checks_by_household_number(client, worker_a, elder):
    client.force_login(worker_a)
    response = client.get(reverse("assessment:check"), {"household": elder.pk, "on": ON})
    assert "特困人员救助供养" in response.content.decode()


def test_check_page_for_another_village_says_not_found(client, worker_b, elder):
    client.force_login(worker_b)
    response = client.post(reverse("assessment:check"), {"id_number": ELDER_ID})
    assert "不在您的管辖范围内" in response.content.decode()
    assert "赵老汉" not in response.content.decode()


def test_runs_page_is_for_county_roles_only(client, worker_a, make_user, areas):
    client.force_login(worker_a)
    assert client.get(reverse("assessment:runs")).status_code == 403
    county = make_user("county_approver", "county")
    client.force_login(county)
    response = client.get(reverse("assessment:runs"))
    assert response.status_code == 200 and "全量研判" in response.content.decode()


def test_starting_a_what_if_from_the_page(
    client, make_user, areas, elder, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    county = make_user("county_approver", "county")
    client.force_login(county)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment:run_start"),
                               {"kind": "whatif", "parameter": "dibao.standard.rural", "percent": "5", "on": ON})  # fmt: skip
    run = AssessmentRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("assessment:run", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert "标准调整模拟" in page and "新增低保户" in page
    assert "本次使用的政策参数版本" in page and "dibao.standard.rural" in page
    assert run.overrides == {"dibao.standard.rural": "+5%"}  # of each county's own value in force
    assert run.summary["total"]["cost_after_fen"] > run.summary["total"]["cost_before_fen"]


def test_api_check_and_run_round_trip(
    make_user, areas, elder, worker_a, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # the instant check
    body = (
        api(worker_a)
        .post("/api/assessment/check", {"id_number": ELDER_ID, "on": ON}, content_type="application/json")
        .json()
    )
    tekun = next(p for p in body["programmes"] if p["programme"] == "tekun")
    assert tekun["status_label"] == "符合" and tekun["person_name"] == "赵老汉"
    assert any(r["rule"] == "tekun_status" for r in tekun["rules"])
    # a village worker may not start a run: 403 in the common error shape
    refused = api(worker_a).post("/api/assessment/runs", {"on": ON}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    # the county approver runs, reads the run and its changes
    county = api(make_user("county_approver", "county"))
    with django_capture_on_commit_callbacks(execute=True):
        created = county.post("/api/assessment/runs", {"on": ON}, content_type="application/json")
    assert created.status_code == 202
    run = county.get(f"/api/assessment/runs/{created.json()['id']}").json()
    assert run["status"] == "done" and run["progress_total"] == 1
    changes = county.get(f"/api/assessment/runs/{run['id']}/changes").json()
    assert changes == []  # he is 特困, not 低保: nothing gained on the first run
    # a malformed date is a 422 naming the field
    bad = county.post("/api/assessment/runs", {"on": "2026-13-01"}, content_type="application/json")
    assert bad.status_code == 422


def test_api_check_unknown_parameter_in_what_if_is_400(make_user, areas):
    county = api(make_user("county_approver", "county"))
    response = county.post("/api/assessment/runs", {"on": ON, "parameters": {"x.y": "1"}},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "parameters.x.y", "message": "未知参数“x.y”"}]
    assert dt.date.fromisoformat(ON)
