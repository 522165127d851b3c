"""Shared by the test_no_oracle modules: the three kinds of lookup miss and a response normaliser.

A lookup by ID number must answer "not registered", "registered outside your area" and "registered but in
no household" identically (same status, same body once the request's own bits are taken out), and audit
each miss with the masked ID number."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core import idnumber
from dajiuzhu.core.masking import mask_id_number

NOT_REGISTERED = idnumber.make("371424", dt.date(1990, 5, 5), 11)  # valid, nowhere in the registry
NO_HOUSEHOLD = idnumber.make("371424", dt.date(1991, 6, 6), 13)  # a person row without a household
OUT_OF_AREA = idnumber.make("371425", dt.date(1985, 7, 7), 15)  # head of a household in the other county
CASES = ("not_registered", "out_of_area", "no_household")
OTHER_COUNTY_HOUSEHOLD = "other_county_household"


def make_cases(make_user: Any, areas: dict[str, Any]) -> dict[str, Any]:
    """ID numbers of the three cases (and the other county's household)."""
    from dajiuzhu.registry.models import Person
    from dajiuzhu.registry.services import household_create

    qihe = make_user("village_assistant", "village_c", username="qihe_worker_oracle")
    other = household_create(
        actor=qihe, area=areas["village_c"],
        data={"address": "城南社区1号", "residence_type": "urban", "hukou_type": "non_agricultural"},
        members=[{"id_number": OUT_OF_AREA, "name": "钱有余", "relation": "head"}],
    )  # fmt: skip
    info = idnumber.parse(NO_HOUSEHOLD, today=dt.date(2026, 1, 1))
    Person.objects.create(
        id_number=NO_HOUSEHOLD, name="孙无户", sex=info.sex, birth_date=info.birth_date, household=None
    )
    return {
        "not_registered": NOT_REGISTERED,
        "out_of_area": OUT_OF_AREA,
        "no_household": NO_HOUSEHOLD,
        OTHER_COUNTY_HOUSEHOLD: other,
    }


_CSRF = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken" value=""'),
    (re.compile(r'"X-CSRFToken": "[^"]*"'), '"X-CSRFToken": ""'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
]


def normalise(body: bytes | str, typed: str | list[str]) -> str:
    """The body without the CSRF token, a CSP nonce and the value the user typed (echoed in the form)."""
    text = body.decode() if isinstance(body, bytes) else body
    for pattern, repl in _CSRF:
        text = pattern.sub(repl, text)
    for value in [typed] if isinstance(typed, str) else typed:
        if value:
            text = text.replace(value, "<typed>").replace(mask_id_number(value), "<typed>")
    return text


def denied_rows(value: str, *, masked: bool = True) -> int:
    """Audit rows of a refused lookup or creation naming this ID number (masked) or household number."""
    label = mask_id_number(value) if masked else value
    return AuditEvent.objects.filter(action="denied", subject_label__contains=label).count()


def assert_one_answer(responses: dict[str, Any], typed: dict[str, str]) -> str:
    """Every case answered with the same status and the same normalised body; returns that body."""
    statuses = {case: r.status_code for case, r in responses.items()}
    assert len(set(statuses.values())) == 1, statuses
    bodies = {case: normalise(r.content, typed[case]) for case, r in responses.items()}
    first = next(iter(bodies.values()))
    for case, body in bodies.items():
        assert body == first, f"{case} answers differently"
    return first
