"""The warning rules (R8.4) as Polars expressions over a whole delivery: no Python row loop.

Each rule takes the matched rows of its feed (feed columns + the person's registry columns + the
household's categories + the thresholds of the household's county, one column each) and returns the
candidate alerts in one shape: rule, household_id, person_id, cause_key, signal (JSON text), event_on.
The cause key names the event (a year of medical bills, a card, a registration), so a cause reported
again finds its alert already there.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from dajiuzhu.monitoring.models import ASSISTED_MASK

CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "rule": pl.Utf8(),
    "household_id": pl.Int64(),
    "person_id": pl.Int64(),
    "cause_key": pl.Utf8(),
    "signal": pl.Utf8(),
    "event_on": pl.Date(),
}
EARNING = ("employed", "flexible", "farming")
Rule = Callable[[pl.LazyFrame, pl.LazyFrame], pl.LazyFrame]
MENTAL = ("intellectual", "mental")
# The source contracts (policy/sources) use the providers' Chinese values; the registry and the
# thresholds use codes.
DISABILITY_CODES = {"视力": "visual", "听力": "hearing", "言语": "speech", "肢体": "physical", "智力": "intellectual",
                    "精神": "mental", "多重": "multiple"}  # fmt: skip
STAGE_CODES = {"学前": "preschool", "小学": "primary", "初中": "junior", "高中": "senior", "中职": "vocational",
               "高职": "college", "本科": "bachelor", "研究生": "graduate"}  # fmt: skip


def _out(
    frame: pl.LazyFrame, rule: str, cause: pl.Expr, signal: dict[str, pl.Expr], event: pl.Expr
) -> pl.LazyFrame:
    return frame.select(
        pl.lit(rule).alias("rule"),
        pl.col("household_id").cast(pl.Int64),
        pl.col("person_id").cast(pl.Int64),
        cause.alias("cause_key"),
        pl.struct([e.alias(k) for k, e in signal.items()]).struct.json_encode().alias("signal"),
        event.alias("event_on"),
    )


def _pid(*parts: pl.Expr | str) -> pl.Expr:
    exprs = [pl.lit("P"), pl.col("person_id").cast(pl.Utf8)]
    for part in parts:
        exprs += [pl.lit(":"), pl.lit(part) if isinstance(part, str) else part.cast(pl.Utf8)]
    return pl.concat_str(exprs)


def low_income() -> pl.Expr:
    return pl.col("category_mask") > 0


def w_med(df: pl.LazyFrame, th: pl.LazyFrame) -> pl.LazyFrame:
    """Annual out-of-pocket medical cost of a person (summed over the delivery's settlements of one
    calendar year) ≥ warn.med_oop_min, or ≥ warn.med_oop_ratio_permille ‰ of the household's income of
    the last 12 months (integer arithmetic: cost × 1000 ≥ income × permille)."""
    year = pl.col("settled_on").dt.year()
    per_year = (
        df.group_by("person_id", "household_id", "county_code", "income_year_fen", year.alias("year"))
        .agg(
            pl.col("out_of_pocket_yuan_fen").sum().alias("total_fen"),
            pl.len().alias("bills"),
            pl.col("settled_on").max(),
        )
        .join(
            th.select("county_code", "med_oop_min_fen", "med_oop_ratio_permille", "on_W_MED"),
            on="county_code",
        )
    )
    ratio_hit = (pl.col("income_year_fen") > 0) & (
        pl.col("total_fen") * 1000 >= pl.col("income_year_fen") * pl.col("med_oop_ratio_permille")
    )
    hits = per_year.filter(
        pl.col("on_W_MED") & ((pl.col("total_fen") >= pl.col("med_oop_min_fen")) | ratio_hit)
    )
    return _out(
        hits, "W_MED", _pid(pl.col("year")),
        {"year": pl.col("year"), "self_pay_fen": pl.col("total_fen"), "bills": pl.col("bills"),
         "threshold_fen": pl.col("med_oop_min_fen"), "income_year_fen": pl.col("income_year_fen"),
         "ratio_permille": pl.col("med_oop_ratio_permille")},
        pl.col("settled_on"),
    )  # fmt: skip


def w_disab(frame: pl.LazyFrame, th: pl.LazyFrame) -> pl.LazyFrame:
    """A disability card of grade 1–2 (or up to grade 3 intellectual/mental), more severe than what
    the registry already records for the person."""
    df = frame.join(th, on="county_code")
    grade, kind = pl.col("grade"), pl.col("disability_type").replace(DISABILITY_CODES)
    severe = (grade <= pl.col("disab_grade_max")) | (
        kind.is_in(MENTAL) & (grade <= pl.col("disab_mental_grade_max"))
    )
    recorded = pl.col("reg_disability_grade")
    new = (recorded == 0) | (grade < recorded) | (pl.col("reg_disability_type") != kind)
    hits = df.filter(pl.col("on_W_DISAB") & severe & new)
    return _out(
        hits, "W_DISAB", _pid(kind, grade),
        {"disability_type": kind, "grade": grade, "card_no": pl.col("record_id"),
         "recorded_grade": recorded},
        pl.col("issued_on"),
    )  # fmt: skip


def w_unemp(frame: pl.LazyFrame, th: pl.LazyFrame) -> pl.LazyFrame:
    """Unemployment registration of the household's main earner: the head, or the only member who works."""
    df = frame.join(th, on="county_code")
    main = (pl.col("relation") == "head") | (pl.col("employment").is_in(EARNING) & (pl.col("earners") <= 1))
    hits = df.filter(pl.col("on_W_UNEMP") & main & (pl.col("status") == "失业"))
    return _out(
        hits, "W_UNEMP", _pid(pl.col("registered_on")),
        {"registered_on": pl.col("registered_on").cast(pl.Utf8), "relation": pl.col("relation"),
         "earners": pl.col("earners")},
        pl.col("registered_on"),
    )  # fmt: skip


