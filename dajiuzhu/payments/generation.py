"""Building a county's monthly roll as one Polars computation (no Python loop over payments).

For the roll month M and the county's first roll month L (months before L were paid by whatever
system the county had before):

- every entitlement month in [max(start, L), min(end, M+1)) with its amount from the amount rows
  (the newest row from on or before the month) is owed; M itself is a *regular* line, an earlier month
  an *arrears* (补发) line;
- a month already on a live line (pending, sent, paid) is not owed again; a month whose last line failed
  is owed again only once the failure is resolved (the account fixed); a held line is re-examined on
  every roll;
- approved one-off cash decisions (临时救助, 医疗救助) not yet on a live line are *one-off* lines;
- the payee follows payments.payee.<programme> (户主或指定成员 / 本人 / 监护人或实际抚养人), the
  payee's current account is copied onto the line; a line without an account, with a 代管 card lacking
  the filed agreement, or of a person registered dead is held with the reason;
- an open recovery (追回) of the household is deducted from its payable lines in the order of the lines,
  up to the instalment and the balance, never below zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from dajiuzhu.core import months
from dajiuzhu.core.money import yuan_text_expr

LINE_COLUMNS = [
    "reference", "kind", "programme", "item_id", "subject_id", "household_id", "beneficiary_id",
    "entitlement_id", "application_id", "period", "area_id", "township_code", "gross_fen", "deduction_fen",
    "amount_fen", "beneficiary_name", "account_id", "bank", "account_number", "holder_name",
    "holder_relation", "status", "hold_reason", "recovery_id",
]  # fmt: skip

_KIND_ORDER = {"regular": 0, "arrears": 1, "oneoff": 2}


@dataclass(frozen=True)
class Programme:
    code: str
    label: str
    household: bool  # paid per household (subject = household) or per person
    payee: str  # household_head | beneficiary | guardian
    monthly: bool


@dataclass
class Inputs:
    county_code: str
    month: dt.date
    first_month: dt.date
    entitlements: (
        pl.DataFrame
    )  # entitlement_id, item_id, household_id, beneficiary_id, area_id, start_month, end_month
    amounts: pl.DataFrame  # entitlement_id, from_month, amount_fen, id
    oneoffs: pl.DataFrame  # application_id, item_id, household_id, applicant_id, area_id, amount_fen
    items: dict[int, tuple[str, str]]  # item_id → (programme code, item name)
    programmes: dict[str, Programme]
    previous: (
        pl.DataFrame
    )  # programme, subject_id, period, application_id, kind, status, resolved (earlier lines)
    people: pl.DataFrame  # person_id, name, id_number, phone, household_id, is_deceased
    households: pl.DataFrame  # household_id, head_id, member_count, area_id
    # account_id, person_id, bank, account_number, holder_name, holder_relation, for_household, agreement_ok
    accounts: pl.DataFrame
    areas: pl.DataFrame  # area_id, township_code
    recoveries: pl.DataFrame  # recovery_id, household_id, instalment_fen, balance_fen
    banks: set[str]  # bank codes with a file format


def _item_frame(inp: Inputs) -> pl.DataFrame:
    rows = [
        (item_id, code, p.household, p.payee, p.monthly)
        for item_id, (code, _name) in inp.items.items()
        if (p := inp.programmes.get(code)) is not None
    ]
    return pl.DataFrame(
        rows,
        schema={"item_id": pl.Int64, "programme": pl.Utf8, "per_household": pl.Boolean, "payee_rule": pl.Utf8,
                "monthly": pl.Boolean},
        orient="row",
    )  # fmt: skip


def _monthly_owed(inp: Inputs, items: pl.DataFrame) -> pl.DataFrame:
    """(entitlement, month) pairs owed in [first_month, month] with their amounts."""
    stop = months.add(inp.month, 1)
    ents = (
        inp.entitlements.join(items.filter(pl.col("monthly")), on="item_id")
        .with_columns(
            pl.max_horizontal(pl.col("start_month"), pl.lit(inp.first_month)).alias("lo"),
            pl.min_horizontal(pl.col("end_month").fill_null(stop), pl.lit(stop)).alias("hi"),
        )
        .filter(pl.col("lo") < pl.col("hi"))
    )
    if ents.height == 0:
        return ents.select("entitlement_id").with_columns(pl.lit(None, pl.Date).alias("period")).clear()
    last = pl.col("hi").dt.offset_by("-1mo")
    pairs = ents.with_columns(pl.date_ranges(pl.col("lo"), last, interval="1mo").alias("period")).explode(
        "period"
    )
    amounts = inp.amounts.sort(["entitlement_id", "from_month", "id"]).unique(
        ["entitlement_id", "from_month"], keep="last", maintain_order=True
    )
    owed = pairs.sort(["period"]).join_asof(
        amounts.sort("from_month").select("entitlement_id", "from_month", "amount_fen"),
        left_on="period", right_on="from_month", by="entitlement_id", strategy="backward", check_sortedness=False,
    )  # fmt: skip
    return owed.filter(pl.col("amount_fen").fill_null(0) > 0).with_columns(
        pl.when(pl.col("per_household"))
        .then(pl.col("household_id"))
        .otherwise(pl.col("beneficiary_id"))
        .alias("subject_id"),
        pl.when(pl.col("period") == inp.month)
        .then(pl.lit("regular"))
        .otherwise(pl.lit("arrears"))
        .alias("kind"),
        pl.lit(None, pl.Int64).alias("application_id"),
        pl.col("amount_fen").alias("gross_fen"),
    )


def _not_yet_paid(owed: pl.DataFrame, previous: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Drop what a live line already pays, and what failed and is not yet resolved."""
    live = previous.filter(pl.col("status").is_in(["pending", "sent", "paid"])).select(keys).unique()
    blocked = previous.filter((pl.col("status") == "failed") & ~pl.col("resolved")).select(keys).unique()
    return owed.join(live, on=keys, how="anti").join(blocked, on=keys, how="anti")


