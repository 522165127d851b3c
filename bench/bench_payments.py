"""Payments benchmark: a county's monthly roll for N entitlements, through the real services.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_payments.py 1000000 --keep
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_payments.py 1000000 --keep  # reuse
    .venv/bin/python bench/bench_payments.py 20000                   # SQLite temp file

PostgreSQL uses the database `benchpay` on the same server (the URL's own database name is ignored): dropped
and created, unless --keep finds it already seeded for the same N (then the seeded registry, entitlements
and accounts are reused and only the rolls are wiped); --keep also leaves it for the next run.

Seeding (not timed against the targets, COPY on PostgreSQL): one county (371424 临邑县, the real division
tree) with N×0.5 synthetic households (registry.seeding.seed_households, ≈ 1.47 N persons); N
entitlements of the cash programmes of the loaded catalogue (低保 per household, the others per person),
each with its approving application and its amount rows (about one in seven with a change: from this
month, from last month, or earlier); payee accounts for nearly all payees (0.3 % missing, a few cards kept
by the village with and without the filed agreement, children's allowances to the guardian, 1 % of 低保
households paid to a designated member), a few registered dead, open recoveries, one-off 临时救助 / 医疗救助
decisions, a budget authority large enough.

Then, with two users (preparer and approver, both county_approver of the county):
  1. last month's roll, run to the end (prepare → lock → approve → issue → return with --fail-rate failed
     lines → reconcile → close) — the county's first roll, timed too;
  2. between the rolls: half of the failed lines resolved (cards fixed), accounts for half of the payees
     that had none, new one-off decisions;
  3. this month's roll — the measured one, with 1's lines as history (arrears for the resolved and the
     held months): roll_prepare, roll_lock, roll_approve (by the second user), roll_issue (bank files),
     a bank return per file built with bankfiles.render_return (timed apart), return_import per file,
     roll_reconcile.
Each step prints its seconds and its peak RSS (VmHWM, reset before the step; the process maximum from
getrusage at the end). --profile prepare,lock,... runs those steps of the measured roll under cProfile.
"""

from __future__ import annotations

import dajiuzhu  # noqa: F401  (before Polars loads: sets its allocator's configuration)

# isort: split
import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from benchdb import BenchDB

from dajiuzhu.core import clock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "benchpay"

# Share of the N entitlements per programme (低保 per household, the rest per person).
SHARES = (
    ("dibao", 0.30), ("dibao_single", 0.03), ("tekun", 0.05), ("orphan", 0.01), ("unsupported_child", 0.01),
    ("disability_living", 0.15), ("disability_care", 0.15), ("longevity", 0.22), ("disabled_elderly", 0.08),
)  # fmt: skip
# Monthly amounts in whole yuan [lo, hi).
AMOUNTS = {
    "dibao": (300, 2000), "dibao_single": (600, 900), "tekun": (1100, 1500), "orphan": (1600, 1800),
    "unsupported_child": (1600, 1800), "disability_living": (80, 120), "disability_care": (80, 160),
    "longevity": (100, 400), "disabled_elderly": (100, 300),
}  # fmt: skip
HOUSEHOLDS_PER_ENTITLEMENT = 0.5
MISSING_ACCOUNTS = 0.003
ONEOFF_SHARE = 0.002  # one-off decisions per entitlement, per batch (before each roll)
DEFAULT_BANKS = "sdrcu:0.74,psbc:0.25,xlsx-template:0.01"


# ---- database -------------------------------------------------------------------------------------------


# ---- measuring --------------------------------------------------------------------------------------------


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _reset_hwm() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _gib(kb: int) -> str:
    return f"{kb / 1024 / 1024:5.2f} GiB"


class Steps:
    def __init__(self, profile: set[str]) -> None:
        self.profile = profile
        self.rows: list[tuple[str, float, int]] = []

    def run(self, label: str, fn: Callable[[], Any], *, key: str = "", note: str = "") -> Any:
        _reset_hwm()
        prof = cProfile.Profile() if key and key in self.profile else None
        t = time.perf_counter()
        if prof is not None:
            prof.enable()
        out = fn()
        if prof is not None:
            prof.disable()
        seconds = time.perf_counter() - t
        hwm = _status_kb("VmHWM")
        self.rows.append((label, seconds, hwm))
        print(
            f"  {label:34} {seconds:8.2f} s   peak RSS {_gib(hwm)}{'   ' + note if note else ''}", flush=True
        )
        if prof is not None:
            path = Path(tempfile.gettempdir()) / f"benchpay-{key}.prof"
            prof.dump_stats(path)
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
            print(f"  --- cProfile of {key} (saved to {path}) ---")
            print("\n".join("    " + line for line in buf.getvalue().splitlines()[:70]))
        return out

    def seconds(self, label: str) -> float:
        return sum(s for lbl, s, _ in self.rows if lbl == label)


# ---- seeding ---------------------------------------------------------------------------------------------