def w_death(frame: pl.LazyFrame, th: pl.LazyFrame) -> pl.LazyFrame:
    """Death of a member of a low-income household: the household is re-checked within
    dibao.recheck_months_after_death months (3, R1.14; intake.dynamic.deaths_recheck)."""
    df = frame.join(th, on="county_code")
    hits = df.filter(pl.col("on_W_DEATH") & low_income())
    return _out(
        hits, "W_DEATH", _pid(),
        {"died_on": pl.col("died_on").cast(pl.Utf8), "categories": pl.col("category_mask")},
        pl.col("died_on"),
    )  # fmt: skip


def w_school(frame: pl.LazyFrame, th: pl.LazyFrame) -> pl.LazyFrame:
    """Enrolment in senior high school or college (warn.school_stages) of a low-income household's child."""
    df = frame.join(th, on="county_code")
    df = df.with_columns(pl.col("stage").replace(STAGE_CODES))
    stage_hit = pl.col("school_stages").list.contains(pl.col("stage"))
    hits = df.filter(pl.col("on_W_SCHOOL") & low_income() & stage_hit)
    return _out(
        hits, "W_SCHOOL", _pid(pl.col("stage"), pl.col("school_year_start").dt.year()),
        {"stage": pl.col("stage"), "enrolled_on": pl.col("school_year_start").cast(pl.Utf8)},
        pl.col("school_year_start"),
    )  # fmt: skip


def _asset(
    source: str, value_col: str | None, min_col: str | None, active: tuple[str, ...] | None = None
) -> Rule:
    def rule(frame: pl.LazyFrame, th: pl.LazyFrame) -> pl.LazyFrame:
        """New registration (real estate, vehicle, market entity) in a household receiving 低保/特困."""
        df = frame.join(th, on="county_code")
        cond = pl.col("on_W_ASSET") & ((pl.col("category_mask") & ASSISTED_MASK) > 0)
        if active:  # the contract's active statuses (a cancelled registration is no new asset)
            cond = cond & pl.col("status").is_in(list(active))
        if value_col and min_col:
            cond = cond & (pl.col(value_col).fill_null(0) >= pl.col(min_col))
        hits = df.filter(cond)
        signal = {"source": pl.lit(source), "registration_no": pl.col("record_id"),
                  "registered_on": pl.col("registered_on").cast(pl.Utf8)}  # fmt: skip
        if value_col:
            signal["value_fen"] = pl.col(value_col)
        cause = pl.concat_str([pl.lit(source + ":"), pl.col("record_id")])
        return _out(hits, "W_ASSET", cause, signal, pl.col("registered_on"))

    return rule


def w_event(frame: pl.LazyFrame, th: pl.LazyFrame) -> pl.LazyFrame:
    """A disaster of severity ≥ warn.disaster_severity_min in the area: every low-income household under it."""
    df = frame.join(th, on="county_code")
    hits = df.filter(
        pl.col("on_W_EVENT") & low_income() & (pl.col("severity") >= pl.col("disaster_severity_min"))
    )
    return _out(
        hits.with_columns(pl.lit(None, dtype=pl.Int64).alias("person_id")), "W_EVENT",
        pl.concat_str([pl.lit("E:"), pl.col("event_no")]),
        {"event_no": pl.col("event_no"), "area_code": pl.col("area_code"), "severity": pl.col("severity"),
         "event_on": pl.col("event_on").cast(pl.Utf8), "description": pl.col("description")},
        pl.col("event_on"),
    )  # fmt: skip


# Which rule functions read which source (rules.yaml says the same, for people).
SOURCE_RULES: dict[str, list[Rule]] = {
    "MEDICAL_SETTLEMENT": [w_med],
    "DISABILITY_CARD": [w_disab],
    "UNEMPLOYMENT": [w_unemp],
    "DEATH_FUNERAL": [w_death],
    "STUDENT_AID": [w_school],
    "REAL_ESTATE": [_asset("REAL_ESTATE", None, None)],
    "VEHICLE": [_asset("VEHICLE", "value_yuan_fen", "vehicle_value_min_fen", ("正常",))],
    "MARKET_ENTITY": [_asset("MARKET_ENTITY", "capital_yuan_fen", "capital_min_fen", ("存续",))],
    "DISASTER": [w_event],
}


def evaluate(source: str, df: pl.LazyFrame, thresholds: pl.LazyFrame) -> pl.LazyFrame:
    """All candidate alerts of a delivery (before de-duplication against alerts already raised).
    `thresholds`: one row per county (policy.thresholds_frame); each rule joins what it needs."""
    parts = [fn(df, thresholds) for fn in SOURCE_RULES.get(source, [])]
    if not parts:
        return pl.LazyFrame(schema=CANDIDATE_SCHEMA)
    return pl.concat(parts, how="vertical_relaxed")
