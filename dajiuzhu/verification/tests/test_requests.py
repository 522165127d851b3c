"""Authorisations and verification requests: refused without a covering 授权书, else a stored report."""

import dataclasses
import datetime as dt

import pytest

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core import clock, idnumber
from dajiuzhu.core.errors import NotFound, ValidationFailed
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.verification.errors import AuthorisationMissing
from dajiuzhu.verification.models import Authorisation, RequestStatus, VerificationRequest
from dajiuzhu.verification.selectors import latest_report_for_household, report_get_for_user
from dajiuzhu.verification.services import authorisation_record, verification_request

SUPPORTER = idnumber.make("371424", dt.date(1975, 3, 3), 13)


def _authorise(user, household, **kw):
    today = clock.today()
    args = {"signed_on": today, "valid_until": today + dt.timedelta(days=365)} | kw
    return authorisation_record(user=user, household_id=household.pk, **args)


def _months_ago(n: int) -> str:
    today = clock.today()
    y, m = divmod(today.year * 12 + today.month - 1 - n, 12)
    return dt.date(y, m + 1, 1).isoformat()


def test_authorisation_by_default_covers_every_current_member(township_user, household_a, ids):
    auth = _authorise(township_user, household_a)
    assert sorted(auth.id_numbers) == sorted([ids["head"], ids["spouse"], ids["child"]])
    assert auth.sources == []
    assert AuditEvent.objects.filter(subject_type="verification_authorisation", action="create").count() == 1


def test_authorisation_refuses_a_signer_who_is_not_a_member(township_user, household_a, ids):
    with pytest.raises(ValidationFailed) as exc:
        _authorise(township_user, household_a, id_numbers=[ids["head"], ids["other"]])
    assert [str(e) for e in exc.value.errors] == [
        f"签字成员身份证号码：{mask_id_number(ids['other'])} 不是本户共同生活成员（赡养人请填在“赡养/抚养/扶养义务人”中）"
    ]
    assert Authorisation.objects.count() == 0


def test_request_without_authorisation_is_refused_logged_and_nothing_else_stored(
    township_user, household_a, deliver, ids
):
    # given deliveries exist but nobody in the household signed an authorisation
    deliver("BANK_DEPOSIT", [{"id_number": ids["head"], "record_id": "A1", "bank": "农行", "as_of": "2026-03-01",
                              "balance_yuan": "100"}])  # fmt: skip
    # when the township asks for a check
    with pytest.raises(AuthorisationMissing) as exc:
        verification_request(user=township_user, household_id=household_a.pk)
    # then it is refused with the members named (masked), a refused request is stored and a DENIED audit row
    assert exc.value.status == 403
    assert "张建国（" + mask_id_number(ids["head"]) + "）" in exc.value.message
    assert ids["head"] not in exc.value.message
    refused = VerificationRequest.objects.get()
    assert refused.status == RequestStatus.REFUSED and refused.report is None and refused.conclusion == ""
    denied = AuditEvent.objects.filter(action="denied", subject_type="verification_request")
    assert denied.count() == 1 and "未签署有效的核对授权书" in denied.get().note
    assert not AuditEvent.objects.filter(subject_type="verification_report").exists()
    assert latest_report_for_household(household_a.pk) is None


def test_request_refused_when_one_member_did_not_sign(township_user, household_a, ids):
    _authorise(township_user, household_a, id_numbers=[ids["head"], ids["child"]])
    with pytest.raises(AuthorisationMissing) as exc:
        verification_request(user=township_user, household_id=household_a.pk, sources=["TAX"])
    assert "李秀英" in exc.value.message and "张建国" not in exc.value.message


def test_request_refused_when_authorisation_expired_or_scope_too_narrow(township_user, household_a):
    today = clock.today()
    _authorise(township_user, household_a, signed_on=today - dt.timedelta(days=400),
               valid_until=today - dt.timedelta(days=1))  # fmt: skip
    _authorise(township_user, household_a, sources=["BANK_DEPOSIT"])
    with pytest.raises(AuthorisationMissing):
        verification_request(user=township_user, household_id=household_a.pk, sources=["TAX"])
    assert VerificationRequest.objects.filter(status=RequestStatus.DONE).count() == 0
    # the narrow one does cover its own source
    done = verification_request(user=township_user, household_id=household_a.pk, sources=["BANK_DEPOSIT"])
    assert done.status == RequestStatus.DONE


