"""Moving entitlements out of intake keeps every row and turns the JSON amount history into rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# accounts goes back too: the old models of the state below must match the tables (accounts has moved on
# since, e.g. the login lockout moved to django-axes).
BEFORE = [("intake", "0001_initial"), ("accounts", "0001_initial")]
AFTER = [("intake", "0003_entitlement_moved"), ("benefits", "0001_initial"), ("accounts", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_entitlements_and_their_amount_history_survive_the_move() -> None:
    # given the database as it was before (entitlements in intake, amounts as JSON)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    area = old.get_model("areas", "Area").objects.create(
        code="371424", name="临邑县", level=3, county_code="371424"
    )
    Department = old.get_model("accounts", "Department")
    User = old.get_model("accounts", "User")
    user = User.objects.create(username="old", role="county_approver", area=area)
    dept = Department.objects.create(code="minzheng", name="民政")
    item = old.get_model("intake", "AssistanceItem").objects.create(
        code="dibao", name="低保", department=dept
    )
    household = old.get_model("registry", "Household").objects.create(
        number="H1", area=area, address="x", residence_type="rural", hukou_type="agricultural"
    )
    person = old.get_model("registry", "Person").objects.create(
        id_number="371424195501010013", name="赵老汉", sex="M", birth_date=dt.date(1955, 1, 1), household=household,
        relation="head",
    )  # fmt: skip
    Application = old.get_model("intake", "Application")
    common: dict[str, Any] = {"item": item, "household": household, "applicant": person, "area": area,
                              "department": dept, "status": "approved", "decided_by": user}  # fmt: skip
    first = Application.objects.create(number="SQ1", **common)
    change = Application.objects.create(number="TZ1", kind="change", **common)
    ent = old.get_model("intake", "Entitlement").objects.create(
        household=household, beneficiary=person, item=item, application=first, area=area,
        monthly_amount=Decimal("500.00"), start_month=dt.date(2026, 1, 1),
        amounts=[{"from": "2026-01-01", "amount": "650.00", "application": "SQ1"},
                 {"from": "2026-04-01", "amount": "500.00", "application": "TZ1"}],
    )  # fmt: skip
    change.entitlement_id = ent.pk
    change.save()
    # when the migrations run
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    # then the entitlement is the same row under benefits, with its history as rows naming their decisions
    moved = new.get_model("benefits", "Entitlement").objects.get(pk=ent.pk)
    assert moved.monthly_amount == Decimal("500.00")
    amounts = (
        new.get_model("benefits", "EntitlementAmount")
        .objects.filter(entitlement=moved)
        .order_by("from_month")
    )
    rows = [(r.from_month, r.amount, r.application_id, r.decided_by_id) for r in amounts]
    assert rows == [(dt.date(2026, 1, 1), Decimal("650.00"), first.pk, user.pk),
                    (dt.date(2026, 4, 1), Decimal("500.00"), change.pk, user.pk)]  # fmt: skip
    assert new.get_model("intake", "Application").objects.get(pk=change.pk).entitlement_id == ent.pk
    # and the rest of the schema is brought back to the latest state for the following tests
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
