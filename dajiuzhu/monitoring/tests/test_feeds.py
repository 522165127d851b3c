"""Feed deliveries: rules with per-county thresholds, quarantine, unknown IDs, replays, refused sources."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dajiuzhu.core.errors import PermissionDenied, ValidationFailed
from dajiuzhu.monitoring.feeds import UNKNOWN_PERSON
from dajiuzhu.monitoring.models import Alert, FeedDelivery, FeedIssue, VisitTask

from .conftest import DAY, IDS, csv_bytes

MED = ["id_number", "settled_on", "out_of_pocket_yuan", "record_id"]


def _alerts(rule: str | None = None) -> list[tuple[str, str, str]]:
    qs = Alert.objects.order_by("household_id", "cause_key")
    if rule:
        qs = qs.filter(rule=rule)
    return [(a.rule, a.household.number, a.cause_key) for a in qs.select_related("household")]


def test_medical_threshold_is_the_county_s(families: Any, population: Any, ingest: Any) -> None:
    # given 临邑县 warns from 10,000 元 a year and 齐河县 uses Dezhou's 15,000 元; both spent 12,000 in 2026
    rows = [
        [IDS["zhang"], "2026-01-10", "7000.00", "A1"],
        [IDS["zhang"], "2026-02-10", "5000.00", "A2"],
        [IDS["wang"], "2026-02-11", "12000.00", "B1"],
    ]
    # when
    result = ingest("MEDICAL_SETTLEMENT", MED, rows)
    # then only 张 (临邑) is warned, with the year's total
    zhang = families["zhang"]
    assert _alerts() == [("W_MED", zhang.number, f"P{zhang.head_id}:2026")]
    alert = Alert.objects.get()
    assert alert.signal["self_pay_fen"] == 1200000
    assert alert.signal["threshold_fen"] == 1000000
    assert alert.signal["bills"] == 2
    assert result.delivery.alerts_created == 1
    assert result.delivery.rows_matched == 3


def test_medical_above_the_city_threshold_warns_in_the_other_county(
    families: Any, population: Any, ingest: Any
) -> None:
    # given 王 (齐河县) spent 15,000 in 2026 (Dezhou's line)
    ingest("MEDICAL_SETTLEMENT", MED, [[IDS["wang"], "2026-02-11", "15000.00", "B1"]])
    # then
    assert _alerts() == [("W_MED", families["wang"].number, f"P{families['wang'].head_id}:2026")]


def test_medical_ratio_of_household_income(families: Any, ingest: Any, worker_b: Any) -> None:
    # given 李 earned 8,000 in the last 12 months and paid 4,000 for medicine (≥ 0.5 × income, < 10,000)
    from dajiuzhu.registry.services import household_record_add

    li = families["li"]
    household_record_add(actor=worker_b, household_id=li.pk, kind="income", data={
        "income_type": "wage", "amount": "8000.00", "period_start": "2025-03-01", "period_end": "2026-02-28",
        "person": li.head_id,
    })  # fmt: skip
    # when
    ingest("MEDICAL_SETTLEMENT", MED, [[IDS["li"], "2026-02-20", "4000.00", "C1"]])
    # then
    alert = Alert.objects.get()
    assert (alert.rule, alert.household_id) == ("W_MED", li.pk)
    assert alert.signal["income_year_fen"] == 800000


def test_malformed_rows_are_quarantined_with_reasons_and_the_rest_processed(
    families: Any, population: Any, ingest: Any
) -> None:
    bad_check = IDS["zhang"][:17] + ("0" if IDS["zhang"][17] != "0" else "1")
    rows = [
        [bad_check, "2026-01-10", "20000.00", "X1"],
        [IDS["wang"], "", "20000.00", "X2"],
        [IDS["li"], "2026-01-10", "-5.00", "X3"],
        [IDS["zhang"], "2026-13-01", "abc", "X4"],
        [IDS["zhang"], "2026-01-10", "20000.00", "OK"],
    ]
    # when
    result = ingest("MEDICAL_SETTLEMENT", MED, rows)
    # then
    issues = list(
        FeedIssue.objects.filter(kind="quarantine")
        .order_by("row_number")
        .values_list("row_number", "reasons")
    )
    assert issues == [
        (1, f"身份证号码（id_number）：校验码错误（应为{IDS['zhang'][17]}），请核对号码是否抄错"),
        (2, "结算日期（settled_on）：不能为空"),
        (3, "个人自付（元）（out_of_pocket_yuan）：不能为负数"),
        (
            4,
            "结算日期（settled_on）：“2026-13-01”不是有效日期（应为 YYYY-MM-DD）；"
            "个人自付（元）（out_of_pocket_yuan）：“abc”不是有效的金额",
        ),
    ]
    assert result.delivery.rows_quarantined == 4
    assert result.delivery.rows_valid == 1
    assert _alerts() == [("W_MED", families["zhang"].number, f"P{families['zhang'].head_id}:2026")]


def test_unknown_id_is_reported_not_guessed(families: Any, population: Any, ingest: Any) -> None:
    # when a valid ID number that is not in the registry comes in
    result = ingest("MEDICAL_SETTLEMENT", MED, [[IDS["stranger"], "2026-01-10", "50000.00", "S1"]])
    # then it is listed and nothing is raised
    assert list(FeedIssue.objects.values_list("kind", "row_number", "id_number", "reasons")) == [
        ("unknown", 1, IDS["stranger"], UNKNOWN_PERSON)
    ]
    assert result.delivery.rows_unknown == 1
    assert Alert.objects.count() == 0


def test_replaying_a_file_creates_nothing(families: Any, population: Any, ingest: Any) -> None:
    rows = [[IDS["zhang"], "2026-01-10", "20000.00", "A1"]]
    first = ingest("MEDICAL_SETTLEMENT", MED, rows)
    # when the same file comes again
    again = ingest("MEDICAL_SETTLEMENT", MED, rows)
    # then
    assert again.delivery.status == "duplicate"
    assert f"批次#{first.delivery.pk}" in again.delivery.message
    assert (Alert.objects.count(), VisitTask.objects.count()) == (1, 1)


def test_the_same_cause_in_another_file_does_not_pile_up(families: Any, population: Any, ingest: Any) -> None:
    ingest("MEDICAL_SETTLEMENT", MED, [[IDS["zhang"], "2026-01-10", "20000.00", "A1"]])
    # when a later delivery reports more bills of the same year (a different file)
    result = ingest(
        "MEDICAL_SETTLEMENT", MED, [[IDS["zhang"], "2026-02-10", "30000.00", "A2"]], name="feb.csv"
    )
    # then
    assert result.delivery.status == "done"
    assert (result.delivery.alerts_created, result.delivery.duplicates_skipped) == (0, 1)
    assert (Alert.objects.count(), VisitTask.objects.count()) == (1, 1)


def test_a_source_without_contract_is_refused(county_user: Any, families: Any) -> None:
    from dajiuzhu.monitoring.feeds import feed_ingest

    with pytest.raises(ValidationFailed) as exc:
        feed_ingest(user=county_user, source="BANK_DEPOSIT", data=b"id_number\n", file_name="x.csv", on=DAY)
    assert "数据源“BANK_DEPOSIT”没有数据接入约定，拒绝接收" in exc.value.message
    assert FeedDelivery.objects.count() == 0


def test_a_file_without_a_contracted_column_is_refused(county_user: Any, families: Any) -> None:
    from dajiuzhu.monitoring.feeds import feed_ingest

    with pytest.raises(ValidationFailed) as exc:
        feed_ingest(user=county_user, source="MEDICAL_SETTLEMENT", file_name="m.csv", on=DAY,
                    data=csv_bytes(["id_number", "settled_on"], [[IDS["zhang"], "2026-01-10"]]))  # fmt: skip
    assert exc.value.message == (
        "文件：缺少约定的列：结算单号（record_id）、医疗总费用（元）（total_yuan）、个人自付（元）（out_of_pocket_yuan）"
    )
    assert FeedDelivery.objects.count() == 0


def test_only_monitoring_admins_deliver(grid_user: Any, families: Any) -> None:
    from dajiuzhu.monitoring.feeds import feed_ingest

    with pytest.raises(PermissionDenied):
        feed_ingest(
            user=grid_user, source="DEATH_FUNERAL", data=b"id_number,died_on\n", file_name="d.csv", on=DAY
        )
    assert FeedDelivery.objects.count() == 0


def test_jsonl_and_parquet_are_read_like_csv(
    families: Any, population: Any, city_feed_user: Any, tmp_path: Any
) -> None:
    county_user = city_feed_user  # 王 lives in the other county: the city's platform account delivers
    import polars as pl

    from dajiuzhu.monitoring.feeds import feed_ingest

    frame = pl.DataFrame(
        {"id_number": [IDS["zhang"]], "died_on": ["2026-02-01"], "record_id": ["D1"], "kind": ["火化"]}
    )
    path = tmp_path / "deaths.parquet"
    frame.write_parquet(path)
    feed_ingest(user=county_user, source="DEATH_FUNERAL", data=path, on=DAY)
    frame2 = pl.DataFrame(
        {"id_number": [IDS["wang"]], "died_on": ["2026-02-02"], "record_id": ["D2"], "kind": ["火化"]}
    )
    feed_ingest(
        user=county_user,
        source="DEATH_FUNERAL",
        data=frame2.write_ndjson().encode(),
        file_name="d.jsonl",
        on=DAY,
    )
    assert [r[0] for r in _alerts()] == ["W_DEATH", "W_DEATH"]


# ---- one test per rule ---------------------------------------------------------------------------------


def test_disability_grade_rules(families: Any, population: Any, ingest: Any) -> None:
    header = ["id_number", "issued_on", "disability_type", "grade", "record_id"]
    rows = [
        [IDS["zhang"], "2026-02-01", "肢体", "3", "C1"],  # grade 3 physical: not severe
        [IDS["li"], "2026-02-01", "精神", "3", "C2"],  # grade 3 mental: severe
        [IDS["wang"], "2026-02-01", "肢体", "2", "C3"],  # grade 2: severe
    ]
    ingest("DISABILITY_CARD", header, rows)
    assert sorted((r[0], r[1]) for r in _alerts()) == sorted(
        [("W_DISAB", families["li"].number), ("W_DISAB", families["wang"].number)]
    )


def test_disability_already_recorded_is_not_new(families: Any, population: Any, ingest: Any) -> None:
    from dajiuzhu.registry.models import Person

    Person.objects.filter(id_number=IDS["wang"]).update(disability_type="physical", disability_grade=2)
    ingest("DISABILITY_CARD", ["id_number", "issued_on", "disability_type", "grade"],
           [[IDS["wang"], "2026-02-01", "肢体", "2"]])  # fmt: skip
    assert Alert.objects.count() == 0


def test_unemployment_of_the_main_earner_only(families: Any, population: Any, ingest: Any) -> None:
    # 张's son is not the head and does not work; 李 is a head
    ingest("UNEMPLOYMENT", ["id_number", "registered_on"],
           [[IDS["zhang_son"], "2026-02-01"], [IDS["li"], "2026-02-02"]])  # fmt: skip
    li = families["li"]
    assert _alerts() == [("W_UNEMP", li.number, f"P{li.head_id}:2026-02-02")]


def test_death_warns_for_low_income_households_only(families: Any, population: Any, ingest: Any) -> None:
    ingest(
        "DEATH_FUNERAL", ["id_number", "died_on"], [[IDS["zhang"], "2026-02-01"], [IDS["li"], "2026-02-01"]]
    )
    assert [r[1] for r in _alerts()] == [families["zhang"].number]


def test_school_enrolment_in_configured_stages(families: Any, population: Any, ingest: Any) -> None:
    header = ["id_number", "school_year_start", "stage"]
    ingest(
        "STUDENT_AID",
        header,
        [[IDS["zhang_son"], "2025-09-01", "高中"], [IDS["zhang"], "2025-09-01", "小学"]],
    )
    son = families["zhang"].members.get(id_number=IDS["zhang_son"])
    assert _alerts() == [("W_SCHOOL", families["zhang"].number, f"P{son.pk}:senior:2025")]


def test_new_assets_of_assisted_households(families: Any, population: Any, ingest: Any) -> None:
    header = ["id_number", "registered_on", "record_id", "value_yuan"]
    ingest(
        "VEHICLE",
        header,
        [[IDS["zhang"], "2026-02-01", "鲁N12345", "80000"], [IDS["li"], "2026-02-01", "鲁N9", "80000"]],
    )
    assert _alerts() == [("W_ASSET", families["zhang"].number, "VEHICLE:鲁N12345")]


def test_disaster_in_the_area_reaches_low_income_households_under_it(
    families: Any, population: Any, ingest: Any
) -> None:
    header = ["area_code", "event_on", "event_no", "severity", "description"]
    rows = [
        ["371424100", "2026-02-20", "Z1", "3", "暴雨"],  # 临邑镇: 张 (低保) yes, 李 (no category) no
        ["371425", "2026-02-20", "Z2", "1", "轻微"],  # below the severity line
        ["999999", "2026-02-20", "Z3", "4", "?"],  # unknown area
    ]
    result = ingest("DISASTER", header, rows)
    assert _alerts() == [("W_EVENT", families["zhang"].number, "E:Z1")]
    assert result.delivery.rows_unknown == 1


def test_relapse_list_sets_the_category_and_a_full_list_removes_it(
    families: Any, population: Any, ingest: Any
) -> None:
    from dajiuzhu.monitoring.models import HouseholdCategory

    ingest("RELAPSE_LIST", ["id_number", "listed_on"], [[IDS["li"], "2026-01-01"]])
    assert list(
        HouseholdCategory.objects.filter(category="relapse").values_list("household_id", "end_date")
    ) == [(families["li"].pk, None)]
    ingest(
        "RELAPSE_LIST",
        ["id_number", "listed_on"],
        [[IDS["wang"], "2026-01-01"]],
        on=DAY + dt.timedelta(days=90),
    )
    rows = HouseholdCategory.objects.filter(category="relapse").order_by("household_id")
    assert [(r.household_id, r.end_date) for r in rows] == [
        (families["li"].pk, DAY + dt.timedelta(days=90)),
        (families["wang"].pk, None),
    ]