def build(inp: Inputs) -> pl.DataFrame:
    """The roll's lines (LINE_COLUMNS, amounts in fen), sorted and numbered."""
    items = _item_frame(inp)
    prev = inp.previous
    monthly = _monthly_owed(inp, items)
    monthly = _not_yet_paid(
        monthly, prev.filter(pl.col("kind") != "oneoff"), ["programme", "subject_id", "period"]
    )
    # Two entitlements paying the same programme to the same household (or person) for the same month:
    # the first is paid, the others are held for checking (never paid twice).
    monthly = monthly.sort("entitlement_id").with_columns(
        (pl.int_range(pl.len()).over(["programme", "subject_id", "period"]) > 0).alias("duplicate")
    )
    monthly = monthly.select(
        "kind", "programme", "item_id", "subject_id", "household_id", "beneficiary_id", "entitlement_id",
        "application_id", "period", "area_id", "gross_fen", "payee_rule", "duplicate",
    )  # fmt: skip

    oneoff = inp.oneoffs.join(items.filter(~pl.col("monthly")), on="item_id").with_columns(
        pl.when(pl.col("per_household")).then(pl.col("household_id")).otherwise(pl.col("applicant_id")).alias("subject_id"),
        pl.lit("oneoff").alias("kind"),
        pl.lit(inp.month).alias("period"),
        pl.lit(None, pl.Int64).alias("entitlement_id"),
        pl.col("applicant_id").alias("beneficiary_id"),
        pl.col("amount_fen").alias("gross_fen"),
        pl.lit(False).alias("duplicate"),
    )  # fmt: skip
    oneoff = _not_yet_paid(oneoff, prev.filter(pl.col("kind") == "oneoff"), ["application_id", "subject_id"])
    oneoff = oneoff.select(monthly.columns)
    lines = pl.concat([monthly, oneoff.cast(monthly.schema)], how="vertical")  # type: ignore[arg-type]

    lines = _payees(lines, inp)
    areas = inp.areas.select("area_id", "township_code")
    lines = lines.join(areas, on="area_id", how="left").with_columns(pl.col("township_code").fill_null(""))
    lines = lines.with_columns(
        pl.col("kind").replace_strict(_KIND_ORDER, return_dtype=pl.Int8).alias("_kind_order")
    ).sort(["township_code", "area_id", "household_id", "_kind_order", "programme", "period", "subject_id",
            "application_id"], nulls_last=True)  # fmt: skip
    lines = _deductions(lines, inp)
    prefix = f"P{inp.county_code}{months.period(inp.month)}-"
    lines = lines.with_columns(
        (
            pl.lit(prefix) + (pl.int_range(1, lines.height + 1, dtype=pl.Int64).cast(pl.Utf8).str.zfill(7))
        ).alias("reference")
    )
    return lines.select(LINE_COLUMNS)


