"""The payments part of `make demo`: the demo township's households that the rules find eligible get
their benefits as if decided in October (存量待遇), payee accounts (a few missing, one card kept by the
village without a filed agreement, children's allowances to the guardian), the year's budget authority;
last month's roll is run to the end with a few payments failed at the bank — two of them fixed since, so
their arrears are on this month's roll, which is left in draft — and last month's list is published in
the demo village. Everything goes through the real services, as a county's staff would do it."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from dajiuzhu.core import clock, months

SEED = 7
TOWNSHIP_HOUSEHOLDS = 400


@dataclass
class DemoResult:
    entitlements: int = 0
    accounts: int = 0
    rolls: list[str] = field(default_factory=list)
    failed: int = 0
    notes: list[str] = field(default_factory=list)


def luhn_card(rng: random.Random, prefix: str = "621462") -> str:
    from dajiuzhu.payments.accountno import luhn_digit

    body = prefix + "".join(str(rng.randrange(10)) for _ in range(12))
    return body + luhn_digit(body)


def _decided(user: Any, item: Any, household: Any, person: Any, amount: Decimal, at: dt.datetime) -> Any:
    from dajiuzhu.intake.models import Application, Kind, Status

    return Application.objects.create(
        number=f"CL{at:%Y%m}-{item.pk:03d}-{person.pk:07d}", kind=Kind.NEW, item=item, household=household,
        applicant=person, area=household.area, department=item.department, status=Status.APPROVED,
        decision="approve", decision_reason="演示：存量待遇（上线前已审批）", decided_amount=amount, decided_at=at,
        decided_by=user, filed_by=user, accepted_on=at.date(), notified_on=at.date(),
    )  # fmt: skip


def _grant(
    county: Any, township_code: str, village_code: str, start: dt.date, rng: random.Random
) -> list[Any]:
    """Entitlements for the township's households the instant check finds eligible (cash, monthly)."""
    from dajiuzhu.assessment.services import check_household
    from dajiuzhu.benefits.services import entitlement_start
    from dajiuzhu.intake.models import AssistanceItem
    from dajiuzhu.registry.models import Household, Person

    items = {i.programme: i for i in AssistanceItem.objects.exclude(programme="").order_by("id")}
    decided_at = timezone.make_aware(dt.datetime.combine(months.add(start, -1), dt.time(10)))
    granted = []
    households = Household.objects.filter(
        area__township_code=township_code, is_active=True, head__isnull=False
    )
    # The demo village's households first, so its worker has payments to look after.
    ordered = sorted(
        households.select_related("area", "head"),
        key=lambda h: (h.area.village_code != village_code, h.number),
    )
    for household in ordered[:TOWNSHIP_HOUSEHOLDS]:
        outcome = check_household(user=county, household_id=household.pk, on=months.add(start, -1))
        for p in outcome.eligible():
            item = items.get(p.code)
            if item is None or p.period != "月" or p.amount_fen <= 0:
                continue
            person = Person.objects.get(pk=p.person_id) if p.person_id else household.head
            amount = Decimal(p.amount_fen) / 100
            app = _decided(county, item, household, person, amount, decided_at)
            granted.append(entitlement_start(application=app, amount=amount, start_month=start, review_months=12,
                                             decided_by=county))  # fmt: skip
    return granted


def _accounts(
    county: Any, granted: list[Any], village_code: str, rng: random.Random, result: DemoResult
) -> None:
    """Cards for the payees; every 37th has none yet and every 53rd is kept by the village without a
    filed agreement (both held), children's go to a guardian."""
    from dajiuzhu.payments.services import account_set
    from dajiuzhu.registry.models import Person

    payees: dict[int, Any] = {}
    for ent in granted:
        person = ent.household.head if ent.item.programme in ("dibao", "temporary") else ent.beneficiary
        payees.setdefault(person.pk, (person, ent.item.programme))
    banks = ["sdrcu", "sdrcu", "sdrcu", "psbc"]
    ordered = sorted(
        payees.values(), key=lambda x: (x[0].household.area.village_code != village_code, x[0].pk)
    )
    for n, (person, programme) in enumerate(ordered):
        if n % 37 == 5:
            continue  # no account registered yet: held, on the village's worklist
        relation, holder = "self", person.name
        if programme in ("orphan", "unsupported_child"):
            carer = Person.objects.filter(household_id=person.household_id).exclude(pk=person.pk).first()
            relation, holder = ("guardian", carer.name) if carer else ("carer", "演示实际抚养人")
        elif n % 53 == 7:
            relation, holder = "staff", "村委会代管"  # kept by the village, agreement not yet filed: held
        account_set(user=county, person_id=person.pk, bank=banks[n % len(banks)], account_number=luhn_card(rng),
                    holder_name=holder, holder_relation=relation)  # fmt: skip
        result.accounts += 1


