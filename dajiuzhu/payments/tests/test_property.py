"""Properties of the monthly roll over random histories of a small county (hypothesis).

Each example is a history of about six months: before each month's roll, and again while its bank files
are at the bank, new decisions (entitlement_start, possibly for months already past), stops and amount
changes from a coming month (entitlement_apply), account fixes (account_set with a new valid card) and
recoveries (recovery_decide); every month's roll goes prepare → lock → approve → issue → bank return
(payments to a random set of payees refused) → reconcile → close. After each roll:

(a) what is paid (gross of the paid lines) per programme, subject and month never exceeds what the
    entitlements give for that month (benefits.selectors.amount_for_month);
(c) per household, deductions (of lines that are, or may still become, payments) never exceed the
    recoveries decided, per recovery the balance never goes below zero, and no line's net is negative.

At the end, after every account is fixed and a last roll where nothing fails:

(b) nothing owed is lost: every month of every entitlement from the first roll's month to the last roll's
    is paid exactly once.

Each example runs in a transaction rolled back at its end, so all start from the same county.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dajiuzhu.benefits.models import Entitlement
from dajiuzhu.benefits.selectors import amount_for_month
from dajiuzhu.benefits.services import entitlement_apply
from dajiuzhu.core import months
from dajiuzhu.payments import bankfiles, services
from dajiuzhu.payments.models import (
    LIVE,
    LineStatus,
    Recovery,
    RecoveryEntry,
    Roll,
    RollLine,
    RollStatus,
)
from dajiuzhu.payments.tests.conftest import grant, luhn_complete, make_id
from dajiuzhu.registry.services import household_create

pytestmark = pytest.mark.django_db

COUNTY = "371424"
FIRST = dt.date(2026, 6, 1)
ROLLS = 6  # June … November, then the final roll of December
PROGRAMMES = ("dibao", "tekun")  # a household programme (paid to the head) and a person programme


@pytest.fixture
def county(areas: Any, worker_a: Any, worker_b: Any, items: Any, preparer: Any, approver: Any,
           authority: Any) -> dict[str, Any]:  # fmt: skip
    """Three households (five people) in 临邑县; 低保 for two of them and 特困 for one person from June;
    accounts for all but one person (whose 特困 is held until an account is registered)."""
    specs = [
        (worker_a, "village_a", [("张大", 1960), ("王二", 1962)]),
        (worker_b, "village_b", [("李三", 1950)]),
        (worker_a, "village_a", [("赵四", 1945), ("钱五", 1970)]),
    ]
    households, people = [], []
    for n, (worker, village, members) in enumerate(specs):
        household = household_create(
            actor=worker, area=areas[village],
            data={"address": f"{n}号", "residence_type": "rural", "hukou_type": "agricultural"},
            members=[{"id_number": make_id(COUNTY, dt.date(year, 1, 1), 10 + n), "name": name,
                      "relation": "head" if i == 0 else "spouse"} for i, (name, year) in enumerate(members)],
        )  # fmt: skip
        households.append(household)
        people += sorted(household.members.all(), key=lambda p: p.pk)
    grant(items["dibao"], households[0], households[0].head, "650.00", FIRST)
    grant(items["dibao"], households[1], households[1].head, "500.00", FIRST)
    grant(items["tekun"], households[2], people[4], "1200.00", FIRST)
    for i, person in enumerate(people[:4]):
        services.account_set(user=preparer, person_id=person.pk, bank="sdrcu" if i % 2 else "psbc",
                             account_number=card(i), holder_name=person.name)  # fmt: skip
    return {"households": households, "people": people, "items": items}


@pytest.fixture
def formats_once(monkeypatch: Any) -> None:
    """The bank formats are files that do not change during a test: read them once (for speed)."""
    formats = bankfiles.load_formats()
    monkeypatch.setattr(bankfiles, "load_formats", lambda directory=None: formats)


def card(n: int) -> str:
    return luhn_complete(f"621462{n + 1:012d}")


# ---- the operations -------------------------------------------------------------------------------------------

amounts = st.sampled_from(["300.00", "450.50", "650.00", "1200.00"])
ops = st.one_of(
    # a new decision: household or person, programme, amount, first month relative to the roll's month
    st.tuples(st.just("start"), st.integers(0, 4), st.sampled_from(PROGRAMMES), amounts, st.integers(-3, 1)),
    # a stop or an amount change of the n-th entitlement, from a coming month
    st.tuples(st.just("stop"), st.integers(0, 30), st.integers(0, 2)),
    st.tuples(st.just("change"), st.integers(0, 30), amounts, st.integers(0, 2)),
    # a new card for a person (the failed payments to the card it replaces are owed again)
    st.tuples(st.just("fix"), st.integers(0, 4)),
    # an overpayment to recover from a household, in instalments
    st.tuples(
        st.just("recover"),
        st.integers(0, 2),
        st.sampled_from(["100.00", "700.00", "2000.00"]),
        st.sampled_from(["50.00", "300.00", "5000.00"]),
    ),
)
month_plan = st.fixed_dictionaries(
    {
        "before": st.lists(ops, max_size=3),  # before the month's roll is prepared
        "during": st.lists(ops, max_size=2),  # while its files are at the bank
        "refused": st.sets(st.integers(0, 4), max_size=3),  # payees whose payments the bank refuses
    }
)
histories = st.lists(month_plan, min_size=ROLLS, max_size=ROLLS)


class History:
    def __init__(self, county: dict[str, Any], preparer: Any, approver: Any, today: dict[str, Any]) -> None:
        self.people = county["people"]
        self.households = county["households"]
        self.items = county["items"]
        self.preparer = preparer
        self.approver = approver
        self.today = today
        self.cards = 100
        self.decisions = 0

    # operations; `month` is the month of the roll they happen before or during, `next_month` the first
    # month a change may take effect from
    def apply(self, op: tuple[Any, ...], next_month: dt.date, month: dt.date) -> None:
        kind = op[0]
        if kind == "start":
            _, who, programme, amount, offset = op
            person = self.people[who]
            household = person.household
            beneficiary = household.head if programme == "dibao" else person
            self.decide(self.items[programme], household, beneficiary, amount, months.add(month, offset))
        elif kind in ("stop", "change"):
            ents = list(Entitlement.objects.order_by("pk"))
            ent = ents[op[1] % len(ents)]
            start = months.add(next_month, op[-1])
            if kind == "stop":
                entitlement_apply(entitlement_id=ent.pk, action="stop", amount=None, start_month=start,
                                  review_months=12, reason="停发", application=None, decided_by=None)  # fmt: skip
            else:
                entitlement_apply(entitlement_id=ent.pk, action="change", amount=Decimal(op[2]),
                                  start_month=start, review_months=12, reason="调整", application=None,
                                  decided_by=None)  # fmt: skip
        elif kind == "fix":
            self.fix(self.people[op[1]])
        elif kind == "recover":
            _, h, amount, instalment = op
            services.recovery_decide(user=self.preparer, household_id=self.households[h].pk, amount=amount,
                                     basis="error", reason="多发待遇", instalment=instalment)  # fmt: skip

    def decide(self, item: Any, household: Any, person: Any, amount: str, start: dt.date) -> Any:
        """An approved decision starting an entitlement (as intake's decide step does)."""
        from dajiuzhu.benefits.services import entitlement_start
        from dajiuzhu.intake.models import Application, Kind, Status

        self.decisions += 1
        app = Application.objects.create(
            number=f"SQ-P-{self.decisions}", kind=Kind.NEW, item=item, household=household, applicant=person,
            area=household.area, department=item.department, status=Status.APPROVED, decision="approve",
            decided_amount=Decimal(amount),
        )  # fmt: skip
        return entitlement_start(application=app, amount=Decimal(amount), start_month=start, review_months=12,
                                 decided_by=self.approver)  # fmt: skip

    def fix(self, person: Any) -> None:
        self.cards += 1
        services.account_set(user=self.preparer, person_id=person.pk, bank="sdrcu",
                             account_number=card(self.cards), holder_name=person.name)  # fmt: skip

    def roll(self, month: dt.date, refused: set[int], during: list[Any]) -> Roll:
        self.today["value"] = month.replace(day=2)
        roll = services.roll_prepare(user=self.preparer, county_code=COUNTY, month=month)
        roll = services.roll_lock(user=self.preparer, roll_id=roll.pk)
        roll = services.roll_approve(user=self.approver, roll_id=roll.pk)
        roll = services.roll_issue(user=self.preparer, roll_id=roll.pk)
        for op in during:
            self.apply(op, months.add(month, 1), month)
        refused_people = {self.people[i].pk for i in refused}
        for bank_file in roll.bank_files.all():
            fmt = bankfiles.load_formats()[bank_file.bank]
            sent = RollLine.objects.filter(
                roll=roll, bank=bank_file.bank, status=LineStatus.PENDING, amount__gt=0
            )
            frame = pl.DataFrame(
                [
                    {"reference": x.reference, "account_number": x.account_number, "holder_name": x.holder_name,
                     "amount_fen": round(x.amount * 100), "paid": x.account.person_id not in refused_people,
                     "reason_code": "" if x.account.person_id not in refused_people
                     else fmt.returns.failure_codes[0][0]}
                    for x in sent.select_related("account")
                ],
                schema={"reference": pl.Utf8, "account_number": pl.Utf8, "holder_name": pl.Utf8,
                        "amount_fen": pl.Int64, "paid": pl.Boolean, "reason_code": pl.Utf8},
            )  # fmt: skip
            services.return_import(user=self.preparer, bank_file_id=bank_file.pk, filename="r.txt",
                                   content=bankfiles.render_return(fmt, frame))  # fmt: skip
        roll = services.roll_reconcile(user=self.preparer, roll_id=roll.pk)
        roll = services.roll_close(user=self.preparer, roll_id=roll.pk)
        assert roll.status == RollStatus.CLOSED
        return roll


# ---- the properties -------------------------------------------------------------------------------------------


def entitled(last: dt.date) -> dict[tuple[str, int, dt.date], Decimal]:
    """What the entitlements give per (programme, subject, month) for the months first … last."""
    out: dict[tuple[str, int, dt.date], Decimal] = {}
    for ent in Entitlement.objects.select_related("item").prefetch_related("amounts"):
        programme = ent.item.programme
        subject = ent.household_id if programme == "dibao" else ent.beneficiary_id
        month = FIRST
        while month <= last:
            amount = amount_for_month(ent, month)
            if amount:
                key = (programme, subject, month)
                out[key] = out.get(key, Decimal(0)) + amount
            month = months.add(month, 1)
    return out


def paid() -> dict[tuple[str, int, dt.date], list[Decimal]]:
    out: dict[tuple[str, int, dt.date], list[Decimal]] = {}
    for programme, subject, period, gross in RollLine.objects.filter(status=LineStatus.PAID).values_list(
        "programme", "subject_id", "period", "gross"
    ):
        out.setdefault((programme, subject, period), []).append(gross)
    return out


def check_after_roll(last: dt.date) -> None:
    owed = entitled(last)
    # (a) never more than the entitlements give
    for key, grosses in paid().items():
        assert sum(grosses) <= owed.get(key, Decimal(0)), (key, grosses, owed.get(key))
    # (c) deductions within the recoveries, balances and nets not negative
    assert not RollLine.objects.filter(amount__lt=0).exists()
    assert not RollLine.objects.filter(deduction__gt=0, gross__lt=0).exists()
    for rec in Recovery.objects.all():
        assert services.recovery_balance(rec) >= 0, rec
    decided = dict(
        Recovery.objects.values("household_id").annotate(t=Sum("amount")).values_list("household_id", "t")
    )
    deducted = (
        RollLine.objects.filter(status__in=LIVE, deduction__gt=0)
        .values("household_id")
        .annotate(t=Sum("deduction"))
        .values_list("household_id", "t")
    )
    for household, total in deducted:
        assert total <= decided.get(household, Decimal(0)), (household, total, decided.get(household))
    # every deduction of a line is booked on a recovery of the line's household, for the same amount
    for entry in RecoveryEntry.objects.filter(line__isnull=False).select_related("line", "recovery"):
        assert entry.recovery.household_id == entry.line.household_id
        assert entry.amount == entry.line.deduction
        assert entry.line.amount == entry.line.gross - entry.line.deduction
    # (d) every reference the database does not check (RollLine keeps only its roll's foreign key) exists
    assert dangling_references() == {}


def dangling_references() -> dict[str, set[Any]]:
    """Per unchecked foreign key of a line or a notice: the ids that point at nothing."""
    from django.db import models

    from dajiuzhu.payments.models import PaymentNotice

    out = {}
    for model in (RollLine, PaymentNotice):
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or field.db_constraint:
                continue
            ids = set(model.objects.exclude(**{field.attname: None}).values_list(field.attname, flat=True))
            target = field.target_field.attname
            found = set(
                field.related_model._base_manager.filter(**{f"{target}__in": ids}).values_list(
                    target, flat=True
                )
            )
            if ids - found:
                out[f"{model.__name__}.{field.name}"] = ids - found
    return out


@settings(
    max_examples=30,
    deadline=None,
    database=None,  # nothing written to .hypothesis/ in the tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories)
def test_random_histories_pay_each_month_at_most_once_and_finally_exactly_once(
    county: Any, preparer: Any, approver: Any, today: Any, formats_once: Any, history: list[dict[str, Any]]
) -> None:
    with transaction.atomic():
        run = History(county, preparer, approver, today)
        month = FIRST
        for plan in history:
            for op in plan["before"]:
                run.apply(op, month, month)
            run.roll(month, plan["refused"], plan["during"])
            check_after_roll(month)
            month = months.add(month, 1)
        # the final roll: every account fixed (a new card for everybody), nothing refused
        for person in run.people:
            run.fix(person)
        run.roll(month, set(), [])
        check_after_roll(month)
        # (b) nothing owed is lost: every entitlement month of the rolls' months is paid exactly once
        owed = entitled(month)
        got = paid()
        missing = sorted(k for k in owed if len(got.get(k, [])) != 1)
        assert not missing, [(k, got.get(k)) for k in missing]
        held = RollLine.objects.filter(roll__month=month, status=LineStatus.HELD)
        assert not held.exclude(hold_reason__startswith="同一户（人）同月已有该项目的待遇").exists()
        transaction.set_rollback(True)


def test_a_roll_pays_nothing_twice_after_an_account_is_replaced_while_its_file_is_at_the_bank(
    county: Any, preparer: Any, approver: Any, today: Any, formats_once: Any
) -> None:
    """The case behind the return-import fix: 李三's card is replaced while June's file is at the bank,
    and the bank then refuses June's payment to the old card. The refused month must be owed again on
    the next roll (the card it failed on is already replaced), and be paid once."""
    run = History(county, preparer, approver, today)
    li = run.people[2]
    run.roll(FIRST, {2}, [("fix", 2)])
    failed = RollLine.objects.get(roll__month=FIRST, status=LineStatus.FAILED)
    assert failed.beneficiary_id == li.pk and failed.resolved
    july = run.roll(months.add(FIRST, 1), set(), [])
    lines = sorted(
        (x.kind, x.period, x.status) for x in RollLine.objects.filter(roll=july, household=li.household)
    )
    assert lines == [("arrears", FIRST, "paid"), ("regular", months.add(FIRST, 1), "paid")]
