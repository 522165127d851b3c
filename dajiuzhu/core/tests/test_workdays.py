"""Working days across 调休 weekends and holidays, and the provisional answer for unpublished years."""

import datetime as dt

import pytest

from dajiuzhu.core import workdays
from dajiuzhu.core.workdays import add_working_days, deadline, is_working_day, working_days_between

D = dt.date


def test_make_up_sunday_is_a_working_day_and_national_day_is_not():
    assert is_working_day(D(2025, 9, 28))  # Sunday, 调休 for National Day
    assert not is_working_day(D(2025, 10, 1))
    assert not is_working_day(D(2025, 9, 27))  # an ordinary Saturday


def test_three_working_days_across_a_make_up_weekend():
    # accepted on Friday 26 September 2025: Sunday the 28th counts, the holiday week does not
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert add_working_days(D(2025, 9, 26), 3) == D(2025, 9, 30)
    assert add_working_days(D(2025, 9, 26), 4) == D(2025, 10, 9)
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 9)) == 4


def test_spring_festival_2026_with_its_saturday_make_up_days():
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 2, 28))
    assert not is_working_day(D(2026, 2, 16))
    # the 30-working-day limit of 低保 (policy-spec R1.13) from 2 February 2026
    assert deadline(D(2026, 2, 2), 30).due == add_working_days(D(2026, 2, 2), 30)
    assert working_days_between(D(2026, 2, 2), deadline(D(2026, 2, 2), 30).due) == 30


def test_a_year_without_a_published_schedule_is_weekends_only_and_provisional(monkeypatch):
    monkeypatch.setattr(
        workdays, "overrides", lambda: workdays.Overrides(frozenset(), frozenset(), frozenset())
    )
    result = deadline(D(2026, 12, 28), 5)
    assert result.due == D(2027, 1, 5)  # 29, 30, 31 Dec, (1 Jan: 元旦 by law), 4 and 5 Jan
    assert result.provisional and "尚未公布" in result.note
    assert not deadline(D(2026, 3, 2), 5).provisional


def test_local_schedule_overrides_the_package(monkeypatch):
    local = workdays.Overrides(frozenset({D(2027, 1, 1)}), frozenset({D(2027, 1, 9)}), frozenset({2027}))
    monkeypatch.setattr(workdays, "overrides", lambda: local)
    assert not is_working_day(D(2027, 1, 1))
    assert is_working_day(D(2027, 1, 9))  # a Saturday made a working day
    assert not deadline(D(2027, 1, 4), 3).provisional


def test_bad_input():
    with pytest.raises(ValueError, match="不能为负数"):
        add_working_days(D(2026, 1, 5), -1)
    assert add_working_days(D(2026, 1, 5), 0) == D(2026, 1, 5)
    assert working_days_between(D(2026, 1, 9), D(2026, 1, 5)) == 0


# ---- calendar-day periods (公示"7天", 民法典 arts. 201 and 203) ----------------------------------------


def test_a_notice_posted_on_a_monday_ends_at_the_end_of_the_next_monday():
    # 2 March 2026 is a Monday: the day of posting is not counted, day 7 is Monday 9 March
    assert workdays.period_end(D(2026, 3, 2), 7) == D(2026, 3, 9)


def test_a_notice_posted_on_2026_09_28_before_national_day_ends_on_the_next_working_day():
    # day 7 is 5 October, inside the 1–7 October holiday: the period ends on Thursday 8 October
    assert workdays.period_end(D(2026, 9, 28), 7) == D(2026, 10, 8)


def test_a_period_whose_last_day_is_a_sunday_ends_on_monday():
    # posted Sunday 1 March 2026 → day 7 is Sunday 8 March, a rest day
    assert workdays.period_end(D(2026, 3, 1), 7) == D(2026, 3, 9)


def test_a_period_whose_last_day_is_a_make_up_saturday_ends_that_saturday():
    # Saturday 14 February 2026 is a 调休 working day before the Spring Festival
    assert workdays.period_end(D(2026, 2, 7), 7) == D(2026, 2, 14)


def test_a_period_of_zero_days_ends_the_day_it_starts_and_a_negative_one_is_refused():
    assert workdays.period_end(D(2026, 3, 2), 0) == D(2026, 3, 2)
    with pytest.raises(ValueError, match="天数不能为负数"):
        workdays.period_end(D(2026, 3, 2), -1)