def _luhn_accounts(person_ids: np.ndarray) -> pl.Series:
    """19-digit card numbers 621462 + 12-digit person id + Luhn digit: valid for every example format."""
    body = np.char.add("621462", np.char.zfill(person_ids.astype(str), 12))
    digits = (
        np.frombuffer("".join(body.tolist()).encode(), dtype=np.uint8).reshape(-1, 18).astype(np.int64) - 48
    )
    # Rightmost body digit (index 17) is doubled, then every second one to the left.
    doubled = digits[:, 1::2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = doubled.sum(axis=1) + digits[:, 0::2].sum(axis=1)
    check = (10 - total % 10) % 10
    return pl.Series("account_number", np.char.add(body, check.astype(str)).tolist(), dtype=pl.String)


def _complete(model: Any, frame: pl.DataFrame, now_text: str) -> pl.DataFrame:
    """Every concrete column of `model`: the frame's, else the field's default, NULL or "" (COPY and
    executemany need them all: Django's defaults are not in the database). Dates as ISO text."""
    from django.db import models

    exprs = []
    for f in model._meta.concrete_fields:
        col = f.column
        if col in frame.columns:
            expr = pl.col(col)
            if frame.schema[col] == pl.Date:
                expr = expr.dt.strftime("%Y-%m-%d")
            exprs.append(expr.alias(col))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            exprs.append(pl.lit(now_text).alias(col))
        elif f.has_default():
            value = f.get_default()
            if isinstance(f, models.JSONField):
                value = json.dumps(value)
            elif isinstance(value, Decimal):
                value = str(value)
            exprs.append(pl.lit(value).alias(col))
        elif f.null:
            exprs.append(pl.lit(None, dtype=pl.String).alias(col))
        elif f.empty_strings_allowed:
            exprs.append(pl.lit("").alias(col))
        else:
            raise ValueError(f"{model.__name__}.{f.name}: no value for a NOT NULL column")
    return frame.select(exprs)


def _yuan(fen: pl.Expr) -> pl.Expr:
    return (fen // 100).cast(pl.String) + "." + (fen % 100).cast(pl.String).str.zfill(2)


def _stamp(vendor: str) -> Callable[[dt.datetime], str]:
    if vendor == "postgresql":
        return lambda t: t.astimezone(dt.UTC).isoformat()
    return lambda t: t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _max_id(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(m=Max("id"))["m"] or 0)


def _reset_sequences(*models: Any) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            q = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {q}))",
                [table],
            )


def _check_links(*models: Any) -> None:
    """The foreign keys of the rows just written (FK triggers were off for the COPY as a superuser)."""
    from django.db import connection

    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            for field in model._meta.concrete_fields:
                if not (field.is_relation and field.related_model is not None):
                    continue
                target = field.related_model._meta
                col = q(field.column)
                cursor.execute(
                    f"SELECT t.{col} FROM {q(model._meta.db_table)} t WHERE t.{col} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {q(target.db_table)} r WHERE r.{q(target.pk.column)} = t.{col}) LIMIT 1"
                )
                if cursor.fetchone() is not None:
                    raise RuntimeError(f"bench seed: dangling {model.__name__}.{field.name}")


def _pick(rng: np.random.Generator, preferred: np.ndarray, others: np.ndarray, n: int) -> np.ndarray:
    """n distinct indices, from `preferred` first, the rest from `others`."""
    k = min(n, preferred.size)
    first = rng.choice(preferred, k, replace=False) if k else np.empty(0, dtype=np.int64)
    rest = (
        rng.choice(others, min(n - k, others.size), replace=False) if n > k else np.empty(0, dtype=np.int64)
    )
    return np.concatenate([first, rest])


def _banks(spec: str) -> list[tuple[str, float]]:
    out = []
    for part in spec.split(","):
        code, share = part.split(":")
        out.append((code.strip(), float(share)))
    total = sum(s for _c, s in out)
    return [(c, s / total) for c, s in out]


