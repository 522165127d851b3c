"""From the registry to the engine's input tables, vectorised, for one household or a whole county.

The instant check and the batch run use this same code (the instant check on a one-household
selection), so they cannot disagree about what a household's income or age is.

Reads go straight to SQL: PostgreSQL streams each table with COPY … TO STDOUT into Polars, SQLite
fetches rows. Incomes and expenditures are prorated into the look-back window by days, in integer fen:
a record's share is amount × overlap_days ÷ period_days and the monthly figure the sum ÷ months, each
rounded half up to the fen (policy-spec C1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from dajiuzhu.core.frames import read_frame
from dajiuzhu.rules.expr import COLUMN_LABELS
from dajiuzhu.rules.inputs import (
    CODES,
    EXCLUDED_INCOME_COLUMNS,
    EXPENDITURE_COLUMNS,
    INCOME_COLUMNS,
    LOCAL_EXCLUDABLE,
    VEHICLE_COLUMNS,
    household_defaults,
    person_defaults,
    polars_schemas,
)
from dajiuzhu.rules.supporters import polars_schema as supporter_schema

PERSON_SCHEMA, HOUSEHOLD_SCHEMA = polars_schemas()
SMALL = 1000  # households: below this a plan runs on Polars' in-memory engine
FINANCIAL_ASSETS = ("deposit", "securities", "insurance")


@dataclass(frozen=True)
class Window:
    """The look-back window: the `months` whole calendar months before the assessment month."""

    on: dt.date
    months: int

    @property
    def start(self) -> dt.date:
        index = self.on.year * 12 + self.on.month - 1 - self.months
        return dt.date(index // 12, index % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        return self.on.replace(day=1) - dt.timedelta(days=1)


@dataclass
class Frames:
    households: pl.DataFrame  # engine household columns + region, township_code, village_code, number
    persons: pl.DataFrame  # engine person columns + name
    combos: list[tuple[str, str]]  # (county code, residence) parameter sets needed
    problems: pl.DataFrame  # household_id, problem (Chinese): households left out of the run
    # statutory supporters living elsewhere: rules.supporters.SUPPORTER_COLUMNS (no param_key) + name,
    # relation; rules.supporters.with_outside_supporters_polars turns them into external_supporter_able
    supporters: pl.DataFrame = field(default_factory=lambda: empty_supporters())


def _scope_sql(area_column: str | None) -> str:
    return f"AND a.{area_column} = %s" if area_column else ""


def fen_sql(column: str) -> str:
    # Decimal yuan → integer fen in SQL, exact on both databases (amounts have two decimals).
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


def load_frames(
    *,
    on: dt.date,
    lookback_months: int,
    area_column: str | None = None,
    area_code: str | None = None,
    household_ids: list[int] | None = None,
    local_excluded: Callable[[str], frozenset[str]] | None = None,
) -> Frames:
    """Engine inputs for the active households under one area (or the given households).
    `local_excluded(county_code)` gives the local excluded-income items in force (income.excluded_local);
    without it every local item is counted as other income."""
    window = Window(on, lookback_months)
    where = ["h.is_active"]
    params: list[Any] = []
    if area_column:
        where.append(f"a.{area_column} = %s")
        params.append(area_code)
    if household_ids is not None:
        where.append(f"h.id IN ({', '.join(['%s'] * len(household_ids))})" if household_ids else "1 = 0")
        params.extend(household_ids)
    scope = " AND ".join(where)
    # Only fixed SQL and %s placeholders are joined into the statements below (ruff S608 is a false alarm).
    hh_from = f"FROM registry_household h JOIN areas_area a ON a.code = h.area_id WHERE {scope}"

    households = read_frame(
        f"SELECT h.id, h.number, h.residence_type, a.county_code, a.township_code, a.village_code {hh_from}",
        params,
        {"household_id": pl.Int64, "number": pl.Utf8, "residence": pl.Utf8, "region": pl.Utf8,
         "township_code": pl.Utf8, "village_code": pl.Utf8},
    )  # fmt: skip
    # Names are shown by the instant check only; a batch does not carry 3 million strings for nothing.
    name_column = "p.name" if household_ids is not None else "''"
    persons = read_frame(
        f"SELECT p.id, p.household_id, {name_column}, p.sex, CAST(p.birth_date AS TEXT), p.disability_type, "
        "COALESCE(p.disability_grade, 0), p.adl_eating, p.adl_dressing, p.adl_transfer, p.adl_toileting, "
        "p.adl_walking, p.adl_bathing, p.labour_capacity, p.school_stage, p.serious_illness, p.relation "
        f"FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
        f"JOIN areas_area a ON a.code = h.area_id WHERE {scope} AND NOT p.is_deceased",
        params,
        {"person_id": pl.Int64, "household_id": pl.Int64, "name": pl.Utf8, "sex": pl.Utf8, "birth_date": pl.Date,
         "disability_type": pl.Utf8, "disability_grade": pl.Int64, "adl_eating": pl.Boolean,
         "adl_dressing": pl.Boolean, "adl_transfer": pl.Boolean, "adl_toileting": pl.Boolean,
         "adl_walking": pl.Boolean, "adl_bathing": pl.Boolean, "labour_capacity": pl.Utf8,
         "school_stage": pl.Utf8, "serious_illness": pl.Boolean, "relation": pl.Utf8},
    )  # fmt: skip
    # Incomes and expenditures have the same shape: (household, person or none, kind, amount, period).
    period_params = [*params, window.end.isoformat(), window.start.isoformat()]
    period_schema = {"household_id": pl.Int64, "person_id": pl.Int64, "kind": pl.Utf8, "amount_fen": pl.Int64,
                     "start": pl.Date, "end": pl.Date}  # fmt: skip
    incomes, spending = (
        read_frame(
            f"SELECT r.household_id, r.person_id, r.{kind}, {fen_sql('r.amount')}, "
            "CAST(r.period_start AS TEXT), CAST(r.period_end AS TEXT) "
            f"FROM {table} r JOIN registry_household h ON h.id = r.household_id "
            f"JOIN areas_area a ON a.code = h.area_id WHERE {scope} AND r.period_start <= %s AND r.period_end >= %s",
            period_params,
            period_schema,
        )
        for table, kind in (("registry_income", "income_type"), ("registry_expenditure", "kind"))
    )
    assets = read_frame(
        f"SELECT s.household_id, s.asset_type, {fen_sql('s.value')}, s.exempt, s.vehicle_kind "
        f"FROM registry_asset s JOIN registry_household h ON h.id = s.household_id "
        f"JOIN areas_area a ON a.code = h.area_id WHERE {scope}",
        params,
        {"household_id": pl.Int64, "kind": pl.Utf8, "value_fen": pl.Int64, "exempt": pl.Boolean,
         "vehicle_kind": pl.Utf8},
    )  # fmt: skip
    verified = _verified(scope, params, window)
    tekun_recipients = _tekun_recipients(scope, params, on)
    frames = assemble(
        households, persons, incomes, spending, assets, window, verified=verified,
        tekun_recipients=tekun_recipients, local_excluded=local_excluded,
    )  # fmt: skip
    frames.supporters = _outside_supporters(scope, params, on, frames.households)
    return frames


SUPPORTER_SCHEMA = supporter_schema()


def empty_supporters() -> pl.DataFrame:
    schema = {k: v for k, v in SUPPORTER_SCHEMA.items() if k != "param_key"}
    return pl.DataFrame(schema={**schema, "name": pl.Utf8, "relation": pl.Utf8})


def _outside_supporters(scope: str, params: list[Any], on: dt.date, households: pl.DataFrame) -> pl.DataFrame:
    """The registry's statutory supporters living elsewhere (registry.OutsideSupporter) of the households
    assessed, as engine rows: age on the assessment date (R10.6), money in fen, coded columns as Enum."""
    # Only fixed SQL and %s placeholders are joined in (ruff S608 is a false alarm).
    raw = read_frame(
        "SELECT s.id, s.household_id, s.name, s.relation, CAST(s.birth_date AS TEXT), s.is_tekun, "
        f"s.dibao_recipient, {fen_sql('s.monthly_income')}, {fen_sql('s.financial_assets')}, s.household_size, "
        "s.disability_type, COALESCE(s.disability_grade, 0), s.status FROM registry_outsidesupporter s "
        f"JOIN registry_household h ON h.id = s.household_id JOIN areas_area a ON a.code = h.area_id WHERE {scope}",
        params,
        {"person_id": pl.Int64, "household_id": pl.Int64, "name": pl.Utf8, "relation": pl.Utf8,
         "birth_date": pl.Date, "is_tekun": pl.Boolean, "dibao_recipient": pl.Boolean, "income_fen": pl.Int64,
         "financial_assets_fen": pl.Int64, "household_size": pl.Int64, "disability_type": pl.Utf8,
         "disability_grade": pl.Int64, "incapacity": pl.Utf8},
    )  # fmt: skip
    by = pl.col("birth_date")
    before_birthday = (pl.lit(on.month) < by.dt.month()) | (
        (pl.lit(on.month) == by.dt.month()) & (pl.lit(on.day) < by.dt.day())
    )
    age = pl.lit(on.year) - by.dt.year().cast(pl.Int64) - before_birthday.cast(pl.Int64)
    out = raw.filter(pl.col("household_id").is_in(households["household_id"].implode())).with_columns(
        age.alias("age")
    )
    schema = empty_supporters().schema
    return out.select([pl.col(n).cast(t) for n, t in schema.items()]).sort("household_id", "person_id")


def _tekun_recipients(scope: str, params: list[Any], on: dt.date) -> pl.DataFrame:
    """person_id of every member in scope with a running 特困 entitlement on the assessment date: an
    existing recipient keeps support after 18 while at school (R2.5)."""
    from dajiuzhu.benefits.models import RUNNING

    # Only fixed SQL and %s placeholders are joined in (ruff S608 is a false alarm).
    return read_frame(
        "SELECT DISTINCT e.beneficiary_id FROM benefits_entitlement e "
        "JOIN intake_assistanceitem i ON i.id = e.item_id JOIN registry_household h ON h.id = e.household_id "
        f"JOIN areas_area a ON a.code = h.area_id WHERE {scope} AND i.programme = %s "
        f"AND e.status IN ({', '.join(['%s'] * len(RUNNING))}) AND e.start_month <= %s "
        "AND (e.end_month IS NULL OR e.end_month > %s)",
        [*params, "tekun", *RUNNING, on.isoformat(), on.isoformat()],
        {"person_id": pl.Int64},
    )


VERIFIED_SCHEMA = {"household_id": pl.Int64, "v_financial_fen": pl.Int64, "v_vehicles": pl.Int64,
                   "v_dwellings": pl.Int64, "v_business": pl.Boolean}  # fmt: skip


def _verified(scope: str, params: list[Any], window: Window) -> pl.DataFrame:
    """What the latest verification report (R7.4) of each household in scope found, if it was made in the
    assessment window: financial assets, vehicles, dwellings, businesses. The engine takes the larger of
    this and the registry, so an asset the agencies report counts even if nobody typed it in.

    Reports exist for applicants only (thousands, not millions), so reading their JSON here is cheap."""
    import json

    from dajiuzhu.verification.models import RequestStatus

    # Only fixed SQL and %s placeholders are joined in (ruff S608 is a false alarm).
    rows = read_frame(
        "SELECT v.household_id, CAST(v.report AS TEXT) FROM verification_verificationrequest v "
        "JOIN registry_household h ON h.id = v.household_id JOIN areas_area a ON a.code = h.area_id "
        f"WHERE {scope} AND v.status = %s AND v.created_at >= %s AND v.created_at < %s ORDER BY v.created_at, v.id",
        [
            *params,
            RequestStatus.DONE,
            window.start.isoformat(),
            (window.on + dt.timedelta(days=1)).isoformat(),
        ],
        {"household_id": pl.Int64, "report": pl.Utf8},
    )
    latest: dict[int, dict[str, Any]] = {}
    for household_id, text in rows.iter_rows():
        latest[household_id] = (json.loads(text) or {}).get("summary") or {}
    return pl.DataFrame(
        [
            (hid, int(s.get("financial_assets_fen", 0)), int(s.get("vehicle_count", 0)),
             int(s.get("dwelling_count", 0)), int(s.get("business_count", 0)) > 0)
            for hid, s in latest.items()
        ],
        schema=VERIFIED_SCHEMA, orient="row",
    )  # fmt: skip


def _prorate(records: pl.LazyFrame, window: Window, heads: pl.LazyFrame) -> pl.LazyFrame:
    """Each record's share of the window, attributed to its person (household-level records to the head)."""
    start, end = pl.lit(window.start), pl.lit(window.end)
    overlap = (
        pl.min_horizontal(pl.col("end"), end) - pl.max_horizontal(pl.col("start"), start)
    ).dt.total_days() + 1
    length = (pl.col("end") - pl.col("start")).dt.total_days() + 1
    return (
        records.join(heads, on="household_id", how="left")
        .with_columns(
            pl.coalesce("person_id", "head_id").alias("person_id"),
            # amount × overlap ÷ length, half up to the fen (C1)
            (
                (pl.col("amount_fen") * pl.max_horizontal(overlap, 0) * 2 + pl.max_horizontal(length, 1))
                // (pl.max_horizontal(length, 1) * 2)
            ).alias("share"),
        )
        .filter(pl.col("person_id").is_not_null())
    )


