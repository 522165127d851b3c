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
* a hardship class per household (86 % ordinary, 8 % low income, 6 % poor) that scales work income and
  assets down and makes illness and disability more frequent, so that a few percent of households
  come out 低保-eligible and a few more 低保边缘;
* ages from the head's age (spouse, children, grandchildren, an elderly parent), disability more common
  with age, ADL failures for the very old and the severely disabled, 3–8 % serious illness;
* income by employment (employed, flexible, farming, retired, unemployed) with log-normal amounts,
  basic pension and maintenance for the elderly, rigid medical/education/rehabilitation expenditures.

Money is integer fen per month. `strings="enum"` gives the string columns as `pl.Enum` (1 byte a value)
instead of `pl.String` (the schema's `str`, 16 bytes a value in memory).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from dajiuzhu.rules.inputs import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, household_defaults, person_defaults
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
CATEGORIES: dict[str, tuple[str, ...]] = {
    "sex": SEX,
    "relation": RELATIONS,
    "disability_type": DISABILITY_TYPES,
    "labour_capacity": LABOUR,
    "residence": RESIDENCES,
    "ta_type": ("", "emergency", "expenditure"),
}

SIZE_WEIGHTS = (0.26, 0.31, 0.20, 0.12, 0.065, 0.03, 0.01, 0.005)  # sizes 1..8, mean ≈ 2.58
HARDSHIP_WEIGHTS = (0.92, 0.05, 0.03)  # ordinary, low income, poor
DISABILITY_TYPE_WEIGHTS = (0.13, 0.22, 0.01, 0.40, 0.07, 0.07, 0.10)  # visual … multiple
DISABILITY_GRADE_WEIGHTS = (0.10, 0.20, 0.30, 0.40)  # grades 1..4
# employment codes
NA, EMPLOYED, FLEXIBLE, FARMING, UNEMPLOYED, RETIRED = range(6)
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
    cum = np.cumsum(weights) / sum(weights)
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
    # Non-exempt vehicles (cars; farm tricycles are exempt and not counted).
    has_car = u() < np.array([0.12, 0.03, 0.01], dtype=np.float32)[hardship]
    vehicles = np.where(has_car, 1 + (u() < 0.08), 0).astype(np.int64)
    vehicle_value = np.where(has_car, _yuan_to_fen(20000.0 + u() * 80000.0) * vehicles, 0)
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


def _person_draws(rng: np.random.Generator, h: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    size = h["size"]
    n_households = size.size
    hh = np.repeat(np.arange(n_households, dtype=np.int64), size)
    n = hh.size

    def u() -> np.ndarray:
        return rng.random(n, dtype=np.float32)

    starts = np.cumsum(size, dtype=np.int64) - size
    slot = (np.arange(n, dtype=np.int64) - starts[hh]).astype(np.int8)
    del starts
    head_age = h["head_age"][hh]
    hardship = h["hardship"][hh]
    urban = h["urban"][hh]

    relation = np.full(n, CHILD, dtype=np.int8)
    relation[slot == 0] = HEAD
    relation[(slot == 1) & h["has_spouse"][hh]] = SPOUSE
    relation[h["has_parent"][hh] & (slot == size[hh] - 1)] = PARENT
    gap = np.floor(u() * 21).astype(np.int16)
    ugc = u()
    child_raw = head_age - 20 - gap
    grandchild = (relation == CHILD) & (child_raw > 30) & (ugc < 0.5)
    relation[grandchild] = GRANDCHILD
    age = np.select(
        [
            relation == HEAD,
            relation == SPOUSE,
            relation == PARENT,
            relation == GRANDCHILD,
            child_raw > 30,
            child_raw < 0,
        ],
        [
            head_age,
            np.clip(head_age - 5 + gap // 2, 20, 95),
            np.minimum(head_age + 22 + gap // 2, 98),
            np.clip(child_raw - 25, 0, 20),
            30 - np.floor(ugc * 8).astype(np.int16),
            np.floor(u() * np.maximum(head_age - 19, 1)).astype(np.int16),
        ],
        child_raw,
    ).astype(np.int16)
    del gap, ugc, child_raw, grandchild

    head_male = h["head_male"][hh]
    male = np.where(relation == HEAD, head_male, np.where(relation == SPOUSE, ~head_male, u() < 0.51))
    del head_male

    # Disability: ≈6 % overall, more with age and hardship.
    factor = np.array([1.0, 1.5, 2.0], dtype=np.float32)[hardship]
    base = np.where(age >= 60, 0.11, np.where(age >= 18, 0.05, 0.025)).astype(np.float32)
    disabled = u() < base * factor
    dtype_code = np.where(disabled, _pick(u(), DISABILITY_TYPE_WEIGHTS) + 1, 0).astype(np.int8)
    grade = np.where(disabled, _pick(u(), DISABILITY_GRADE_WEIGHTS) + 1, 0).astype(np.int8)
    old_adl = np.where(age >= 80, 0.25, np.where(age >= 65, 0.08, 0.0)).astype(np.float32)
    adl_fail = (u() < old_adl) | ((grade == 1) & (age >= 16))
    adl_fails = np.where(adl_fail, 1 + np.floor(u() * 6), 0).astype(np.int8)
    del old_adl, adl_fail, base
    ill = u() < np.array([0.015, 0.04, 0.08], dtype=np.float32)[hardship]

    severe_grade = (grade >= 1) & (grade <= 2)
    labour = np.where(
        (age < 16) | (age >= 65) | severe_grade | (adl_fails > 0),
        2,
        np.where((grade >= 3) | ill | (age >= 60), 1, 0),
    ).astype(np.int8)
    us = u()
    student = (
        ((age >= 6) & (age <= 14))
        | ((age >= 15) & (age <= 17) & (us < 0.9))
        | ((age >= 18) & (age <= 21) & (us < 0.45))
        | ((age >= 22) & (age <= 24) & (us < 0.05))
    )
    del us

    # Full-time carer: the working-age second member of a household with a severely disabled or ill member.
    severe = severe_grade | ((grade == 3) & ((dtype_code == 5) | (dtype_code == 6)))
    needs_care = np.bincount(hh, weights=severe | ill, minlength=n_households)[hh] > 0
    working_age = (age >= 16) & (age <= 59)
    able = working_age & (labour != 2) & ~student
    carer = able & needs_care & ~severe & ~ill & (slot == 1) & (u() < 0.3)  # at most one, the spouse
    del needs_care, severe_grade

    # Employment.
    e = u()
    retired_share = np.array([0.6, 0.3, 0.05], dtype=np.float32)[hardship]
    employment = np.select(
        [
            ~able & ~(age >= 60),
            carer,
            (age >= 60) & urban & (e < retired_share),
            (age >= 60) & ~urban & (labour != 2) & (age < 75) & (e < 0.5),
            age >= 60,
            urban & (e < 0.5),
            urban & (e < 0.88),
            urban,
            e < 0.45,
            e < 0.7,
            e < 0.95,
        ],
        [NA, NA, RETIRED, FARMING, NA, EMPLOYED, FLEXIBLE, UNEMPLOYED, FARMING, EMPLOYED, FLEXIBLE],
        UNEMPLOYED,
    ).astype(np.int8)
    del e, retired_share

    # Monthly income in yuan; ordinary / low-income / poor households earn 1 / 0.45 / 0.18 of it.
    scale = np.array([1.0, 0.45, 0.18], dtype=np.float32)[hardship]
    partial = np.where(labour == 1, 0.6, 1.0).astype(np.float32)
    ln35 = rng.lognormal(0.0, 0.35, n).astype(np.float32)
    ln45 = rng.lognormal(0.0, 0.45, n).astype(np.float32)
    wage = np.select(
        [employment == EMPLOYED, employment == FLEXIBLE],
        [np.where(urban, 5500.0, 4500.0).astype(np.float32) * ln35, 3500.0 * ln45],
        0.0,
    )
    wage_fen = _yuan_to_fen(wage * partial * scale)
    business_fen = _yuan_to_fen(np.where(employment == FARMING, 3500.0 * ln45 * scale, 0.0))
    del wage, ln35, partial
    elderly = age >= 60
    # Social-insurance pensions: employee pension for the retired, the basic resident pension otherwise.
    pension = np.where(
        employment == RETIRED,
        2800.0 * rng.lognormal(0.0, 0.3, n).astype(np.float32),
        np.where(elderly, 180.0 + u() * 120.0, 0.0),
    )
    pension_fen = _yuan_to_fen(pension)
    del pension
    # Maintenance (赡养费) from children living elsewhere, for most elderly members.
    maint_share = np.array([0.95, 0.6, 0.3], dtype=np.float32)[hardship]
    transfer = np.where(elderly & (u() < maint_share), (800.0 + u() * 1500.0) * scale, 0.0)
    transfer_fen = _yuan_to_fen(transfer)
    del transfer, maint_share, ln45
    # Whoever pays maintenance is a supporter outside the household able to support.
    h["external_supporter_able"] |= np.bincount(hh, weights=transfer_fen > 0, minlength=n_households) > 0
    is_head = relation == HEAD
    property_fen = np.where(is_head & (u() < 0.05), _yuan_to_fen(300.0 + u() * 1200.0), 0)
    other_fen = np.where(is_head & (u() < 0.04), _yuan_to_fen(100.0 + u() * 400.0), 0)
    override_fen = np.where(working_age & (u() < 0.01), _yuan_to_fen(np.floor(u() * 1500.0)), -1)

    # Rigid expenditures (monthly): medical, tuition for students in higher education, rehabilitation.
    medical = np.where(
        ill, (5000.0 + u() * 35000.0) / 12, np.where(u() < 0.05, (600.0 + u() * 3000.0) / 12, 0)
    )
    higher_ed = student & (age >= 18) & (u() < 0.8)
    education = np.where(higher_ed, (5000.0 + u() * 5000.0) / 12, 0.0)
    rehab = np.where(disabled & (u() < 0.2), (1500.0 + u() * 20000.0) / 12, 0.0)
    medical_fen = _yuan_to_fen(medical)
    del medical

    # A few members are not counted (e.g. away for years); orphans and children whose parents cannot
    # raise them; a few of the frail elderly and of the orphans live in an institution.
    counted = (slot == 0) | (u() >= 0.01)
    minor = age < 18
    ua = u()
    parents_absent = np.where(minor & (ua < 0.002), 2, np.where(minor & (ua < 0.012), 1, 0)).astype(np.int8)
    ub = u()
    parents_unable = np.where(minor & (ub < 0.004), 2, np.where(minor & (ub < 0.014), 1, 0)).astype(np.int8)
    del ua, ub
    in_institution = ((age >= 60) & (adl_fails > 0) & (u() < 0.05)) | ((parents_absent == 2) & (u() < 0.3))

    return {
        "household_id": hh,
        "person_id": np.arange(n, dtype=np.int64),
        "age": age,
        "sex": np.where(male, 0, 1).astype(np.int8),
        "relation": relation,
        "disability_type": dtype_code,
        "disability_grade": grade,
        "adl_fails": adl_fails,
        "labour_capacity": labour,
        "is_student": student,
        "serious_illness": ill,
        "is_carer": carer,
        "income_wage_fen": wage_fen,
        "income_business_fen": business_fen,
        "income_property_fen": property_fen,
        "income_transfer_fen": transfer_fen,
        "income_pension_fen": pension_fen,
        "income_other_fen": other_fen,
        "labour_override_fen": override_fen,
        "counted": counted,
        "in_institution": in_institution,
        "parents_absent": parents_absent,
        "parents_unable": parents_unable,
        "chooses_child_allowance": u() < 0.9,
        "medical_fen": medical_fen,
        "medical_oop_year_fen": medical_fen * 12,
        "education_fen": _yuan_to_fen(education),
        "rehabilitation_fen": _yuan_to_fen(rehab),
    }


def _series(name: str, kind: type, values: np.ndarray, strings: str) -> pl.Series:
    if kind is str:
        cats = CATEGORIES[name]
        dtype: pl.DataType = pl.Enum(list(cats)) if strings == "enum" else pl.String()
        codes = pl.Series(name, values)
        return codes.replace_strict(list(range(len(cats))), list(cats), return_dtype=dtype)
    return pl.Series(name, values).cast(_PL_TYPES[kind])


def _default_series(
    name: str, kind: type, n: int, defaults: dict[str, object], missing: list[str]
) -> pl.Series:
    if name not in defaults:
        missing.append(name)
    value = defaults.get(name, kind())
    return pl.select(pl.repeat(value, n, dtype=_PL_TYPES[kind]).alias(name)).to_series()


def _frame(
    schema: dict[str, type], arrays: dict[str, np.ndarray], n: int, defaults: dict[str, object], strings: str
) -> tuple[pl.DataFrame, list[str], list[str]]:
    columns, defaulted, missing = [], [], []
    for name, kind in schema.items():
        if name in arrays:
            columns.append(_series(name, kind, arrays.pop(name), strings))
        else:
            defaulted.append(name)
            columns.append(_default_series(name, kind, n, defaults, missing))
    return pl.DataFrame(columns), defaulted, missing


def generate(
    n_households: int, *, seed: int = 1, table: ParamTable | None = None, strings: str = "string"
) -> SyntheticData:
    """Persons and households for `n_households` households in county 371424, urban and rural."""
    if strings not in {"string", "enum"}:
        raise ValueError("strings must be 'string' or 'enum'")
    table = table or default_table()
    rng = np.random.default_rng(seed)
    h = _household_draws(rng, n_households)
    p = _person_draws(rng, h)

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
