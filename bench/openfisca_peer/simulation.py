"""Build an OpenFisca Simulation from the engine's input tables (polars DataFrames), whole columns at a
time: ids and memberships through SimulationBuilder, then one `set_input` per input variable."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from openfisca_core.indexed_enums import Enum
from openfisca_core.simulation_builder import SimulationBuilder

from .variables import ENUM_NAMES


def input_columns(system: Any, frame: pl.DataFrame, entity: str) -> list[str]:
    """Columns of `frame` that are input variables (no formula) of `entity` in the system."""
    out = []
    for name in frame.columns:
        variable = system.variables.get(name)
        if variable is not None and variable.entity.key == entity and not variable.formulas:
            out.append(name)
    return out


def _values(variable: Any, series: pl.Series) -> Any:
    if variable.value_type is Enum:
        # engine string → index of the Enum member (member names are the engine's strings but for
        # the few in ENUM_NAMES)
        engine_value = {name: engine for engine, name in ENUM_NAMES.get(variable.name, {}).items()}
        index = {engine_value.get(m.name, m.name): m.index for m in variable.possible_values}
        codes = series.cast(pl.String).replace_strict(index, return_dtype=pl.Int16).to_numpy()
        return variable.possible_values.encode(codes)
    if series.dtype == pl.Boolean:
        return series.to_numpy()
    array = series.to_numpy()
    if variable.dtype == np.int32 and array.size and (array.max() > 2**31 - 1 or array.min() < -(2**31)):
        raise OverflowError(f"{variable.name} does not fit OpenFisca's int32")
    return array.astype(variable.dtype)


def build_simulation(system: Any, households: pl.DataFrame, persons: pl.DataFrame, period: str) -> Any:
    """households must have household_id; persons household_id and person_id."""
    builder = SimulationBuilder()
    builder.create_entities(system)
    # As declare_person_entity / declare_entity, without their list() of every id (slow at 10⁷ rows).
    person = builder.populations["person"]
    person.ids = persons["person_id"].to_numpy()
    person.count = person.ids.size
    builder.persons_plural = person.entity.plural
    household = builder.populations["household"]
    household.ids = households["household_id"].to_numpy()
    household.count = household.ids.size
    # As join_with_persons, but every person keeps the single default role ("member") lazily: passing
    # roles there would build a list of one Role object per person.
    order = np.argsort(household.ids, kind="stable")
    position = np.searchsorted(household.ids, persons["household_id"].to_numpy(), sorter=order)
    household.members_entity_id = order[position]
    simulation = builder.build(system)
    for frame, entity in ((persons, "person"), (households, "household")):
        for name in input_columns(system, frame, entity):
            variable = system.variables[name]
            simulation.set_input(name, period, _values(variable, frame[name]))
    return simulation
