"""A county's feed delivery reaches its own households only: a row for another county's person raises no
alert there and reads like a row for someone registered nowhere; a disaster code outside the area reaches
nobody."""

from __future__ import annotations

from typing import Any

from dajiuzhu.monitoring.feeds import UNKNOWN_PERSON, feed_ingest
from dajiuzhu.monitoring.models import Alert, FeedIssue

from .conftest import DAY, IDS, feed_csv

DEATH = ["id_number", "died_on", "record_id", "kind"]


def _deliver(user: Any, rows: list[list[str]], name: str = "d.csv") -> Any:
    return feed_ingest(user=user, source="DEATH_FUNERAL", data=feed_csv("DEATH_FUNERAL", DEATH, rows),
                       file_name=name, on=DAY)  # fmt: skip


def test_a_county_a_feed_with_a_county_b_person_raises_nothing_in_county_b(
    families: Any, population: Any, county_user: Any, county2_user: Any
) -> None:
    result = _deliver(county_user, [
        [IDS["zhang"], "2026-02-01", "D1", "火化"],  # own county
        [IDS["wang"], "2026-02-01", "D2", "火化"],  # 齐河县
        [IDS["stranger"], "2026-02-01", "D3", "火化"],  # registered nowhere
    ])  # fmt: skip
    assert [a.household_id for a in Alert.objects.all()] == [families["zhang"].pk]
    issues = dict(FeedIssue.objects.filter(delivery=result.delivery).values_list("row_number", "reasons"))
    assert issues == {2: UNKNOWN_PERSON, 3: UNKNOWN_PERSON}
    # 齐河县's own delivery does raise its alert
    _deliver(county2_user, [[IDS["wang"], "2026-02-01", "D2", "火化"]], name="qihe.csv")
    assert Alert.objects.filter(household=families["wang"]).count() == 1


def test_a_disaster_code_of_another_county_reaches_nobody(
    families: Any, population: Any, county_user: Any, city_feed_user: Any
) -> None:
    header = ["area_code", "event_on", "event_no", "severity", "description"]
    data = feed_csv("DISASTER", header, [["371425", "2026-02-20", "Z1", "4", "洪涝"]])
    result = feed_ingest(user=county_user, source="DISASTER", data=data, file_name="z.csv", on=DAY)
    assert Alert.objects.count() == 0 and result.delivery.rows_unknown == 1
    # the city's platform account reaches 王's 低保 household in 齐河县 with the same row
    feed_ingest(user=city_feed_user, source="DISASTER", data=data, file_name="z2.csv", on=DAY)
    assert [a.household_id for a in Alert.objects.all()] == [families["wang"].pk]
