"""The two OpenFisca entities: a person, and the household whose members are assessed together."""

from __future__ import annotations

from openfisca_core.entities import build_entity

Person = build_entity(
    key="person",
    plural="persons",
    label="个人",
    doc="A member of a household in the registry (one row of the engine's persons table).",
    is_person=True,
)

# One role: every rule here treats the members alike (the engine has no role either).
Household = build_entity(
    key="household",
    plural="households",
    label="共同生活家庭",
    doc="The household assessed for 低保 / 低保边缘 and whose members are assessed for 特困.",
    roles=[{"key": "member", "plural": "members", "label": "家庭成员"}],
)

ENTITIES = [Household, Person]
