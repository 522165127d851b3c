"""Adding and withdrawing parameter values: who may, where it applies, what is refused, what is audited."""

from __future__ import annotations

import datetime as dt

import pytest

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.errors import NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.parameters.errors import AlreadyWithdrawn
from dajiuzhu.parameters.models import ParameterChange
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.parameters.services import parameter_change_create, parameter_change_withdraw
from dajiuzhu.parameters.tests.conftest import RURAL

pytestmark = pytest.mark.django_db

REF = "临民发〔2026〕8号"


def _state() -> tuple[int, int]:
    return ParameterChange.objects.count(), AuditEvent.objects.count()


def test_county_approver_raises_rural_standard_from_a_date(county_approver, later):
    # when the county raises the rural 低保 standard from a future date
    change = parameter_change_create(
        actor=county_approver, name=RURAL, start=later, value="820", reference=REF
    )

    # then the county has the new value from that date and the city's value before it
    tree = parameter_tree()
    assert change.jurisdiction == "371424"
    assert change.value == "820.00"
    assert tree.value(RURAL, on=later, region="371424") == "820.00"
    assert tree.value(RURAL, on=later, region="371424100201") == "820.00"
    assert tree.value(RURAL, on=later - dt.timedelta(days=1), region="371424") == "780.00"
    # and another county of the same city is unaffected
    assert tree.value(RURAL, on=later, region="371425") == "780.00"
    assert tree.get(RURAL, on=later, region="371424").reference == REF
    assert tree.get(RURAL, on=later, region="371424").unverified is False


def test_create_is_audited_with_before_and_after(county_approver, later):
    # when
    change = parameter_change_create(
        actor=county_approver, name=RURAL, start=later, value="820.00", reference=REF, note="提标"
    )

    # then
    event = AuditEvent.objects.get(subject_type="parameter_change", subject_id=str(change.pk))
    assert event.action == "create"
    assert event.actor_id == county_approver.pk
    assert event.area_code == "371424"
    assert event.before == {"value": "780.00", "jurisdiction": "3714", "start": "2025-01-01"}
    assert event.after == {
        "name": RURAL,
        "jurisdiction": "371424",
        "start": later.isoformat(),
        "value": "820.00",
        "reference": REF,
        "note": "提标",
    }
    assert event.note == "提标"


def test_city_user_writes_for_the_city(city_admin, later):
    # when
    change = parameter_change_create(actor=city_admin, name=RURAL, start=later, value="800", reference=REF)

    # then both counties of the city follow
    assert change.jurisdiction == "3714"
    assert parameter_tree().value(RURAL, on=later, region="371424") == "800.00"
    assert parameter_tree().value(RURAL, on=later, region="371425") == "800.00"


def test_village_assistant_is_refused_and_nothing_changes(worker_a, later):
    before = _state()
    # when
    with pytest.raises(PermissionDenied):
        parameter_change_create(actor=worker_a, name=RURAL, start=later, value="820", reference=REF)
    # then
    assert _state() == before
    assert parameter_tree().value(RURAL, on=later, region="371424100201") == "780.00"


def test_approver_placed_at_township_level_is_refused(make_user, later):
    # given a county approver whose area is a township
    user = make_user("county_approver", "township")
    before = _state()
    # when
    with pytest.raises(PermissionDenied) as err:
        parameter_change_create(actor=user, name=RURAL, start=later, value="820", reference=REF)
    # then
    assert err.value.message == "政策参数由县级及以上民政部门维护，乡镇（街道）及以下的账户不能修改"
    assert _state() == before


def test_withdrawing_a_same_day_value_restores_the_yaml_value(city_admin):
    # given the city replaces its YAML value of 2025-01-01 (a retroactive change, with a note)
    start = dt.date(2025, 1, 1)
    change = parameter_change_create(
        actor=city_admin, name=RURAL, start=start, value="790", reference=REF, note="更正示例值"
    )
    assert parameter_tree().value(RURAL, on=start, region="371424") == "790.00"
    assert parameter_tree().get(RURAL, on=start, region="371424").unverified is False

    # when it is withdrawn
    parameter_change_withdraw(actor=city_admin, change_id=change.pk, reason="文号有误")

    # then the YAML value is in force again and the row is kept, marked withdrawn
    value = parameter_tree().get(RURAL, on=start, region="371424")
    assert (value.value, value.unverified) == ("780.00", True)
    change.refresh_from_db()
    assert change.withdrawn_by_id == city_admin.pk
    assert change.withdraw_reason == "文号有误"
    assert change.withdrawn_at is not None
    event = AuditEvent.objects.get(
        subject_type="parameter_change", subject_id=str(change.pk), action="update"
    )
    assert event.note == "撤回：文号有误"
    assert event.before["withdrawn_at"] is None
    assert event.after["in_force_from_start"] == {
        "value": "780.00",
        "jurisdiction": "3714",
        "start": "2025-01-01",
    }
    create_event = AuditEvent.objects.get(
        subject_type="parameter_change", subject_id=str(change.pk), action="create"
    )
    assert create_event.note == "追溯调整：更正示例值"


def test_withdraw_twice_is_refused(county_approver, later):
    change = parameter_change_create(
        actor=county_approver, name=RURAL, start=later, value="820", reference=REF
    )
    parameter_change_withdraw(actor=county_approver, change_id=change.pk, reason="录错")
    before = _state()
    # when
    with pytest.raises(AlreadyWithdrawn):
        parameter_change_withdraw(actor=county_approver, change_id=change.pk, reason="再撤")
    # then
    assert _state() == before