def test_a_named_supporter_must_have_signed_too(township_user, household_a):
    _authorise(township_user, household_a)
    with pytest.raises(AuthorisationMissing) as exc:
        verification_request(
            user=township_user, household_id=household_a.pk, supporter_id_numbers=[SUPPORTER]
        )
    assert "义务人（" + mask_id_number(SUPPORTER) + "）" in exc.value.message
    _authorise(township_user, household_a, supporter_id_numbers=[SUPPORTER])
    done = verification_request(
        user=township_user, household_id=household_a.pk, supporter_id_numbers=[SUPPORTER], sources=["TAX"]
    )
    assert done.status == RequestStatus.DONE


def test_report_hit_none_and_error_per_member_and_source(township_user, household_a, deliver, ids):
    # given a fresh bank delivery with the head's account, a real-estate delivery with nobody of this household,
    # and a tax delivery 100 days old (the contract allows 45)
    deliver("BANK_DEPOSIT", [{"id_number": ids["head"], "record_id": "A1", "bank": "农行", "as_of": "2026-03-01",
                              "balance_yuan": "12000.00"}])  # fmt: skip
    deliver("REAL_ESTATE", [{"id_number": ids["other"], "record_id": "R1", "usage": "住宅", "area_m2": "90",
                             "registered_on": "2020-01-01"}])  # fmt: skip
    deliver("TAX", [{"id_number": ids["head"], "record_id": "T1", "period": _months_ago(1), "income_yuan": "9000",
                     "income_kind": "工资薪金"}], days_ago=100)  # fmt: skip
    _authorise(township_user, household_a)
    # when the township requests the three sources
    req = verification_request(user=township_user, household_id=household_a.pk,
                               sources=["BANK_DEPOSIT", "REAL_ESTATE", "TAX"])  # fmt: skip
    # then every member has one result per source
    report = req.report
    grid = {(m["name"], r["source"]): r["result"] for m in report["members"] for r in m["results"]}
    assert grid == {
        ("张建国", "BANK_DEPOSIT"): "hit", ("张建国", "REAL_ESTATE"): "none", ("张建国", "TAX"): "error",
        ("李秀英", "BANK_DEPOSIT"): "none", ("李秀英", "REAL_ESTATE"): "none", ("李秀英", "TAX"): "error",
        ("张小明", "BANK_DEPOSIT"): "none", ("张小明", "REAL_ESTATE"): "none", ("张小明", "TAX"): "error",
    }  # fmt: skip
    head = report["members"][0]
    assert head["results"][0]["values"] == [{"id_number": ids["head"], "record_id": "A1", "bank": "农行",
                                            "as_of": "2026-03-01", "balance_yuan": "12000.00"}]  # fmt: skip
    assert head["results"][2]["message"].startswith("数据源未按时交换（最近交付：")
    # the summary counts the deposit; the stale tax data is not counted as income
    assert report["summary"]["financial_assets_fen"] == 1_200_000
    assert report["summary"]["financial_assets_per_capita_fen"] == 400_000
    assert report["summary"]["income_monthly_fen"] == 0
    assert report["summary"]["errors"] == ["TAX"]
    # and without the tax data no conclusion other than a home visit is possible
    assert req.conclusion == "NEEDS_HOME_VISIT"
    assert [r["rule"] for r in report["rules_fired"]] == ["V_SOURCE_ERROR"]
    assert (
        AuditEvent.objects.filter(
            action="check", subject_type="verification_report", subject_id=str(req.pk)
        ).count()
        == 1
    )


