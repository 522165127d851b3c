"""Synthetic engine input tables (persons, households) for N households, vectorised and seeded.

    from engine_data import default_table, generate
    data = generate(1_000_000, seed=1, table=default_table())
    data.households, data.persons            # polars DataFrames in the engine's input schema

Every column of `dajiuzhu.rules.inputs.PERSON_COLUMNS` / `HOUSEHOLD_COLUMNS` is built, in that order.
Columns this module knows get realistic values; any other column (the schema grows over time) gets
its value from `person_defaults()` / `household_defaults()` and is listed in `data.defaulted`.

Everything is drawn with numpy (`default_rng(seed)`, one array per attribute, no Python loop per row),
so the same seed and N give the same tables. Shape of the population (county 371424 临邑县):

* household sizes 1–8, mean ≈ 2.6; 40 % urban;
* a hardship class per household (92 % ordinary, 5 % low income, 3 % poor) that scales work income,
  maintenance and assets down and makes illness and disability more frequent, so that ≈ 7 % of
  households come out 低保 (eligible, review or gradual exit) and ≈ 6 % 低保边缘;
* ages from the head's age (spouse, children, grandchildren, an elderly parent), ≈ 26 % aged 60+ and
  16 % under 18; disability (≈ 6.5 %) more common with age, ADL failures for the very old and the
  grade-1 disabled, 1.5–8 % serious illness; students, one full-time carer where one is needed;
* income by employment (employed, flexible, farming, retired, unemployed) with log-normal amounts,
  pensions and maintenance for the elderly, a caseworker's override for 1 %, rigid medical, education
  and rehabilitation expenditures; deposits, cars, dwellings, registered businesses;
* rarer cases for the other programmes: uncounted members, orphans and children whose parents cannot
  raise them, institutional care, households already on 低保 (gradual exit), temporary-assistance
  requests;
* columns added later (`_later_draws`, drawn last so the earlier columns keep their values): the
  central basic pension within the resident pension, maintenance paid to parents elsewhere and received
  by severely disabled adults, school stages, persons receiving 特困 now, and farm, production and
  mobility vehicles by kind.

Money is integer fen per month. `strings="enum"` (the default) gives the coded columns the registry
reader's types, `pl.Enum` of `dajiuzhu.rules.inputs.CODES` (1 byte a value; `relation`, which no rule
reads, stays String); `strings="string"` gives every string column as `pl.String` (16 bytes a value in
memory), the type of a frame built by hand.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from dajiuzhu.rules.inputs import (
    CODES,
    HOUSEHOLD_COLUMNS,
    PERSON_COLUMNS,
    household_defaults,
    person_defaults,
)
from dajiuzhu.rules.parameters import ParameterTree
from dajiuzhu.rules.params import ParamTable, build_table
from dajiuzhu.rules.programmes import PARAMS

REGION = "371424"
ON = dt.date(2026, 11, 23)

SEX = ("M", "F")
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "other")
DISABILITY_TYPES = ("", "visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
LABOUR = ("full", "partial", "none")
RESIDENCES = ("urban", "rural")
SCHOOL_STAGES = (
    "",
    "preschool",
    "primary",
    "junior",
    "senior",
    "vocational",
    "college",
    "bachelor",
    "graduate",
)
CATEGORIES: dict[str, tuple[str, ...]] = {
    "sex": SEX,
    "relation": RELATIONS,
    "disability_type": DISABILITY_TYPES,
    "labour_capacity": LABOUR,
    "residence": RESIDENCES,
    "ta_type": ("", "emergency", "expenditure"),
    "school_stage": SCHOOL_STAGES,
}

SIZE_WEIGHTS = (0.26, 0.31, 0.20, 0.12, 0.065, 0.03, 0.01, 0.005)  # sizes 1..8, mean ≈ 2.58
HARDSHIP_WEIGHTS = (0.92, 0.05, 0.03)  # ordinary, low income, poor
DISABILITY_TYPE_WEIGHTS = (0.13, 0.22, 0.01, 0.40, 0.07, 0.07, 0.10)  # visual … multiple
DISABILITY_GRADE_WEIGHTS = (0.10, 0.20, 0.30, 0.40)  # grades 1..4
# employment codes
NA, EMPLOYED, FLEXIBLE, FARMING, UNEMPLOYED, RETIRED = range(6)
# The central basic pension of 城乡居民基本养老保险 (national minimum from 2025-01-01, yuan a month): the
# part of a resident pension that income.exclude_basic_pension may leave out.
CENTRAL_BASIC_PENSION_YUAN = 143.0
HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD = range(5)

_PL_TYPES = {int: pl.Int64, str: pl.String, bool: pl.Boolean}


@dataclass
class SyntheticData:
    households: pl.DataFrame
    persons: pl.DataFrame
    defaulted: list[str] = field(default_factory=list)  # schema columns filled with their default

    def estimated_bytes(self) -> int:
        return int(self.households.estimated_size() + self.persons.estimated_size())

    def physical_bytes(self) -> int:
        """Bytes the columns occupy in memory: like estimated_size, but a String value also costs
        its 16-byte view (polars' estimated_size counts only the characters)."""
        total = 0
        for frame in (self.households, self.persons):
            for s in frame.iter_columns():
                total += s.estimated_size()
                if s.dtype == pl.String:
                    total += 16 * s.len()
        return total


def default_table(on: dt.date = ON) -> ParamTable:
    return build_table(ParameterTree.load(), PARAMS, on=on, combos=[(REGION, "rural"), (REGION, "urban")])


def _pick(u: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    """Index of the weight bucket each uniform draw falls in (int8)."""
    cum = (np.cumsum(weights) / sum(weights)).astype(np.float32)
    return np.searchsorted(cum[:-1], u, side="right").astype(np.int8)


def _yuan_to_fen(yuan: np.ndarray) -> np.ndarray:
    return np.rint(yuan * 100.0).astype(np.int64)


def _household_draws(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    def u() -> np.ndarray:
        return rng.random(n, dtype=np.float32)

    size = (_pick(u(), SIZE_WEIGHTS) + 1).astype(np.int8)
    hardship = _pick(u(), HARDSHIP_WEIGHTS)
    urban = u() < 0.4
    # Heads 22..87; poor households skew older.
    skew = np.where(hardship == 2, 0.6, 1.0).astype(np.float32)
    head_age = (22 + np.floor(u() ** skew * 66)).astype(np.int16)
    head_male = u() < 0.72
    has_spouse = (size >= 2) & (u() < np.where(head_age < 70, 0.85, 0.55))
    has_parent = (size >= 3) & (head_age <= 55) & (u() < 0.3)

    # Deposits and other non-exempt financial assets: median 30,000 / 8,000 / 2,000 yuan by hardship.
    has_deposit = u() < np.array([0.7, 0.5, 0.3], dtype=np.float32)[hardship]
    median = np.array([30000.0, 8000.0, 2000.0])[hardship]
    deposit = np.minimum(median * rng.lognormal(0.0, 1.2, n), 5_000_000.0)
    financial = np.where(has_deposit, _yuan_to_fen(deposit), 0)
    # Private cars (the other vehicle kinds are drawn in _later_draws).
    has_car = u() < np.array([0.12, 0.03, 0.01], dtype=np.float32)[hardship]
    vehicles = np.where(has_car, 1 + (u() < 0.08), 0).astype(np.int64)
    vehicle_value = np.where(has_car, _yuan_to_fen(20000.0 + u() * 80000.0), 0)  # the most valuable one
    # Own home (1), none (renting, living with relatives), or a second dwelling.
    ud = u()
    second = np.array([0.03, 0.01, 0.005], dtype=np.float32)[hardship]
    none = np.where(urban, 0.3, 0.05).astype(np.float32)
    dwellings = np.where(ud < second, 2, np.where(ud < second + none, 0, 1)).astype(np.int64)
    has_business = u() < np.array([0.05, 0.02, 0.005], dtype=np.float32)[hardship]
    # Children or siblings outside the household able to support (matters for 特困).
    supporter = u() < np.array([0.8, 0.6, 0.4], dtype=np.float32)[hardship]
    # Half of the poor households are on 低保 already (amount, months of gradual exit used).
    current = (hardship == 2) & (u() < 0.5)
    last_amount = np.where(current, _yuan_to_fen(np.floor(200.0 + u() * 1300.0)), 0)
    taper_used = np.where(current & (u() < 0.2), np.floor(u() * 7), 0).astype(np.int64)
    # Temporary-assistance requests under assessment: 0.3 % emergency, 0.5 % expenditure, tiers 1..3.
    ut = u()
    ta_type = np.where(ut < 0.003, 1, np.where(ut < 0.008, 2, 0)).astype(np.int8)
    ta_tier = np.where(ta_type > 0, 1 + np.floor(u() * 3), 0).astype(np.int64)
    return {
        "size": size,
        "hardship": hardship,
        "urban": urban,
        "head_age": head_age,
        "head_male": head_male,
        "has_spouse": has_spouse,
        "has_parent": has_parent,
        "financial_assets_fen": financial,
        "vehicles": vehicles,
        "vehicle_value_fen": vehicle_value,
        "dwellings": dwellings,
        "has_business": has_business,
        "external_supporter_able": supporter,
        "dibao_current": current,
        "dibao_taper_used": taper_used,
        "dibao_last_amount_fen": last_amount,
        "ta_type": ta_type,
        "ta_tier": ta_tier,
    }


def _bernoulli(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Sorted indices i < n where independent Bernoulli(p) draws came out true, drawn as geometric gaps
    (about n·p draws instead of n)."""
    if p <= 0 or n == 0:
        return np.empty(0, dtype=np.int64)
    mean = n * p
    pos = np.cumsum(rng.geometric(p, size=int(mean + 6 * np.sqrt(mean) + 16))) - 1
    while pos[-1] < n:
        more = np.cumsum(rng.geometric(p, size=int(mean / 4) + 16)) + pos[-1]
        pos = np.concatenate([pos, more])
    return pos[pos < n]


def _person_draws(rng: np.random.Generator, h: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    f32 = np.float32
    size = h["size"]
    n_households = size.size
    hh = np.repeat(np.arange(n_households, dtype=np.int64), size)
    n = hh.size

    def u(k: int = n) -> np.ndarray:
        return rng.random(k, dtype=f32)

    def zeros(dtype: type = np.int64) -> np.ndarray:
        return np.zeros(n, dtype=dtype)

    starts = np.cumsum(size, dtype=np.int64) - size
    slot = (np.arange(n, dtype=np.int64) - starts[hh]).astype(np.int8)
    heads = starts  # index of each household's head (slot 0)
    del starts
    head_age = h["head_age"][hh]
    hardship = h["hardship"][hh]
    urban = h["urban"][hh]

    # Relations and ages follow the head's age.
    relation = np.full(n, CHILD, dtype=np.int8)
    relation[heads] = HEAD
    relation[(slot == 1) & h["has_spouse"][hh]] = SPOUSE
    relation[h["has_parent"][hh] & (slot == size[hh] - 1)] = PARENT
    gap = (u() * 21).astype(np.int16)
    ugc = u()
    child_raw = head_age - 20 - gap
    relation[(relation == CHILD) & (child_raw > 30) & (ugc < 0.5)] = GRANDCHILD
    age = child_raw.copy()
    age[relation == HEAD] = head_age[relation == HEAD]
    sel = relation == SPOUSE
    age[sel] = np.clip(head_age[sel] - 5 + gap[sel] // 2, 20, 95)
    sel = relation == PARENT
    age[sel] = np.minimum(head_age[sel] + 22 + gap[sel] // 2, 98)
    sel = relation == GRANDCHILD
    age[sel] = np.clip(child_raw[sel] - 25, 0, 20)
    sel = (relation == CHILD) & (child_raw > 30)  # adult children still at home
    age[sel] = 30 - (ugc[sel] * 8).astype(np.int16)
    sel = (relation == CHILD) & (child_raw < 0)  # young parents: small children
    age[sel] = (u(int(sel.sum())) * np.maximum(head_age[sel] - 19, 1)).astype(np.int16)
    del gap, ugc, child_raw, sel

    male = u() < 0.51
    male[relation == HEAD] = h["head_male"]
    sel = relation == SPOUSE
    male[sel] = ~h["head_male"][hh[sel]]

    # Disability: ≈6 % overall, more with age and hardship; type and grade only for the disabled.
    base = np.where(age >= 60, f32(0.11), np.where(age >= 18, f32(0.05), f32(0.025)))
    disabled = u() < base * np.array([1.0, 1.5, 2.0], dtype=f32)[hardship]
    del base
    dis = np.flatnonzero(disabled)
    dtype_code = zeros(np.int8)
    dtype_code[dis] = _pick(u(dis.size), DISABILITY_TYPE_WEIGHTS) + 1
    grade = zeros(np.int8)
    grade[dis] = _pick(u(dis.size), DISABILITY_GRADE_WEIGHTS) + 1
    # ADL failures: a quarter of the over-80s, 8 % of 65–79, and the grade-1 disabled from 16.
    old = np.flatnonzero(age >= 65)
    frail = old[u(old.size) < np.where(age[old] >= 80, f32(0.25), f32(0.08))]
    frail = np.union1d(frail, dis[(grade[dis] == 1) & (age[dis] >= 16)])
    adl_fails = zeros(np.int8)
    adl_fails[frail] = 1 + (u(frail.size) * 6).astype(np.int8)
    del old, frail
    ill = u() < np.array([0.015, 0.04, 0.08], dtype=f32)[hardship]

    severe_grade = (grade == 1) | (grade == 2)
    labour = np.where((grade >= 3) | ill | (age >= 60), 1, 0).astype(np.int8)
    labour[(age < 16) | (age >= 65) | severe_grade | (adl_fails > 0)] = 2
    student = (age >= 6) & (age <= 14)
    teen = np.flatnonzero((age >= 15) & (age <= 24))
    a, ut = age[teen], u(teen.size)
    student[teen] = (
        ((a <= 17) & (ut < 0.9)) | ((a >= 18) & (a <= 21) & (ut < 0.45)) | ((a >= 22) & (ut < 0.05))
    )
    del teen, a, ut

    # Full-time carer: the working-age second member of a household with a severely disabled or ill member.
    severe = severe_grade | ((grade == 3) & ((dtype_code == 5) | (dtype_code == 6)))
    needs_care = np.bincount(hh, weights=severe | ill, minlength=n_households) > 0
    working_age = (age >= 16) & (age <= 59)
    able = working_age & (labour != 2) & ~student
    cand = np.flatnonzero(able & (slot == 1) & ~severe & ~ill)
    cand = cand[needs_care[hh[cand]]]
    carer = zeros(bool)
    carer[cand[u(cand.size) < 0.3]] = True
    able &= ~carer
    del needs_care, severe_grade, cand

    # Employment of the able working-age and of the elderly.
    employment = zeros(np.int8)  # NA
    idx = np.flatnonzero(able)
    e = u(idx.size)
    employment[idx] = np.where(
        urban[idx],
        np.where(e < 0.5, EMPLOYED, np.where(e < 0.88, FLEXIBLE, UNEMPLOYED)),
        np.where(e < 0.45, FARMING, np.where(e < 0.7, EMPLOYED, np.where(e < 0.95, FLEXIBLE, UNEMPLOYED))),
    )
    elderly_idx = np.flatnonzero(age >= 60)
    e = u(elderly_idx.size)
    retired_share = np.array([0.6, 0.3, 0.05], dtype=f32)[hardship[elderly_idx]]
    a, lab = age[elderly_idx], labour[elderly_idx]
    employment[elderly_idx] = np.where(
        urban[elderly_idx],
        np.where(e < retired_share, RETIRED, NA),
        np.where((lab != 2) & (a < 75) & (e < 0.5), FARMING, NA),
    )
    del idx, e, retired_share, a, lab

    # Monthly income in yuan; ordinary / low-income / poor households earn 1 / 0.45 / 0.18 of it.
    scale = np.array([1.0, 0.45, 0.18], dtype=f32)[hardship]
    wage_fen, business_fen = zeros(), zeros()
    idx = np.flatnonzero(employment == EMPLOYED)
    median = np.where(urban[idx], f32(5500.0), f32(4500.0))
    wage_fen[idx] = _yuan_to_fen(median * rng.lognormal(0.0, 0.35, idx.size).astype(f32) * scale[idx])
    idx = np.flatnonzero(employment == FLEXIBLE)
    wage_fen[idx] = _yuan_to_fen(3500.0 * rng.lognormal(0.0, 0.45, idx.size).astype(f32) * scale[idx])
    partial = np.flatnonzero((labour == 1) & (wage_fen > 0))
    wage_fen[partial] = wage_fen[partial] * 6 // 10
    idx = np.flatnonzero(employment == FARMING)
    business_fen[idx] = _yuan_to_fen(3500.0 * rng.lognormal(0.0, 0.45, idx.size).astype(f32) * scale[idx])
    # Social-insurance pensions: employee pension for the retired, the basic resident pension otherwise.
    pension_fen = zeros()
    e_ret = employment[elderly_idx] == RETIRED
    pension_fen[elderly_idx] = _yuan_to_fen(
        np.where(
            e_ret,
            2800.0 * rng.lognormal(0.0, 0.3, elderly_idx.size).astype(f32),
            180.0 + u(elderly_idx.size) * 120.0,
        )
    )
    # Maintenance (赡养费) from children living elsewhere, for most elderly members.
    transfer_fen = zeros()
    gets = elderly_idx[u(elderly_idx.size) < np.array([0.95, 0.6, 0.3], dtype=f32)[hardship[elderly_idx]]]
    transfer_fen[gets] = _yuan_to_fen((800.0 + u(gets.size) * 1500.0) * scale[gets])
    # Whoever pays maintenance is a supporter outside the household able to support.
    h["external_supporter_able"][hh[gets]] = True
    del e_ret, gets, scale, idx, partial
    # Property and other income, recorded on the head.
    property_fen, other_fen = zeros(), zeros()
    idx = heads[_bernoulli(rng, n_households, 0.05)]
    property_fen[idx] = _yuan_to_fen(300.0 + u(idx.size) * 1200.0)
    idx = heads[_bernoulli(rng, n_households, 0.04)]
    other_fen[idx] = _yuan_to_fen(100.0 + u(idx.size) * 400.0)
    # A caseworker's recorded imputed income for 1 % of the working-age.
    override_fen = np.full(n, -1, dtype=np.int64)
    idx = _bernoulli(rng, n, 0.01)
    idx = idx[working_age[idx]]
    override_fen[idx] = np.floor(u(idx.size) * 1500.0).astype(np.int64) * 100

    # Rigid expenditures (monthly): medical, tuition in higher education, rehabilitation.
    medical_fen = zeros()
    idx = np.flatnonzero(ill)
    medical_fen[idx] = _yuan_to_fen((5000.0 + u(idx.size) * 35000.0) / 12)
    idx = _bernoulli(rng, n, 0.05)
    idx = idx[~ill[idx]]
    medical_fen[idx] = _yuan_to_fen((600.0 + u(idx.size) * 3000.0) / 12)
    education_fen = zeros()
    idx = np.flatnonzero(student & (age >= 18))
    idx = idx[u(idx.size) < 0.8]
    education_fen[idx] = _yuan_to_fen((5000.0 + u(idx.size) * 5000.0) / 12)
    rehabilitation_fen = zeros()
    idx = dis[u(dis.size) < 0.2]
    rehabilitation_fen[idx] = _yuan_to_fen((1500.0 + u(idx.size) * 20000.0) / 12)

    # A few members are not counted (e.g. away for years); orphans and children whose parents cannot
    # raise them; a few of the frail elderly and of the orphans live in an institution.
    counted = np.ones(n, dtype=bool)
    idx = _bernoulli(rng, n, 0.01)
    counted[idx[slot[idx] > 0]] = False
    minors = np.flatnonzero(age < 18)
    ua, ub = u(minors.size), u(minors.size)
    parents_absent, parents_unable = zeros(np.int8), zeros(np.int8)
    parents_absent[minors] = np.where(ua < 0.002, 2, np.where(ua < 0.012, 1, 0))
    parents_unable[minors] = np.where(ub < 0.004, 2, np.where(ub < 0.014, 1, 0))
    in_institution = zeros(bool)
    idx = elderly_idx[adl_fails[elderly_idx] > 0]
    in_institution[idx[u(idx.size) < 0.05]] = True
    idx = minors[parents_absent[minors] == 2]
    in_institution[idx[u(idx.size) < 0.3]] = True
    chooses = np.ones(n, dtype=bool)
    idx = minors[(parents_absent[minors] > 0) | (parents_unable[minors] > 0)]
    chooses[idx] = u(idx.size) < 0.9
    del minors, ua, ub, elderly_idx, idx

    return {
        "household_id": hh,
        "person_id": np.arange(n, dtype=np.int64),
        "age": age,
        "sex": np.where(male, 0, 1).astype(np.int8),
        "relation": relation,
        "counted": counted,
        "disability_type": dtype_code,
        "disability_grade": grade,
        "adl_fails": adl_fails,
        "labour_capacity": labour,
        "is_student": student,
        "serious_illness": ill,
        "is_carer": carer,
        "in_institution": in_institution,
        "parents_absent": parents_absent,
        "parents_unable": parents_unable,
        "chooses_child_allowance": chooses,
        "income_wage_fen": wage_fen,
        "income_business_fen": business_fen,
        "income_property_fen": property_fen,
        "income_transfer_fen": transfer_fen,
        "income_pension_fen": pension_fen,
        "income_other_fen": other_fen,
        "labour_override_fen": override_fen,
        "medical_fen": medical_fen,
        "education_fen": education_fen,
        "rehabilitation_fen": rehabilitation_fen,
        "medical_oop_year_fen": medical_fen * 12,
        # for _later_draws only (not schema columns)
        "_employment": employment,
        "_hardship": hardship,
        "_severe": severe,
    }


def _later_draws(rng: np.random.Generator, h: dict[str, np.ndarray], p: dict[str, np.ndarray]) -> None:
    """Columns added to the schema later (policy fidelity, issue 13), drawn after every other column so
    that the same seed still gives the earlier columns the same values. Adds to `h` and `p` in place."""
    f32 = np.float32
    employment, hardship, severe = p.pop("_employment"), p.pop("_hardship"), p.pop("_severe")
    hh, age, relation = p["household_id"], p["age"], p["relation"]
    n, n_households = hh.size, h["size"].size

    def u(k: int) -> np.ndarray:
        return rng.random(k, dtype=f32)

    # The resident pension of the non-retired elderly (180–300 yuan) holds the central basic pension; the
    # rest (provincial top-up, personal account) stays a social-insurance pension. Both are counted for
    # 低保 while income.exclude_basic_pension is off, neither for 特困: results do not change.
    basic = np.zeros(n, dtype=np.int64)
    resident = np.flatnonzero((age >= 60) & (employment != RETIRED) & (p["income_pension_fen"] > 0))
    basic[resident] = np.minimum(_yuan_to_fen(np.full(resident.size, CENTRAL_BASIC_PENSION_YUAN)),
                                 p["income_pension_fen"][resident])  # fmt: skip
    p["income_pension_fen"][resident] -= basic[resident]
    p["income_basic_pension_fen"] = basic
    # Maintenance paid to parents living elsewhere (转移性支出), by a working head of a household without
    # a parent at home: 15 % / 8 % / 3 % by hardship, 200–800 yuan.
    spending = np.zeros(n, dtype=np.int64)
    heads = np.flatnonzero(relation == HEAD)
    earns = (p["income_wage_fen"][heads] + p["income_business_fen"][heads]) > 0
    pays = heads[earns & (age[heads] >= 30) & (age[heads] <= 59) & ~h["has_parent"][hh[heads]]]
    pays = pays[u(pays.size) < np.array([0.15, 0.08, 0.03], dtype=f32)[hardship[pays]]]
    spending[pays] = _yuan_to_fen(np.floor(200.0 + u(pays.size) * 600.0))
    p["transfer_spending_fen"] = spending
    # Maintenance from siblings or parents aged 60+ for a third of the severely disabled adults without
    # work income, 200–600 yuan.
    support = np.zeros(n, dtype=np.int64)
    no_work = (p["income_wage_fen"] + p["income_business_fen"]) == 0
    gets = np.flatnonzero(severe & (age >= 18) & no_work)
    gets = gets[u(gets.size) < 0.33]
    support[gets] = _yuan_to_fen(np.floor(200.0 + u(gets.size) * 400.0))
    p["income_family_support_fen"] = support

    # School stage of the students; 18–19-year-olds partly still in senior or vocational school.
    stage = np.zeros(n, dtype=np.int8)
    st = np.flatnonzero(p["is_student"])
    a, us = age[st], u(st.size)
    stage[st] = np.select(
        [a <= 11, a <= 14, a <= 17, a <= 19, a <= 21],
        [
            np.full(st.size, 2),  # primary
            np.full(st.size, 3),  # junior
            np.where(us < 0.65, 4, 5),  # senior, vocational
            np.where(us < 0.2, 4, np.where(us < 0.35, 5, np.where(us < 0.65, 6, 7))),
            np.where(us < 0.35, 6, 7),  # college, bachelor
        ],
        np.where(us < 0.6, 7, 8),  # bachelor, graduate
    ).astype(np.int8)
    p["school_stage"] = stage
    # Receiving 特困 support now: 60 % of the elderly, minors and severely disabled of poor households
    # with no supporter elsewhere, and of their students aged 18–21 (kept while at school, R2.5).
    poor_alone = (hardship == 2) & ~h["external_supporter_able"][hh]
    who = np.flatnonzero(
        poor_alone
        & p["counted"]
        & ((age >= 60) | (age < 18) | severe | (p["is_student"] & (age >= 18) & (age <= 21)))
    )
    current = np.zeros(n, dtype=bool)
    current[who[u(who.size) < 0.6]] = True
    p["tekun_current"] = current

    # Vehicles by kind (the most valuable one's value): farm vehicles in rural farming households (a few
    # tractors above the exemption limit), vans of the self-employed and businesses, mobility vehicles of
    # the physically disabled.
    farming = np.bincount(hh, weights=employment == FARMING, minlength=n_households) > 0
    ua = u(n_households)
    has_farm = farming & ~h["urban"] & (ua < 0.35)
    tractor = u(n_households) < 0.06
    farm_value = np.where(tractor, 30000.0 + u(n_households) * 50000.0, 3000.0 + u(n_households) * 12000.0)
    h["agricultural_vehicles"] = has_farm.astype(np.int64)
    h["agricultural_vehicle_value_fen"] = np.where(has_farm, _yuan_to_fen(np.floor(farm_value)), 0)
    flexible = np.bincount(hh, weights=employment == FLEXIBLE, minlength=n_households) > 0
    has_van = (h["has_business"] | flexible) & (u(n_households) < 0.1)
    h["production_vehicles"] = has_van.astype(np.int64)
    van_value = 5000.0 + u(n_households) * 35000.0
    h["production_vehicle_value_fen"] = np.where(has_van, _yuan_to_fen(np.floor(van_value)), 0)
    mobile = (p["disability_type"] == 4) & (age >= 18) & (age <= 70)  # physical
    has_mobility = (np.bincount(hh, weights=mobile, minlength=n_households) > 0) & (u(n_households) < 0.08)
    h["disability_vehicles"] = has_mobility.astype(np.int64)
    mobility_value = 5000.0 + u(n_households) * 35000.0
    h["disability_vehicle_value_fen"] = np.where(has_mobility, _yuan_to_fen(np.floor(mobility_value)), 0)


def _dtype(name: str, kind: type, strings: str) -> Any:
    """The registry reader's type with strings="enum" (a coded column as Enum of its CODES), else the
    plain one."""
    return pl.Enum(list(CODES[name])) if strings == "enum" and name in CODES else _PL_TYPES[kind]


def _series(name: str, kind: type, values: np.ndarray, strings: str) -> pl.Series:
    if kind is str:
        cats = CATEGORIES[name]
        codes = pl.Series(name, values)
        return codes.replace_strict(
            list(range(len(cats))), list(cats), return_dtype=_dtype(name, kind, strings)
        )
    return pl.Series(name, values).cast(_PL_TYPES[kind])


def _default_series(
    name: str, kind: type, n: int, defaults: dict[str, object], missing: list[str], strings: str
) -> pl.Series:
    if name not in defaults:
        missing.append(name)
    value = defaults.get(name, kind())
    return pl.select(pl.repeat(value, n, dtype=_dtype(name, kind, strings)).alias(name)).to_series()


def _frame(
    schema: dict[str, type], arrays: dict[str, np.ndarray], n: int, defaults: dict[str, object], strings: str
) -> tuple[pl.DataFrame, list[str], list[str]]:
    columns, defaulted, missing = [], [], []
    for name, kind in schema.items():
        if name in arrays:
            columns.append(_series(name, kind, arrays.pop(name), strings))
        else:
            defaulted.append(name)
            columns.append(_default_series(name, kind, n, defaults, missing, strings))
    return pl.DataFrame(columns), defaulted, missing


def generate(
    n_households: int, *, seed: int = 1, table: ParamTable | None = None, strings: str = "enum"
) -> SyntheticData:
    """Persons and households for `n_households` households in county 371424, urban and rural."""
    if strings not in {"string", "enum"}:
        raise ValueError("strings must be 'string' or 'enum'")
    table = table or default_table()
    rng = np.random.default_rng(seed)
    h = _household_draws(rng, n_households)
    p = _person_draws(rng, h)
    _later_draws(rng, h, p)

    keys = np.array([table.key_of(REGION, "urban"), table.key_of(REGION, "rural")], dtype=np.int64)
    key_of_household = keys[np.where(h["urban"], 0, 1)]
    p["param_key"] = key_of_household[p["household_id"]]
    households = {
        "household_id": np.arange(n_households, dtype=np.int64),
        "param_key": key_of_household,
        "residence": np.where(h["urban"], 0, 1).astype(np.int8),
        **{k: v for k, v in h.items() if k in HOUSEHOLD_COLUMNS},
    }
    del h
    n_persons = p["household_id"].size
    pframe, pdef, pmiss = _frame(PERSON_COLUMNS, p, n_persons, person_defaults(), strings)
    hframe, hdef, hmiss = _frame(HOUSEHOLD_COLUMNS, households, n_households, household_defaults(), strings)
    if pmiss or hmiss:
        print(
            f"engine_data: no default for {', '.join(pmiss + hmiss)}; filled with 0 / '' / False",
            file=sys.stderr,
        )
    return SyntheticData(households=hframe, persons=pframe, defaulted=pdef + hdef)
