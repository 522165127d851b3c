"""The approval workflow as data: which steps an item goes through, who acts at each status, and the
working-day limit of each step. Services consult this module; nothing here writes.

The full chain is 低保 per R1.13 and 特困 per R2.6:
申报 → 受理 → 入户调查 → 经济状况核对 → 乡镇审核意见 → 公示 → 县级审批 → 书面通知 → 次月起发放.
Other items switch steps off in the catalogue (a 医保 item: 受理 → 部门审批).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dajiuzhu.accounts.roles import Role
from dajiuzhu.core import clock
from dajiuzhu.core.workdays import add_working_days, deadline, period_end
from dajiuzhu.intake import policy
from dajiuzhu.intake.models import AssistanceItem, Level, Status

ROLE_LEVEL: dict[str, str] = {
    Role.VILLAGE_ASSISTANT: Level.VILLAGE,
    Role.GRID_WORKER: Level.VILLAGE,
    Role.TOWNSHIP_REVIEWER: Level.TOWNSHIP,
    Role.COUNTY_APPROVER: Level.COUNTY,
    Role.DEPARTMENT_WINDOW: Level.DEPARTMENT,
}


def user_level(user: Any) -> str:
    return ROLE_LEVEL.get(getattr(user, "role", ""), "")


def local_item(item: AssistanceItem, county_code: str, on: dt.date | None = None) -> AssistanceItem:
    """The item as the county has it (intake.catalogue.effective_item): an application's item already
    is (Application.item, on its catalogue date); a shipped item is resolved for `on` (default today)."""
    from dajiuzhu.intake.catalogue import effective_item

    if item.effective_for is not None and item.effective_for[0][:6] == (county_code or "")[:6]:
        return item
    return effective_item(item, county_code, on or clock.today())


def decide_level(item: AssistanceItem, county_code: str) -> str:
    """The level that approves, after the county's delegation to its townships (R11.2
    `approval_delegated_to_township`, a local choice of the county in the catalogue)."""
    local = local_item(item, county_code)
    if local.decide_level == Level.COUNTY and local.delegated:
        return Level.TOWNSHIP
    return str(local.decide_level)


def handling_level(item: AssistanceItem) -> str:
    """Investigation and opinion: the township for civil-affairs items, the department for its own."""
    return Level.DEPARTMENT if item.decide_level == Level.DEPARTMENT else Level.TOWNSHIP


def after_acceptance(item: AssistanceItem) -> str:
    return _first(item, [Status.ACCEPTED, Status.CHECKING, Status.OPINION, Status.DECISION])


def after_investigation(item: AssistanceItem) -> str:
    return _first(item, [Status.CHECKING, Status.OPINION, Status.DECISION])


def after_check(item: AssistanceItem) -> str:
    return _first(item, [Status.OPINION, Status.DECISION])


_ENABLED = {
    Status.ACCEPTED: "needs_investigation",
    Status.CHECKING: "needs_check",
    Status.OPINION: "needs_opinion",
}


def _first(item: AssistanceItem, statuses: list[Status]) -> str:
    for status in statuses:
        flag = _ENABLED.get(status)
        if flag is None or getattr(item, flag):
            return str(status)
    return str(Status.DECISION)


def waiting_on(
    *, status: str, item: AssistanceItem, county_code: str, filer_level: str, notified: bool
) -> str:
    """Who must act next at `status` (the queue the application sits in)."""
    if status in (Status.MATERIALS, Status.RETURNED):
        return filer_level or str(item.accept_level)
    if status == Status.SUBMITTED:
        return str(item.accept_level)
    if status in (Status.ACCEPTED, Status.OPINION, Status.NOTICE):
        return handling_level(item)
    if status == Status.CHECKING:
        return Level.COUNTY
    if status == Status.DECISION:
        return decide_level(item, county_code)
    if status in (Status.APPROVED, Status.REJECTED) and not notified:
        # The written notice goes out through the township (R1.13.7); a department notifies its own.
        return handling_level(item)
    return ""


def step_limit(item: AssistanceItem, status: str) -> int | None:
    """Working days allowed for the step that starts at `status`."""
    return {
        Status.SUBMITTED: item.accept_days,
        Status.ACCEPTED: item.investigation_days,
        Status.CHECKING: item.check_days,
        Status.OPINION: item.opinion_days,
        Status.DECISION: item.decision_days,
        Status.APPROVED: item.notify_days,
        Status.REJECTED: item.notify_days,
    }.get(status)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Due:
    due: dt.date | None
    provisional: bool = False


def step_due(item: AssistanceItem, status: str, start: dt.date) -> Due:
    days = step_limit(item, status)
    if not days:
        # 0 in the catalogue: the step has no limit of its own (特困's 15 days cover investigation and
        # opinion together), only the total applies.
        return Due(None)
    d = deadline(start, days)
    return Due(d.due, d.provisional)


def item_days(item: AssistanceItem, field: str, *, on: dt.date, county_code: str) -> int:
    """A limit of the item; left empty in the catalogue, the dated parameter of policy.ITEM_PARAMETERS."""
    value = getattr(local_item(item, county_code, on), field)
    if value is not None:
        return int(value)
    return policy.parameter_int(policy.ITEM_PARAMETERS[field], on=on, region=county_code)


def total_due(item: AssistanceItem, *, accepted_on: dt.date, county_code: str, extended: bool) -> dt.date:
    item = local_item(item, county_code, accepted_on)
    if extended:
        days = item.total_days_extended
    elif decide_level(item, county_code) == Level.TOWNSHIP and item.decide_level == Level.COUNTY:
        days = item.total_days_delegated
    else:
        days = item_days(item, "total_days", on=accepted_on, county_code=county_code)
    return add_working_days(accepted_on, days)


def notice_period(item: AssistanceItem, start: dt.date, *, county_code: str) -> tuple[dt.date, dt.date]:
    """公示 "N天" (C2; 民法典 arts. 201, 203): the day it goes up is not counted, it stays up to the end of
    the N-th calendar day after, moved to the next working day if that day is a holiday or rest day.
    N is the item's `notice_days`, or `publicity.days` in force on the day it goes up."""
    days = item_days(item, "notice_days", on=start, county_code=county_code)
    return start, period_end(start, max(days, 1))


def may_act(user: Any, level: str, *, department_id: int | None) -> bool:
    """Whether the user's role is the level that acts (a department window only on its own items)."""
    mine = user_level(user)
    if not level or not mine:
        return False
    if level == Level.DEPARTMENT:
        return mine == Level.DEPARTMENT and getattr(user, "department_id", None) == department_id
    return mine == level