def test_income_found_above_the_standard_makes_the_household_ineligible(
    township_user, household_a, deliver, ids
):
    # given 12 monthly wage records of 3,000 yuan for the head (3 members → 1,000 per head > rural 780)
    deliver("TAX", [
        {"id_number": ids["head"], "record_id": f"T{i}", "period": _months_ago(i), "income_yuan": "3000",
         "income_kind": "工资薪金"} for i in range(12)
    ] + [{"id_number": ids["head"], "record_id": "OLD", "period": _months_ago(30), "income_yuan": "99999",
          "income_kind": "工资薪金"}])  # fmt: skip
    _authorise(township_user, household_a)
    req = verification_request(user=township_user, household_id=household_a.pk, sources=["TAX"])
    s = req.report["summary"]
    assert (s["income_monthly_fen"], s["income_per_capita_fen"]) == (300_000, 100_000)
    assert req.conclusion == "INELIGIBLE"
    assert req.report["rules_fired"][0]["rule"] == "V_INCOME"
    assert req.report["parameters"]["dibao.standard.rural"]["value"] == "780.00"
    # the record older than the 12-month window is neither a value nor income
    assert len(req.report["members"][0]["results"][0]["values"]) == 12


def test_small_deposit_is_eligible_and_a_vehicle_needs_a_visit(township_user, household_a, deliver, ids):
    deliver("BANK_DEPOSIT", [{"id_number": ids["head"], "record_id": "A1", "bank": "农行", "as_of": "2026-03-01",
                              "balance_yuan": "3000.00"}])  # fmt: skip
    deliver("VEHICLE", [{"id_number": ids["spouse"], "record_id": "鲁N1", "vehicle_kind": "三轮汽车",
                         "value_yuan": "8000", "status": "正常", "registered_on": "2021-05-01"}])  # fmt: skip
    _authorise(township_user, household_a)
    first = verification_request(user=township_user, household_id=household_a.pk, sources=["BANK_DEPOSIT"])
    assert first.conclusion == "ELIGIBLE" and first.report["rules_fired"] == []
    second = verification_request(
        user=township_user, household_id=household_a.pk, sources=["BANK_DEPOSIT", "VEHICLE"]
    )
    assert second.conclusion == "NEEDS_HOME_VISIT"
    assert second.report["rules_fired"][0]["rule"] == "V_VEHICLE"
    # the selector for the workflow and the engine gives plain frozen data of the latest report
    latest = latest_report_for_household(household_a.pk)
    assert latest is not None and dataclasses.is_dataclass(latest)
    assert (latest.request_id, latest.conclusion, latest.vehicle_count, latest.financial_assets_fen) == (
        second.pk,
        "NEEDS_HOME_VISIT",
        1,
        300_000,
    )
    assert latest.rules_fired == ("V_VEHICLE",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        latest.conclusion = "ELIGIBLE"  # type: ignore[misc]


def test_death_record_flags_a_home_visit(township_user, household_a, deliver, ids):
    deliver(
        "DEATH_FUNERAL",
        [{"id_number": ids["spouse"], "record_id": "D1", "died_on": "2026-01-02", "kind": "火化"}],
    )
    _authorise(township_user, household_a)
    req = verification_request(user=township_user, household_id=household_a.pk, sources=["DEATH_FUNERAL"])
    assert req.conclusion == "NEEDS_HOME_VISIT"
    assert req.report["summary"]["flags"] == [
        {"flag": "deceased", "label": "成员已死亡", "person": "李秀英", "source": "DEATH_FUNERAL"}
    ]


def test_other_county_sees_neither_household_nor_report(township_user, household_a, other_county_admin):
    _authorise(township_user, household_a)
    req = verification_request(user=township_user, household_id=household_a.pk, sources=["TAX"])
    with pytest.raises(NotFound):
        report_get_for_user(user=other_county_admin, request_id=req.pk)
    with pytest.raises(NotFound):
        verification_request(user=other_county_admin, household_id=household_a.pk)
    assert VerificationRequest.objects.count() == 1


def test_unknown_source_in_a_request_names_the_field(township_user, household_a):
    _authorise(township_user, household_a)
    with pytest.raises(ValidationFailed) as exc:
        verification_request(user=township_user, household_id=household_a.pk, sources=["LOTTERY"])
    assert exc.value.errors[0].field == "核对数据源（sources）"
    assert VerificationRequest.objects.count() == 0