def test_county_cannot_withdraw_the_city_value_nor_another_county_value(
    city_admin, county_approver, county2_approver, later
):
    # given a city value and a value of the other county
    city_change = parameter_change_create(
        actor=city_admin, name=RURAL, start=later, value="800", reference=REF
    )
    other = parameter_change_create(
        actor=county2_approver, name=RURAL, start=later, value="810", reference=REF
    )
    before = _state()

    # when / then
    with pytest.raises(PermissionDenied) as err:
        parameter_change_withdraw(actor=county_approver, change_id=city_change.pk, reason="x")
    assert err.value.message == "只能撤回本级（临邑县）设置的取值，该取值由德州市设置"
    with pytest.raises(NotFound):
        parameter_change_withdraw(actor=county_approver, change_id=other.pk, reason="x")
    assert _state() == before
    assert ParameterChange.objects.filter(withdrawn_at__isnull=False).count() == 0


def test_withdraw_needs_a_reason(county_approver, later):
    change = parameter_change_create(
        actor=county_approver, name=RURAL, start=later, value="820", reference=REF
    )
    before = _state()
    with pytest.raises(ValidationFailed) as err:
        parameter_change_withdraw(actor=county_approver, change_id=change.pk, reason="  ")
    assert err.value.message == "撤回原因：不能为空，请说明撤回的原因"
    assert _state() == before


# ---- messages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (RURAL, "八百", "取值：“八百”不是数字（应为金额（元），最多两位小数，例如 800.00）"),
        (RURAL, "800.123", "取值：金额“800.123”最多保留两位小数（单位：元）"),
        (RURAL, "-5", "取值：不能为负数"),
        (RURAL, "", "取值：不能为空"),
        ("labour.working_age_min", "16.5", "取值：“16.5”应为整数"),
        ("edge.income_multiple", "1.x", "取值：“1.x”不是数字（应为数字，例如 1.5 或 0.6）"),
    ],
)
def test_bad_value_is_refused_with_a_message_naming_the_field(county_approver, later, name, value, message):
    before = _state()
    # when
    with pytest.raises(ValidationFailed) as err:
        parameter_change_create(actor=county_approver, name=name, start=later, value=value, reference=REF)
    # then
    assert err.value.message == message
    assert [e.field for e in err.value.errors] == ["取值"]
    assert _state() == before


def test_values_are_stored_in_the_form_of_their_kind(county_approver, later):
    ratio = parameter_change_create(
        actor=county_approver, name="edge.income_multiple", start=later, value="1.60", reference=REF
    )
    age = parameter_change_create(
        actor=county_approver, name="labour.working_age_min", start=later, value="17", reference=REF
    )
    assert (ratio.value, age.value) == ("1.6", "17")
    assert parameter_tree().value("edge.income_multiple", on=later, region="371424") == 1.6
    assert parameter_tree().value("labour.working_age_min", on=later, region="371424") == 17


def test_unknown_parameter_is_refused(county_approver, later):
    before = _state()
    with pytest.raises(ValidationFailed) as err:
        parameter_change_create(
            actor=county_approver, name="dibao.standard.moon", start=later, value="1", reference=REF
        )
    assert err.value.message == "参数名称：未定义参数“dibao.standard.moon”，只能调整政策参数文件中已有的参数"
    assert _state() == before


def test_missing_reference_is_refused(county_approver, later):
    before = _state()
    with pytest.raises(ValidationFailed) as err:
        parameter_change_create(actor=county_approver, name=RURAL, start=later, value="820", reference=" ")
    assert err.value.message == "依据：不能为空，请填写政策文件名称或文号（例如 德民发〔2025〕12号）"
    assert _state() == before


def test_bad_date_is_refused(county_approver):
    with pytest.raises(ValidationFailed) as err:
        parameter_change_create(
            actor=county_approver, name=RURAL, start="2025-13-01", value="820", reference=REF
        )
    assert err.value.message == "起始日期：“2025-13-01”不是有效日期，请写成 2025-01-31"


def test_past_start_needs_a_note(county_approver, today):
    # given a start date yesterday and no note
    yesterday = today - dt.timedelta(days=1)
    before = _state()
    # when
    with pytest.raises(ValidationFailed) as err:
        parameter_change_create(
            actor=county_approver, name=RURAL, start=yesterday, value="820", reference=REF
        )
    # then the message says it is retroactive and asks for a note
    assert err.value.message == (
        f"起始日期：{yesterday.isoformat()} 早于今天（{today.isoformat()}），属于追溯调整，"
        "请在备注中写明追溯的原因后再保存"
    )
    assert _state() == before
    # and with a note it is accepted
    change = parameter_change_create(
        actor=county_approver, name=RURAL, start=yesterday, value="820", reference=REF, note="按文件追溯"
    )
    assert parameter_tree().value(RURAL, on=today, region="371424") == "820.00"
    assert change.note == "按文件追溯"


def test_several_errors_are_reported_together(county_approver, later):
    with pytest.raises(ValidationFailed) as err:
        parameter_change_create(actor=county_approver, name=RURAL, start="", value="x", reference="")
    assert err.value.message == "输入有误，请检查标出的字段"
    assert [e.field for e in err.value.errors] == ["起始日期", "取值", "依据"]


def test_second_active_value_on_the_same_date_is_refused(county_approver, later):
    parameter_change_create(actor=county_approver, name=RURAL, start=later, value="820", reference=REF)
    before = _state()
    with pytest.raises(ValidationFailed) as err:
        parameter_change_create(actor=county_approver, name=RURAL, start=later, value="830", reference=REF)
    assert err.value.message == (
        f"起始日期：临邑县在 {later.isoformat()} 已有本地调整的取值（820.00），请先撤回该取值再设置"
    )
    assert _state() == before
