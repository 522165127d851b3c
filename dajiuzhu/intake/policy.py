"""The dated policy parameters the workflow reads (publicity period, time limits, review cycles), all
through the one parameter tree (dajiuzhu.parameters) at the date and county of the step. A missing
value is an error naming the parameter, never a number made up here."""

from __future__ import annotations

import datetime as dt

from dajiuzhu.core.errors import ValidationFailed

# A catalogue field left empty takes the dated parameter instead (policy-spec C2, R1.13).
ITEM_PARAMETERS = {
    "notice_days": "publicity.days",
    "total_days": "deadline.dibao_total_working_days",
}
REVIEW_STABLE = "dibao.review_months.stable"
REVIEW_UNSTABLE = "dibao.review_months.unstable"
REVIEW_TEKUN = "tekun.review_months"
RECHECK_AFTER_DEATH = "dibao.recheck_months_after_death"
TAPER_MONTHS_MAX = "dibao.taper_months_max"


def parameter_int(name: str, *, on: dt.date, region: str) -> int:
    """A whole-number parameter (days, months) in force for the region on the date."""
    from dajiuzhu.parameters.selectors import parameter_tree
    from dajiuzhu.rules.parameters import ParameterError

    try:
        raw = parameter_tree().value(name, on=on, region=region)
    except ParameterError as exc:
        raise ValidationFailed.single("政策参数", str(exc)) from exc
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValidationFailed.single(
            "政策参数", f"参数 {name} 在 {on.isoformat()} 的取值“{raw}”应为非负整数"
        )
    return raw


def review_months(*, on: dt.date, region: str, programme: str = "") -> dict[str, int]:
    """The review cycles an approval may choose from: for 低保 the two of R1.14 ({"stable": 12,
    "unstable": 6} by default); for 特困 the one annual review of R2.11 ({"tekun": 12})."""
    if programme == "tekun":
        return {"tekun": parameter_int(REVIEW_TEKUN, on=on, region=region)}
    return {
        "stable": parameter_int(REVIEW_STABLE, on=on, region=region),
        "unstable": parameter_int(REVIEW_UNSTABLE, on=on, region=region),
    }