def seed(
    *, n: int, area_code: str, seed_no: int, month: dt.date, users: dict[str, Any], banks: str
) -> dict[str, Any]:
    """Everything up to the first roll. Returns counts for the report."""
    from django.db import connection, transaction

    from dajiuzhu.benefits.models import Entitlement, EntitlementAmount
    from dajiuzhu.core import months
    from dajiuzhu.core.db import analyze
    from dajiuzhu.core.frames import queryset_frame, write_frame
    from dajiuzhu.intake.models import Application, AssistanceItem
    from dajiuzhu.payments import services
    from dajiuzhu.payments.models import PayeeAccount
    from dajiuzhu.registry import seeding
    from dajiuzhu.registry.models import Household, Person

    rng = np.random.default_rng(seed_no)
    stamp = _stamp(connection.vendor)
    now = clock.now()
    now_text = stamp(now)
    preparer, approver = users["preparer"], users["approver"]
    previous = months.add(month, -1)
    households_n = max(1, round(n * HOUSEHOLDS_PER_ENTITLEMENT))
    counts: dict[str, Any] = {}

    t = time.perf_counter()
    stats = seeding.seed_households(households=households_n, seed=seed_no, area_code=area_code, as_of=month)
    counts["households"], counts["persons"] = stats.households, stats.persons
    print(f"  seed_households                    {time.perf_counter() - t:8.1f} s   "
          f"({stats.households:,} households, {stats.persons:,} persons)", flush=True)  # fmt: skip

    t = time.perf_counter()
    items = {}
    for code, _share in (*SHARES, ("temporary", 0), ("medical", 0)):
        item = AssistanceItem.objects.filter(programme=code, is_active=True).order_by("id").first()
        if item is None:
            raise RuntimeError(f"no catalogue item for programme {code}")
        items[code] = item
    people = queryset_frame(
        Person.objects.filter(household__area__county_code=area_code).order_by("id"),
        {"id": pl.Int64, "household_id": pl.Int64, "name": pl.String, "relation": pl.String,
         "birth_date": pl.Date, "disability_grade": pl.Int64},
    ).rename({"id": "person_id"})  # fmt: skip
    households = queryset_frame(
        Household.objects.filter(area__county_code=area_code).order_by("id"),
        {"id": pl.Int64, "head_id": pl.Int64, "area_id": pl.String, "member_count": pl.Int64},
    ).rename({"id": "household_id"})
    people = people.with_columns(
        ((pl.lit(month) - pl.col("birth_date")).dt.total_days() // 365).alias("age")
    ).join(households.select("household_id", "area_id", "head_id"), on="household_id", how="left")

    # ---- entitlements: (programme, household, beneficiary)
    age = people["age"].to_numpy()
    relation = people["relation"].to_numpy()
    grade = people["disability_grade"].fill_null(0).to_numpy()
    all_idx = np.arange(people.height)
    wanted = {code: round(n * share) for code, share in SHARES}
    wanted["dibao"] += n - sum(wanted.values())
    parts = []
    for code, k in wanted.items():
        if code == "dibao":
            k = min(k, households.height)
            rows = rng.choice(households.height, k, replace=False)
            chosen = households[rows]
            parts.append(
                pl.DataFrame({"programme": [code] * k, "household_id": chosen["household_id"],
                              "beneficiary_id": chosen["head_id"], "area_id": chosen["area_id"]})
            )  # fmt: skip
            continue
        if code in ("orphan", "unsupported_child"):
            pref = all_idx[(age < 18) & (relation != "head")]
        elif code in ("longevity",):
            pref = all_idx[age >= 80]
        elif code in ("disabled_elderly",):
            pref = all_idx[age >= 65]
        elif code in ("disability_living", "disability_care"):
            pref = all_idx[grade > 0]
        elif code in ("tekun", "dibao_single"):
            pref = all_idx[(age >= 16) & (relation == "head")]
        else:
            pref = all_idx
        others = np.setdiff1d(all_idx, pref, assume_unique=True)
        if code in ("orphan", "unsupported_child"):
            others = others[relation[others] != "head"]
        rows = _pick(rng, pref, others, k)
        chosen = people[rows]
        parts.append(
            pl.DataFrame({"programme": [code] * len(rows), "household_id": chosen["household_id"],
                          "beneficiary_id": chosen["person_id"], "area_id": chosen["area_id"]})
        )  # fmt: skip
    ents = pl.concat(parts)
    m = ents.height
    ents = ents[rng.permutation(m)]  # entitlement ids in decision order, not by household
    first_app = _max_id(Application) + 1
    first_ent = _max_id(Entitlement) + 1
    item_ids = {code: item.pk for code, item in items.items()}
    dept_ids = {code: item.department_id for code, item in items.items()}

    # start months: 2 % this month (new), 1 % last month, the rest 2–36 months ago; 1 % of the older ones
    # stopped from this month (paid last month, not this one).
    u = rng.random(m)
    back = np.where(u < 0.02, 0, np.where(u < 0.03, 1, rng.integers(2, 37, m)))
    month_table = pl.Series([months.add(month, -k) for k in range(40)], dtype=pl.Date)
    stopped = (back >= 1) & (rng.random(m) < 0.01)
    lo = np.array([AMOUNTS[c][0] for c in ents["programme"].to_list()])
    hi = np.array([AMOUNTS[c][1] for c in ents["programme"].to_list()])
    a0 = rng.integers(lo, hi) * 100 + np.where(rng.random(m) < 0.1, 50, 0)
    ents = ents.with_columns(
        pl.Series("entitlement_id", np.arange(first_ent, first_ent + m)),
        pl.Series("application_id", np.arange(first_app, first_app + m)),
        pl.Series("back", back),
        month_table.gather(back).alias("start_month"),
        pl.Series("stopped", stopped),
        pl.Series("a0", a0),
    )
    # amount changes: 8 % from this month, 3 % from last month, 4 % some month before that
    v = rng.random(m)
    live = ~stopped
    change_m = live & (back >= 1) & (v < 0.08)
    change_p = live & (back >= 2) & (v >= 0.08) & (v < 0.11)
    change_old = (back >= 4) & (v >= 0.11) & (v < 0.15)
    old_back = np.where(change_old, rng.integers(2, np.maximum(back, 3)), 0)
    factor = np.where(rng.random(m) < 0.5, 0.9, 1.1)
    a1 = (np.round(a0 * factor / 100) * 100).astype(np.int64)
    amount_rows = [
        ents.select("entitlement_id", "application_id", pl.col("start_month").alias("from_month"),
                    pl.col("a0").alias("amount_fen"), pl.lit("批准").alias("reason")),
    ]  # fmt: skip
    for mask, frm, label in (
        (change_old, month_table.gather(old_back), "复核调整"),
        (change_p, pl.Series([previous] * m, dtype=pl.Date), "增发"),
        (change_m, pl.Series([month] * m, dtype=pl.Date), "减发"),
    ):
        sel = pl.Series(mask)
        amount_rows.append(
            ents.select("entitlement_id", "application_id")
            .with_columns(frm.alias("from_month"), pl.Series("amount_fen", a1), pl.lit(label).alias("reason"))
            .filter(sel)
        )
    amounts = pl.concat(amount_rows)
    latest = (
        amounts.sort("entitlement_id", "from_month")
        .group_by("entitlement_id")
        .agg(pl.col("amount_fen").last().alias("latest_fen"))
    )
    ents = ents.join(latest, on="entitlement_id", how="left")
    counts["entitlements"] = m
    counts["amount_rows"] = amounts.height
    counts["amount_changes"] = amounts.height - m

    decided = pl.col("start_month").dt.offset_by("-12d").cast(pl.Datetime("us")) + pl.duration(hours=2)
    ts_fmt = "%Y-%m-%d %H:%M:%S+00:00" if connection.vendor == "postgresql" else "%Y-%m-%d %H:%M:%S.%f"
    applications = ents.select(
        pl.col("application_id").alias("id"),
        pl.format("BE{}", pl.col("application_id").cast(pl.String).str.zfill(10)).alias("number"),
        pl.lit("new").alias("kind"),
        pl.col("programme").replace_strict(item_ids, return_dtype=pl.Int64).alias("item_id"),
        "household_id",
        pl.col("beneficiary_id").alias("applicant_id"),
        "area_id",
        pl.col("programme").replace_strict(dept_ids, return_dtype=pl.Int64).alias("department_id"),
        pl.lit("approved").alias("status"),
        pl.lit("approve").alias("decision"),
        pl.lit("模拟数据：存量待遇").alias("decision_reason"),
        _yuan(pl.col("a0")).alias("decided_amount"),
        decided.dt.strftime(ts_fmt).alias("decided_at"),
        pl.lit(approver.pk).alias("decided_by_id"),
        pl.lit(preparer.pk).alias("filed_by_id"),
        pl.col("start_month").dt.offset_by("-40d").alias("accepted_on"),
        pl.col("start_month").dt.offset_by("-10d").alias("notified_on"),
    )
    entitlements = ents.select(
        pl.col("entitlement_id").alias("id"),
        "household_id",
        "beneficiary_id",
        pl.col("programme").replace_strict(item_ids, return_dtype=pl.Int64).alias("item_id"),
        "application_id",
        "area_id",
        _yuan(pl.col("latest_fen")).alias("monthly_amount"),
        "start_month",
        pl.when(pl.col("stopped")).then(pl.lit(month)).otherwise(None).alias("end_month"),
        pl.when(pl.col("stopped")).then(pl.lit("stopped")).otherwise(pl.lit("active")).alias("status"),
        pl.lit(12).alias("review_months"),
        pl.when(pl.col("stopped")).then(None).otherwise(pl.col("start_month").dt.offset_by("12mo")).alias("next_review_on"),
        pl.when(pl.col("stopped")).then(pl.lit("模拟数据：停发")).otherwise(pl.lit("")).alias("stop_reason"),
    )  # fmt: skip
    amount_table = amounts.sort("entitlement_id", "from_month").select(
        pl.int_range(_max_id(EntitlementAmount) + 1, _max_id(EntitlementAmount) + 1 + pl.len()).alias("id"),
        "entitlement_id",
        "from_month",
        _yuan(pl.col("amount_fen")).alias("amount"),
        "application_id",
        pl.lit(approver.pk).alias("decided_by_id"),
        pl.lit(now_text).alias("decided_at"),
        "reason",
    )

    # ---- payees and accounts
    dibao = ents.filter(pl.col("programme") == "dibao")
    designate = dibao.join(households.select("household_id", "member_count"), on="household_id").filter(
        pl.col("member_count") >= 2
    )
    designate = designate.filter(pl.Series(rng.random(designate.height) < 0.01))
    spouse = (
        people.filter(pl.col("relation") != "head")
        .join(designate.select("household_id"), on="household_id", how="semi")
        .group_by("household_id")
        .agg(pl.col("person_id").min())
    )
    guardian_kids = set(
        ents.filter(pl.col("programme").is_in(["orphan", "unsupported_child"]))["beneficiary_id"].to_list()
    )
    payees = (
        pl.concat([
            dibao.join(spouse, on="household_id", how="anti").select(pl.col("beneficiary_id").alias("person_id"),
                                                                      pl.lit(False).alias("for_household")),
            spouse.select("person_id", pl.lit(True).alias("for_household")),
            ents.filter(pl.col("programme") != "dibao").select(pl.col("beneficiary_id").alias("person_id"),
                                                                pl.lit(False).alias("for_household")),
        ])
        .group_by("person_id")
        .agg(pl.col("for_household").any())
        .sort("person_id")
    )  # fmt: skip
    payees = payees.join(people.select("person_id", "name", "area_id", "head_id"), on="person_id", how="left")
    heads = people.select(pl.col("person_id").alias("head_id"), pl.col("name").alias("head_name"))
    payees = payees.join(heads, on="head_id", how="left")
    k = payees.height
    r = rng.random(k)
    missing = r < MISSING_ACCOUNTS
    later = missing & (rng.random(k) < 0.5)  # registered between the two rolls
    staff_no_agreement = (r >= MISSING_ACCOUNTS) & (r < MISSING_ACCOUNTS + 0.0005)
    staff_filed = (r >= MISSING_ACCOUNTS + 0.0005) & (r < MISSING_ACCOUNTS + 0.001)
    bank_list = _banks(banks)
    bank_pick = np.searchsorted(np.cumsum([s for _c, s in bank_list]), rng.random(k), side="right")
    bank_pick = np.minimum(bank_pick, len(bank_list) - 1)
    kid = payees["person_id"].is_in(list(guardian_kids)).to_numpy()
    payees = payees.with_columns(
        pl.Series("missing", missing),
        pl.Series("later", later),
        pl.Series("bank", [bank_list[i][0] for i in bank_pick]),
        _luhn_accounts(payees["person_id"].to_numpy()),
        pl.Series("kid", kid),
        pl.Series("staff", staff_no_agreement | staff_filed),
        pl.Series("filed", staff_filed),
    )
    first_account = _max_id(PayeeAccount) + 1
    accounts = payees.filter(~pl.col("missing") | pl.col("later")).select(
        pl.int_range(first_account, first_account + pl.len()).alias("id"),
        "person_id",
        "area_id",
        "bank",
        "account_number",
        pl.when(pl.col("kid")).then(pl.col("head_name").fill_null("监护人"))
        .when(pl.col("staff")).then(pl.lit("村委会代管"))
        .otherwise(pl.col("name")).alias("holder_name"),
        pl.when(pl.col("kid")).then(pl.lit("guardian")).when(pl.col("staff")).then(pl.lit("staff"))
        .otherwise(pl.lit("self")).alias("holder_relation"),
        "for_household",
        pl.when(pl.col("filed")).then(pl.format("代管协议{}", "person_id")).otherwise(pl.lit("")).alias("agreement_number"),
        pl.when(pl.col("filed")).then(pl.lit(previous)).otherwise(None).alias("agreement_filed_on"),
        pl.lit(True).alias("is_current"),
        pl.lit(preparer.pk).alias("created_by_id"),
        pl.when(pl.col("later")).then(pl.lit("bench:later")).otherwise(pl.lit("")).alias("note"),
    )  # fmt: skip
    later_accounts = accounts.filter(pl.col("note") == "bench:later")
    accounts = accounts.filter(pl.col("note") == "")
    counts["payees"] = k
    counts["accounts"] = accounts.height
    counts["missing_accounts"] = int(missing.sum())

    # ---- one-off decisions (two batches: before each roll)
    def oneoffs(prefix: str, first_id: int, decided_at: dt.datetime) -> pl.DataFrame:
        count = max(1, round(n * ONEOFF_SHARE))
        hh = households[rng.choice(households.height, count, replace=False)]
        medical = rng.random(count) < 0.3
        programme = np.where(medical, "medical", "temporary")
        amount = np.where(medical, rng.integers(500, 20000, count), rng.integers(300, 3000, count)) * 100
        frame = pl.DataFrame({"household_id": hh["household_id"], "applicant_id": hh["head_id"],
                              "area_id": hh["area_id"], "programme": programme, "amount_fen": amount})  # fmt: skip
        return frame.select(
            pl.int_range(first_id, first_id + pl.len()).alias("id"),
            pl.format(prefix + "{}", pl.int_range(first_id, first_id + pl.len()).cast(pl.String).str.zfill(10)).alias("number"),
            pl.lit("new").alias("kind"),
            pl.col("programme").replace_strict(item_ids, return_dtype=pl.Int64).alias("item_id"),
            "household_id", "applicant_id", "area_id",
            pl.col("programme").replace_strict(dept_ids, return_dtype=pl.Int64).alias("department_id"),
            pl.lit("approved").alias("status"), pl.lit("approve").alias("decision"),
            pl.lit("模拟数据：一次性救助").alias("decision_reason"),
            _yuan(pl.col("amount_fen")).alias("decided_amount"),
            pl.lit(stamp(decided_at)).alias("decided_at"),
            pl.lit(approver.pk).alias("decided_by_id"), pl.lit(preparer.pk).alias("filed_by_id"),
        )  # fmt: skip

    first_oneoff = first_app + m
    batch1 = oneoffs("BO1-", first_oneoff, now - dt.timedelta(days=2))
    batch2 = oneoffs("BO2-", first_oneoff + batch1.height, now)  # written between the rolls
    counts["oneoffs"] = (batch1.height, batch2.height)
    gen_seconds = time.perf_counter() - t

    t = time.perf_counter()
    with transaction.atomic():
        seeding._pg_skip_fk_triggers()  # superuser: FK triggers off for this transaction, checked below
        write_frame(
            Application._meta.db_table,
            _complete(Application, pl.concat([applications, batch1], how="diagonal_relaxed"), now_text),
        )
        write_frame(Entitlement._meta.db_table, _complete(Entitlement, entitlements, now_text))
        write_frame(EntitlementAmount._meta.db_table, _complete(EntitlementAmount, amount_table, now_text))
        write_frame(PayeeAccount._meta.db_table, _complete(PayeeAccount, accounts, now_text))
        if connection.vendor == "postgresql":
            _check_links(Application, Entitlement, EntitlementAmount, PayeeAccount)
        _reset_sequences(Application, Entitlement, EntitlementAmount, PayeeAccount)
    analyze(Application, Entitlement, EntitlementAmount, PayeeAccount)
    write_seconds = time.perf_counter() - t
    print(f"  entitlements etc. generated        {gen_seconds:8.1f} s   ({m:,} entitlements, "
          f"{amounts.height:,} amount rows, {accounts.height:,} accounts)")  # fmt: skip
    print(f"  entitlements etc. written          {write_seconds:8.1f} s", flush=True)

    t = time.perf_counter()
    # A few payees registered dead (their person lines are held), open recoveries, the budget authority.
    person_only = ents.filter(pl.col("programme").is_in(["tekun", "longevity", "disability_living"]))
    dead = person_only["beneficiary_id"].sample(max(1, m // 5000), seed=seed_no).to_list()
    Person.objects.filter(pk__in=dead).update(is_deceased=True)
    rec_households = dibao["household_id"].sample(max(1, min(300, m // 3000)), seed=seed_no).to_list()
    for hid in rec_households:
        services.recovery_decide(user=preparer, household_id=hid, amount="600.00", basis="error",
                                 reason="模拟数据：收入增加未及时申报，多发两个月低保金", instalment="300.00")  # fmt: skip
    for year in sorted({previous.year, month.year}):
        for fund in ("assistance", "disability", "elderly", "medical"):
            services.authority_create(
                user=preparer, county_code=area_code, fund=fund, year=year,
                document_number=f"临财社〔{year}〕{fund}号（模拟）", amount="50000000000",
            )  # fmt: skip
    counts["dead"] = len(dead)
    counts["recoveries"] = len(rec_households)
    print(f"  deaths, recoveries, authority      {time.perf_counter() - t:8.1f} s", flush=True)
    return {"counts": counts, "later_accounts": later_accounts, "batch2": batch2, "now_text": now_text}


def reset_rolls() -> None:
    """--keep on a seeded database: wipe every roll and what the previous run added between the rolls."""
    from django.db import connection

    from dajiuzhu.intake.models import Application
    from dajiuzhu.payments import models as pm

    tables = [pm.PaymentNotice, pm.RecoveryEntry, pm.BankReturn, pm.BankFile, pm.LockedBankFile, pm.TownshipCheck,
              pm.PublicListEntry, pm.PublicList, pm.RollLine, pm.Roll]  # fmt: skip
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(q(t._meta.db_table) for t in tables))
        else:
            for t in tables:
                cursor.execute(f"DELETE FROM {q(t._meta.db_table)}")
    pm.PayeeAccount.objects.filter(note="bench:later").delete()
    Application.objects.filter(number__startswith="BO2-").delete()


def between_rolls(roll: Any, state: dict[str, Any]) -> dict[str, int]:
    """After last month's roll: half the failed lines fixed (resolved), accounts for half the payees that
    had none, new one-off decisions — what a county's month brings."""
    from django.db import transaction

    from dajiuzhu.core.db import analyze
    from dajiuzhu.core.frames import write_frame
    from dajiuzhu.intake.models import Application
    from dajiuzhu.payments.models import LineStatus, PayeeAccount, RollLine

    now_text = state["now_text"]
    with transaction.atomic():
        failed = list(
            RollLine.objects.filter(roll=roll, status=LineStatus.FAILED)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        fixed = failed[::2]
        for offset in range(0, len(fixed), 5000):
            RollLine.objects.filter(pk__in=fixed[offset : offset + 5000]).update(
                resolved=True, resolved_at=clock.now()
            )
        later = state["later_accounts"]
        if later.height:
            start = int(PayeeAccount.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
            later = later.with_columns(pl.int_range(start, start + pl.len()).alias("id"))
            write_frame(PayeeAccount._meta.db_table, _complete(PayeeAccount, later, now_text))
        write_frame(Application._meta.db_table, _complete(Application, state["batch2"], now_text))
        _reset_sequences(PayeeAccount, Application)
    # Last month's lines have had a month for autovacuum to analyse them.
    analyze(RollLine, PayeeAccount, Application)
    return {"resolved": len(fixed), "accounts_added": later.height, "oneoffs": state["batch2"].height}


# ---- the roll ----------------------------------------------------------------------------------------------


def bank_returns(roll: Any, fail_rate: float, rng: np.random.Generator) -> list[tuple[int, str, bytes, int]]:
    """The bank's result file for every bank file of the roll: all sent lines, `fail_rate` failed."""
    from django.db.models import BigIntegerField, F
    from django.db.models.functions import Cast, Round

    from dajiuzhu.core.frames import queryset_frame
    from dajiuzhu.payments import bankfiles
    from dajiuzhu.payments.models import LineStatus, RollLine

    out = []
    for bank_file in roll.bank_files.order_by("bank"):
        fmt = bankfiles.load_formats()[bank_file.bank]
        qs = (
            RollLine.objects.filter(roll=roll, bank=bank_file.bank, status=LineStatus.PENDING, amount__gt=0)
            .annotate(amount_fen=Cast(Round(F("amount") * 100), BigIntegerField()))
            .order_by("reference")
        )
        frame = queryset_frame(
            qs,
            {
                "reference": pl.String,
                "account_number": pl.String,
                "holder_name": pl.String,
                "amount_fen": pl.Int64,
            },
        )
        # Codes with the format's own text; a format whose only code leaves the text to the bank gets one.
        codes = [code for code, reason in fmt.returns.failure_codes if reason]
        own_text = not codes
        codes = codes or [code for code, _reason in fmt.returns.failure_codes]
        fails = rng.random(frame.height) < fail_rate
        cycle = np.array(codes, dtype=object)[np.arange(frame.height) % len(codes)]
        frame = frame.with_columns(
            pl.Series("paid", ~fails),
            pl.Series("reason_code", np.where(fails, cycle, "").tolist(), dtype=pl.String),
        )
        if own_text:
            frame = frame.with_columns(
                pl.when(pl.col("paid"))
                .then(pl.lit(""))
                .otherwise(pl.lit("账户状态异常（模拟）"))
                .alias("reason")
            )
        content = bankfiles.render_return(fmt, frame)
        out.append((bank_file.pk, f"return-{bank_file.filename}", content, frame.height))
    return out


def run_roll(
    steps: Steps, *, users: dict[str, Any], area_code: str, month: dt.date, fail_rate: float, rng: Any,
    close: bool,
) -> Any:  # fmt: skip
    from django.db.models import Count, Sum

    from dajiuzhu.payments import services
    from dajiuzhu.payments.models import RollLine

    preparer, approver = users["preparer"], users["approver"]
    roll = steps.run(
        "roll_prepare",
        lambda: services.roll_prepare(user=preparer, county_code=area_code, month=month),
        key="prepare",
    )
    n_lines = RollLine.objects.filter(roll=roll).count()
    roll = steps.run("roll_lock", lambda: services.roll_lock(user=preparer, roll_id=roll.pk), key="lock")
    roll = steps.run(
        "roll_approve", lambda: services.roll_approve(user=approver, roll_id=roll.pk), key="approve"
    )
    roll = steps.run("roll_issue", lambda: services.roll_issue(user=preparer, roll_id=roll.pk), key="issue")
    files = list(roll.bank_files.order_by("bank").values_list("bank", "line_count", "total"))
    returns = steps.run("bank returns built (render_return)", lambda: bank_returns(roll, fail_rate, rng))
    for file_id, name, content, count in returns:
        bank = next(b for b in roll.bank_files.all() if b.pk == file_id).bank
        steps.run(
            "return_import",
            lambda file_id=file_id, name=name, content=content: services.return_import(
                user=preparer, bank_file_id=file_id, filename=name, content=content
            ),
            key="import",
            note=f"{bank}: {count:,} lines, {len(content) / 1e6:.1f} MB",
        )
    roll = steps.run(
        "roll_reconcile", lambda: services.roll_reconcile(user=preparer, roll_id=roll.pk), key="reconcile"
    )
    if close:
        roll = services.roll_close(user=preparer, roll_id=roll.pk)
    summary = list(
        RollLine.objects.filter(roll=roll)
        .values("kind", "status")
        .annotate(n=Count("id"), t=Sum("amount"))
        .order_by("kind", "status")
    )
    print(f"  lines {n_lines:,}; files " + ", ".join(f"{b} {c:,} lines {t} 元" for b, c, t in files))
    print("  by kind/status: " + "; ".join(f"{r['kind']}/{r['status']} {r['n']:,}" for r in summary))
    return roll, n_lines


def main() -> None:
    parser = argparse.ArgumentParser(description="payments benchmark (monthly roll)")
    parser.add_argument("entitlements", nargs="?", type=int, default=1_000_000)
    parser.add_argument(
        "--keep", action="store_true", help="reuse a database seeded for the same N, and keep it"
    )
    parser.add_argument(
        "--fail-rate", type=float, default=0.005, help="share of failed lines in the bank return"
    )
    parser.add_argument("--area", default="371424")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--banks", default=DEFAULT_BANKS, help="bank:share,… of the payee accounts")
    parser.add_argument(
        "--no-previous", action="store_true", help="no earlier roll: the measured roll is the first"
    )
    parser.add_argument("--profile", default="", help="steps of the measured roll to run under cProfile: "
                        "prepare,lock,approve,issue,import,reconcile")  # fmt: skip
    args = parser.parse_args()

    db = BenchDB(BENCH_DB, reuse=args.keep, dummy_tasks=True)
    fresh, backend = db.fresh, db.label
    from django.core.management import call_command
    from django.db import connection

    from dajiuzhu.accounts.models import User
    from dajiuzhu.areas.models import Area
    from dajiuzhu.areas.services import areas_load
    from dajiuzhu.benefits.models import Entitlement
    from dajiuzhu.core import clock, months
    from dajiuzhu.intake.services import catalogue_load

    month = months.first_of(clock.today())
    previous = months.add(month, -1)
    steps = Steps({s.strip() for s in args.profile.split(",") if s.strip()})
    rng = np.random.default_rng(args.seed + 1000)
    try:
        print(f"backend            {backend}")
        print(
            f"entitlements       {args.entitlements:,}   (roll months {months.period(previous)} and {months.period(month)})"
        )
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        areas_load(city=args.area[:4])
        catalogue_load()
        county = Area.objects.get(code=args.area)
        users = {
            role: User.objects.get_or_create(
                username=f"bench_{role}",
                defaults={"role": "county_approver", "area": county, "password": "!"},
            )[0]
            for role in ("preparer", "approver")
        }
        print(f"migrate, areas, catalogue          {time.perf_counter() - t:8.1f} s", flush=True)
        seeded = Entitlement.objects.filter(area__county_code=args.area).count()
        if not fresh and seeded == args.entitlements:
            print(f"reusing the seeded database ({seeded:,} entitlements); rolls wiped")
            reset_rolls()
            state = _reuse_state(args, month)
        else:
            if not fresh:
                print(
                    f"database has {seeded:,} entitlements, not {args.entitlements:,}: seeding again from scratch"
                )
                connection.close()
                db.recreate()
                call_command("migrate", verbosity=0)
                areas_load(city=args.area[:4])
                catalogue_load()
                county = Area.objects.get(code=args.area)
                users = {
                    role: User.objects.create(
                        username=f"bench_{role}", role="county_approver", area=county, password="!"
                    )
                    for role in ("preparer", "approver")
                }
            print("seeding")
            t = time.perf_counter()
            state = seed(n=args.entitlements, area_code=args.area, seed_no=args.seed, month=month, users=users,
                         banks=args.banks)  # fmt: skip
            print(f"  seeding total                      {time.perf_counter() - t:8.1f} s")
            print(
                "  "
                + ", ".join(
                    f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in state["counts"].items()
                )
            )
            _save_state(state)

        if not args.no_previous:
            print(f"\nlast month's roll ({months.period(previous)}, the county's first), run to the end")
            earlier = Steps(set())
            roll, _ = run_roll(earlier, users=users, area_code=args.area, month=previous, fail_rate=args.fail_rate,
                               rng=rng, close=True)  # fmt: skip
            t = time.perf_counter()
            changed = between_rolls(roll, state)
            print(f"  between the rolls                  {time.perf_counter() - t:8.2f} s   {changed}")

        print(f"\nthis month's roll ({months.period(month)}): the measured one")
        roll, n_lines = run_roll(steps, users=users, area_code=args.area, month=month, fail_rate=args.fail_rate,
                                 rng=rng, close=False)  # fmt: skip
        gen_lock = steps.seconds("roll_prepare") + steps.seconds("roll_lock")
        issue = steps.seconds("roll_issue")
        ret = steps.seconds("return_import") + steps.seconds("roll_reconcile")
        scale = args.entitlements / 1_000_000
        print()
        print(f"lines on the roll              {n_lines:>12,}")
        here = "" if scale == 1 else f"; here N = {args.entitlements:,}"
        print(f"prepare + lock                 {gen_lock:8.2f} s   (target ≤ 30 s at 1M{here})")
        print(f"approve                        {steps.seconds('roll_approve'):8.2f} s")
        print(f"issue (bank files)             {issue:8.2f} s   (target ≤ 10 s)")
        print(
            f"render_return (bank's side)    {steps.seconds('bank returns built (render_return)'):8.2f} s   (not a target)"
        )
        print(f"return_import + reconcile      {ret:8.2f} s   (target ≤ 30 s)")
        print(f"process max RSS (getrusage)    {_gib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}")
        load = os.getloadavg()
        print(f"load average (1/5/15 min)      {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    finally:
        db.close(keep=args.keep)


# ---- what --keep needs to redo the between-rolls step on a reused database -----------------------------------


def _state_path() -> Path:
    return Path(tempfile.gettempdir()) / f"{BENCH_DB}-state"


def _save_state(state: dict[str, Any]) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    folder = _state_path()
    folder.mkdir(exist_ok=True)
    state["later_accounts"].write_parquet(folder / "later_accounts.parquet")
    state["batch2"].write_parquet(folder / "batch2.parquet")
    (folder / "now.txt").write_text(state["now_text"])


def _reuse_state(args: Any, month: dt.date) -> dict[str, Any]:
    folder = _state_path()
    return {
        "later_accounts": pl.read_parquet(folder / "later_accounts.parquet"),
        "batch2": pl.read_parquet(folder / "batch2.parquet"),
        "now_text": (folder / "now.txt").read_text(),
        "counts": {},
    }


if __name__ == "__main__":
    main()