def _payees(lines: pl.DataFrame, inp: Inputs) -> pl.DataFrame:
    people = inp.people.select(
        pl.col("person_id"), pl.col("name"), pl.col("is_deceased"), pl.col("household_id").alias("_hh")
    )
    accounts = inp.accounts
    designated = (
        accounts.filter(pl.col("for_household"))
        .join(people.select("person_id", "_hh"), on="person_id")
        .group_by("_hh")
        .agg(pl.col("person_id").min().alias("_designated"))
        .rename({"_hh": "household_id"})
    )
    heads = inp.households.select("household_id", pl.col("head_id"))
    lines = lines.join(heads, on="household_id", how="left").join(designated, on="household_id", how="left")
    lines = lines.with_columns(
        pl.when(pl.col("payee_rule") == "household_head")
        .then(pl.coalesce("_designated", "head_id", "beneficiary_id"))
        .otherwise(pl.col("beneficiary_id"))
        .alias("_payee")
    )
    lines = lines.join(
        people.select("person_id", pl.col("name").alias("beneficiary_name"), "is_deceased"),
        left_on="beneficiary_id", right_on="person_id", how="left",
    ).join(
        people.select("person_id", pl.col("name").alias("_payee_name")), left_on="_payee", right_on="person_id",
        how="left",
    ).join(
        accounts.select("account_id", "person_id", "bank", "account_number", "holder_name", "holder_relation",
                        "agreement_ok"),
        left_on="_payee", right_on="person_id", how="left",
    )  # fmt: skip
    custodian = pl.col("holder_relation").is_in(["staff", "institution"])
    hold = (
        pl.when(pl.col("duplicate"))
        .then(pl.lit("同一户（人）同月已有该项目的待遇，重复的待遇暂缓发放，请核实"))
        .when(pl.col("account_id").is_null())
        .then(pl.lit("未登记收款账户（") + pl.col("_payee_name").fill_null("") + pl.lit("）"))
        .when(custodian & ~pl.col("agreement_ok").fill_null(False))
        .then(pl.lit("代管账户的书面协议未报县级民政部门备案（最低生活保障审核确认办法 第二十六条）"))
        .when((pl.col("payee_rule") == "guardian") & ~pl.col("holder_relation").is_in(["guardian", "carer", "institution"]))
        .then(pl.lit("儿童保障金应发放至监护人或实际抚养人的账户（民发〔2019〕62号）"))
        .when(~pl.col("bank").is_in(sorted(inp.banks)))
        .then(pl.lit("开户银行「") + pl.col("bank") + pl.lit("」没有报盘格式"))
        .when((pl.col("payee_rule") != "household_head") & pl.col("is_deceased").fill_null(False))
        .then(pl.lit("受益人已登记死亡，待动态管理复核"))
        .otherwise(pl.lit(""))
    )  # fmt: skip
    return lines.with_columns(
        hold.alias("hold_reason"),
        pl.col("beneficiary_name").fill_null(""),
        pl.col("bank").fill_null(""),
        pl.col("account_number").fill_null(""),
        pl.col("holder_name").fill_null(""),
        pl.col("holder_relation").fill_null(""),
    ).with_columns(
        pl.when(pl.col("hold_reason") != "").then(pl.lit("held")).otherwise(pl.lit("pending")).alias("status")
    )


def _deductions(lines: pl.DataFrame, inp: Inputs) -> pl.DataFrame:
    """Open recoveries of a household, oldest first, deducted from its payable lines in line order."""
    rec = (
        inp.recoveries.filter(pl.col("balance_fen") > 0)
        .sort("recovery_id")
        .unique("household_id", keep="first", maintain_order=True)
        .with_columns(pl.min_horizontal("instalment_fen", "balance_fen").alias("_budget"))
        .select("household_id", "recovery_id", "_budget")
    )
    lines = lines.with_row_index("_row").join(rec, on="household_id", how="left")
    payable = pl.col("status") == "pending"
    gross = pl.when(payable & pl.col("_budget").is_not_null()).then(pl.col("gross_fen")).otherwise(0)
    lines = lines.sort("_row").with_columns(gross.alias("_g"))
    cum = pl.col("_g").cum_sum().over("household_id")
    budget = pl.col("_budget").fill_null(0)
    deduction = pl.min_horizontal(cum, budget) - pl.min_horizontal(cum - pl.col("_g"), budget)
    lines = lines.with_columns(deduction.clip(lower_bound=0).alias("deduction_fen"))
    return lines.with_columns(
        (pl.col("gross_fen") - pl.col("deduction_fen")).alias("amount_fen"),
        pl.when(pl.col("deduction_fen") > 0).then(pl.col("recovery_id")).otherwise(None).alias("recovery_id"),
    ).drop("_row", "_g", "_budget")


def as_rows(lines: pl.DataFrame, roll_id: int) -> pl.DataFrame:
    """The lines as the table's columns (yuan with two decimals as text, for the frame writer)."""

    def yuan(col: str) -> pl.Expr:
        return yuan_text_expr(pl.col(col)).alias(col.removesuffix("_fen"))

    return lines.select(
        pl.lit(roll_id, pl.Int64).alias("roll_id"),
        "reference", "kind", "programme", "item_id", "subject_id", "household_id", "beneficiary_id",
        "entitlement_id", "application_id", "period", "area_id", "township_code",
        yuan("gross_fen"), yuan("deduction_fen"), yuan("amount_fen"),
        "beneficiary_name", "account_id", "bank", "account_number", "holder_name", "holder_relation",
        "status", "hold_reason",
        pl.lit("").alias("fail_code"), pl.lit("").alias("fail_reason"), pl.lit(False).alias("resolved"),
    )  # fmt: skip


def empty_previous() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"programme": pl.Utf8, "subject_id": pl.Int64, "period": pl.Date, "application_id": pl.Int64,
                "kind": pl.Utf8, "status": pl.Utf8, "resolved": pl.Boolean}
    )  # fmt: skip


def frame_or_empty(frame: Any, schema: dict[str, Any]) -> pl.DataFrame:
    return frame if frame is not None and frame.height else pl.DataFrame(schema=schema)