def _monthly(shares: pl.LazyFrame, kinds: dict[str, str], months: int) -> pl.LazyFrame:
    """Per person, one column per kind: the prorated total over the window ÷ months, half up (C1)."""
    return shares.group_by("person_id").agg(
        [
            ((pl.col("share").filter(pl.col("kind") == kind).sum() * 2 + months) // (2 * months)).alias(name)
            for kind, name in kinds.items()
        ]
    )


LOCAL_KIND = "local_excluded"


def _local_kinds(
    incomes: pl.DataFrame, households: pl.DataFrame, listed: Callable[[str], frozenset[str]] | None
):
    """Incomes with each local excludable item (LOCAL_EXCLUDABLE) as LOCAL_KIND where income.excluded_local
    lists it for the household's county on the date, as "other" (counted) where it does not."""
    local = incomes.filter(pl.col("kind").is_in(list(LOCAL_EXCLUDABLE)))
    if not local.height:
        return incomes
    pairs = [
        (region, code)
        for region in households.get_column("region").unique().to_list()
        for code in (listed(region) if listed else frozenset())
    ]
    lookup = pl.DataFrame(pairs, schema={"region": pl.Utf8, "kind": pl.Utf8}, orient="row").with_columns(
        pl.lit(True).alias("listed")
    )
    regions = households.select("household_id", "region")
    return (
        incomes.join(regions, on="household_id", how="left")
        .join(lookup, on=["region", "kind"], how="left")
        .with_columns(
            pl.when(pl.col("listed").fill_null(False))
            .then(pl.lit(LOCAL_KIND))
            .when(pl.col("kind").is_in(list(LOCAL_EXCLUDABLE)))
            .then(pl.lit("other"))
            .otherwise(pl.col("kind"))
            .alias("kind")
        )
        .select(incomes.columns)
    )


def assemble(
    households: pl.DataFrame,
    persons: pl.DataFrame,
    incomes: pl.DataFrame,
    spending: pl.DataFrame,
    assets: pl.DataFrame,
    window: Window,
    *,
    verified: pl.DataFrame | None = None,
    tekun_recipients: pl.DataFrame | None = None,
    local_excluded: Callable[[str], frozenset[str]] | None = None,
) -> Frames:
    """One lazy Polars plan from the raw rows to the engine's two tables, collected once."""
    on = window.on
    # Ages (R10.6): full years on the assessment date; the birthday-this-month code lets the engine
    # apply age.start_rule to age-tied payments (rules.case.birthday_this_month is the same computation).
    month_start = on.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    problem_frame = pl.concat(
        [
            persons.filter(pl.col("birth_date") > pl.lit(on)).select(
                "household_id", pl.lit("成员出生日期晚于评估日期").alias("problem")
            ),
            _invalid_codes(persons, pl.format("成员（编号{}）", pl.col("person_id"))),
            _invalid_codes(households, pl.lit("家庭")),
        ]
    ).unique("household_id", keep="first", maintain_order=True)
    pp = persons.lazy()
    # The head receives household-level records; a household without a head gives them to its first member.
    heads = (
        pp.with_columns((pl.col("relation") == "head").alias("is_head"))
        .sort(["household_id", "is_head", "person_id"], descending=[False, True, False])
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("person_id").first().alias("head_id"))
    )
    months = window.months
    income_kinds = {**INCOME_COLUMNS, **EXCLUDED_INCOME_COLUMNS, LOCAL_KIND: "excluded_local_fen"}
    incomes = _local_kinds(incomes, households, local_excluded)
    income_monthly = _monthly(_prorate(incomes.lazy(), window, heads), income_kinds, months)
    spend_shares = _prorate(spending.lazy(), window, heads)
    spend_monthly = _monthly(spend_shares, EXPENDITURE_COLUMNS, months)
    medical_year = spend_shares.group_by("person_id").agg(
        pl.col("share").filter(pl.col("kind") == "medical").sum().alias("medical_oop_year_fen")
    )
    defaults = person_defaults()
    by = pl.col("birth_date")

    def age_at(ref: dt.date) -> pl.Expr:
        before_birthday = (pl.lit(ref.month) < by.dt.month()) | (
            (pl.lit(ref.month) == by.dt.month()) & (pl.lit(ref.day) < by.dt.day())
        )
        return pl.lit(ref.year) - by.dt.year().cast(pl.Int64) - before_birthday.cast(pl.Int64)

    age = age_at(on)
    birthday_code = (
        pl.when(age > age_at(month_start - dt.timedelta(days=1)))
        .then(1)
        .when(age_at(month_end) > age)
        .then(2)
        .otherwise(0)
    )
    adl = ["adl_eating", "adl_dressing", "adl_transfer", "adl_toileting", "adl_walking", "adl_bathing"]
    money = [*income_kinds.values(), *EXPENDITURE_COLUMNS.values(), "medical_oop_year_fen"]
    p = (
        pp.join(income_monthly, on="person_id", how="left")
        .join(spend_monthly, on="person_id", how="left")
        .join(medical_year, on="person_id", how="left")
        .with_columns(
            age.cast(pl.Int64).alias("age"),
            birthday_code.cast(pl.Int64).alias("birthday_this_month"),
            (
                pl.col("person_id").is_in(tekun_recipients["person_id"].implode())
                if tekun_recipients is not None and tekun_recipients.height
                else pl.lit(False)
            ).alias("tekun_current"),
            pl.sum_horizontal([(~pl.col(c)).cast(pl.Int64) for c in adl]).alias("adl_fails"),
            (pl.col("school_stage") != "").alias("is_student"),
            *[pl.col(c).fill_null(0).cast(pl.Int64) for c in money],
        )
    )
    p = p.with_columns(
        [
            pl.lit(defaults.get(n, 0), dtype=t).alias(n)
            for n, t in PERSON_SCHEMA.items()
            if n not in p.collect_schema()
        ]
    )
    ll = assets.lazy()
    if "vehicle_kind" not in assets.columns:
        ll = ll.with_columns(pl.lit("").alias("vehicle_kind"))
    # Each vehicle not marked exempt by its kind (one of no recorded kind as a private car, R1.11).
    vehicle_kind = (
        pl.when(pl.col("vehicle_kind").is_in(list(VEHICLE_COLUMNS)))
        .then(pl.col("vehicle_kind"))
        .otherwise(pl.lit("private"))
    )
    counted_vehicle = (pl.col("kind") == "vehicle") & ~pl.col("exempt")
    vehicle_aggs = [
        agg
        for kind, (count_col, value_col) in VEHICLE_COLUMNS.items()
        for agg in (
            (counted_vehicle & (vehicle_kind == kind)).sum().cast(pl.Int64).alias(count_col),
            pl.col("value_fen").filter(counted_vehicle & (vehicle_kind == kind)).max().alias(value_col),
        )
    ]
    asset_agg = ll.group_by("household_id").agg(
        pl.col("value_fen").filter(pl.col("kind").is_in(FINANCIAL_ASSETS) & ~pl.col("exempt")).sum()
        .alias("financial_assets_fen"),
        *vehicle_aggs,
        (pl.col("kind") == "real_estate").sum().cast(pl.Int64).alias("dwellings"),
        (pl.col("kind") == "business").any().alias("has_business"),
    )  # fmt: skip
    h = (
        households.lazy()
        .join(asset_agg, on="household_id", how="left")
        .with_columns(
            pl.col("financial_assets_fen").fill_null(0).cast(pl.Int64),
            *[pl.col(c).fill_null(0).cast(pl.Int64) for cols in VEHICLE_COLUMNS.values() for c in cols],
            pl.col("dwellings").fill_null(0).cast(pl.Int64),
            pl.col("has_business").fill_null(False),
        )
    )
    if verified is not None and verified.height:
        h = (
            h.join(verified.lazy(), on="household_id", how="left")
            .with_columns(
                pl.max_horizontal("financial_assets_fen", pl.col("v_financial_fen").fill_null(0)).alias(
                    "financial_assets_fen"
                ),
                pl.max_horizontal("vehicles", pl.col("v_vehicles").fill_null(0)).alias("vehicles"),
                pl.max_horizontal("dwellings", pl.col("v_dwellings").fill_null(0)).alias("dwellings"),
                (pl.col("has_business") | pl.col("v_business").fill_null(False)).alias("has_business"),
            )
            .drop("v_financial_fen", "v_vehicles", "v_dwellings", "v_business")
        )
    hdefaults = household_defaults()
    h = h.with_columns(
        [
            pl.lit(hdefaults.get(n, 0), dtype=t).alias(n)
            for n, t in HOUSEHOLD_SCHEMA.items()
            if n not in h.collect_schema()
        ]
    )
    if problem_frame.height:
        bad = problem_frame.lazy()
        h = h.join(bad, on="household_id", how="anti")
        p = p.join(bad, on="household_id", how="anti")
    # The streaming engine pays off on a county; for the instant check's one household the in-memory
    # engine starts faster (half the check's time went into plan start-up).
    engine: Literal["in-memory", "auto"] = "in-memory" if households.height < SMALL else "auto"
    # Coded columns as the engine's Enum types (the households with a value outside a list are out).
    h_out, p_out = pl.collect_all([
        h.select(*[pl.col(n).cast(t) for n, t in HOUSEHOLD_SCHEMA.items()], "region", "number", "township_code",
                 "village_code"),
        p.select(*[pl.col(n).cast(t) for n, t in PERSON_SCHEMA.items()], "name"),
    ], engine=engine)  # fmt: skip
    combos = sorted({(r, s) for r, s in h_out.select("region", "residence").unique().iter_rows()})
    return Frames(households=h_out, persons=p_out, combos=combos, problems=problem_frame)