def _bank_return(roll: Any, failing: set[str]) -> list[tuple[int, str, bytes]]:
    from dajiuzhu.payments import bankfiles
    from dajiuzhu.payments.models import LineStatus, RollLine

    out = []
    for bank_file in roll.bank_files.all():
        fmt = bankfiles.load_formats()[bank_file.bank]
        codes = [code for code, _reason in fmt.returns.failure_codes]
        rows = []
        for i, line in enumerate(
            RollLine.objects.filter(roll=roll, bank=bank_file.bank, status=LineStatus.PENDING, amount__gt=0)
        ):
            fails = line.reference in failing
            rows.append({"reference": line.reference, "account_number": line.account_number,
                         "holder_name": line.holder_name, "amount_fen": int(line.amount * 100), "paid": not fails,
                         "reason_code": codes[i % len(codes)] if fails else ""})  # fmt: skip
        if rows:
            out.append(
                (bank_file.pk, f"回盘_{bank_file.filename}", bankfiles.render_return(fmt, pl.DataFrame(rows)))
            )
    return out


def run(*, county_code: str, village_code: str) -> DemoResult:
    """Idempotent: does nothing when the county already has a roll."""
    from dajiuzhu.accounts.models import User
    from dajiuzhu.areas.models import Area
    from dajiuzhu.intake.models import AssistanceItem
    from dajiuzhu.payments import services
    from dajiuzhu.payments.models import LineStatus, PayeeAccount, Roll, RollLine

    result = DemoResult()
    if Roll.objects.filter(county_id=county_code).exists():
        result.notes.append("演示发放名册已存在")
        return result
    users = {u.username: u for u in User.objects.filter(username__in=["county", "finance"])}
    if len(users) < 2:
        result.notes.append("未找到演示账号 county / finance，请先运行 demo_setup")
        return result
    county, finance = users["county"], users["finance"]
    village = Area.objects.get(code=village_code)
    today = clock.today()
    this_month = months.first_of(today)
    last_month = months.add(this_month, -1)
    rng = random.Random(SEED)
    with transaction.atomic():
        granted = _grant(county, village.township_code, village.code, last_month, rng)
        result.entitlements = len(granted)
        _accounts(county, granted, village.code, rng, result)
        for fund in ("assistance", "disability", "elderly", "medical"):
            services.authority_create(user=county, county_code=county_code, fund=fund, year=this_month.year,
                                      document_number=f"临财社〔{this_month.year}〕{fund}号（演示）",
                                      amount="50000000")  # fmt: skip
        # One-off 临时救助 decided last month: on last month's roll.
        temporary = AssistanceItem.objects.filter(programme="temporary").order_by("id").first()
        if temporary is not None and granted:
            household = granted[0].household
            _decided(county, temporary, household, household.head, Decimal("1500.00"),
                     clock.now() - dt.timedelta(days=20))  # fmt: skip
    # Last month, run to the end; three payments fail at the bank.
    roll = services.roll_prepare(user=county, county_code=county_code, month=last_month)
    roll = services.roll_lock(user=county, roll_id=roll.pk)
    roll = services.roll_approve(user=finance, roll_id=roll.pk)
    roll = services.roll_issue(user=county, roll_id=roll.pk)
    sent = list(
        RollLine.objects.filter(roll=roll, status=LineStatus.PENDING, amount__gt=0).order_by("reference")
    )
    # Three payments to three different cards of the demo village (or the township) fail at the bank.
    here = [line for line in sent if line.area.village_code == village_code] or sent
    one_per_card = list({line.account_id: line for line in here}.values())
    failing = {line.reference for line in rng.sample(one_per_card, min(3, len(one_per_card)))}
    for file_id, name, content in _bank_return(roll, failing):
        services.return_import(user=county, bank_file_id=file_id, filename=name, content=content)
    roll = services.roll_reconcile(user=county, roll_id=roll.pk)
    roll = services.roll_close(user=county, roll_id=roll.pk)
    result.rolls.append(f"{months.label(last_month)}：已关闭")
    result.failed = len(failing)
    # Two of the failed payments fixed by the village (new card): their arrears go on this month's roll.
    for line in RollLine.objects.filter(roll=roll, status=LineStatus.FAILED).order_by("reference")[:2]:
        old = PayeeAccount.objects.get(pk=int(line.account_id or 0))
        services.account_set(user=county, person_id=old.person_id, bank=old.bank, account_number=luhn_card(rng),
                             holder_name=old.holder_name, holder_relation=old.holder_relation,
                             note="演示：银行卡已更换")  # fmt: skip
    services.public_list_publish(user=county, village_code=village_code, month=last_month)
    households = sorted({e.household_id for e in granted})
    if households:
        services.recovery_decide(user=county, household_id=households[-1], amount="600.00", basis="error",
                                 reason="演示：家庭收入增加未及时申报，多发两个月低保金", instalment="300.00")  # fmt: skip
    services.roll_prepare(user=county, county_code=county_code, month=this_month)
    result.rolls.append(f"{months.label(this_month)}：草稿（含上月失败后已更正账户的补发）")
    return result
