"""An OpenFisca peer of the dajiuzhu rules engine, for comparison: 低保, 低保边缘 and 特困 only.

    from openfisca_peer import DibaoSystem, build_simulation
    system = DibaoSystem()
    simulation = build_simulation(system, households_df, persons_df, "2026-11")
    simulation.calculate("dibao_status", "2026-11")

Entities in entities.py, variables (inputs and vectorised formulas) in variables.py, parameters in
OpenFisca's YAML format under parameters/. See bench/README.md for what is mirrored.
"""

from __future__ import annotations

from pathlib import Path

from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from .entities import ENTITIES
from .simulation import build_simulation, input_columns
from .variables import VARIABLES

PARAMETERS_DIR = Path(__file__).resolve().parent / "parameters"


class DibaoSystem(TaxBenefitSystem):
    """Tax-benefit system: the two entities, the YAML parameters and every variable."""

    def __init__(self) -> None:
        super().__init__(ENTITIES)
        self.load_parameters(str(PARAMETERS_DIR))
        self.add_variables(*VARIABLES)


__all__ = ["DibaoSystem", "build_simulation", "input_columns"]