def _invalid_codes(frame: pl.DataFrame, who: pl.Expr) -> pl.DataFrame:
    """household_id and a Chinese problem for every row with a coded value outside its list (CODES)."""
    parts = [
        frame.filter(~pl.col(name).is_in(codes)).select(
            "household_id",
            pl.format(f"{{}}的{COLUMN_LABELS[name]}代码“{{}}”不在代码表中（应为{'、'.join(c or '空' for c in codes)}）",
                      who, pl.col(name)).alias("problem"),
        )
        for name, codes in CODES.items()
        if name in frame.columns
    ]  # fmt: skip
    return pl.concat(parts) if parts else pl.DataFrame(schema={"household_id": pl.Int64, "problem": pl.Utf8})


def attach_param_keys(frames: Frames, keys: dict[tuple[str, str], int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Give every row the param_key of its (county, urban/rural) parameter set."""
    lookup = pl.DataFrame(
        [(r, s, k) for (r, s), k in keys.items()],
        schema={"region": pl.Utf8, "residence": HOUSEHOLD_SCHEMA["residence"], "k": pl.Int64},
        orient="row",
    )  # fmt: skip
    # Sorted by household (the joins do not keep any order): the engine then finds each household's
    # members as one run of rows and takes its segmented path, no group-by or join between levels.
    h = (
        frames.households.join(lookup, on=["region", "residence"], how="inner")
        .with_columns(pl.col("k").alias("param_key"))
        .drop("k")
        .sort("household_id")
    )
    p = (
        frames.persons.drop("param_key")
        .sort("household_id")
        .join(h.select("household_id", "param_key"), on="household_id", how="inner", maintain_order="left")
    )
    return h, p
