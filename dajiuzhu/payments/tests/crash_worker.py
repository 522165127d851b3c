"""A subprocess for test_crash.py: seeds a scratch database through the real services, or runs one step
of a county's monthly roll against it, so that the test can kill it (SIGKILL) in the middle of the step.

    python crash_worker.py seed HOUSEHOLDS        seed the county, run November's roll to its close
    python crash_worker.py clean                  run December's steps one after the other, timed
    python crash_worker.py STEP [STEP ...]        run steps of December's roll (prepare, lock, approve,
                                                  issue, return_import, reconcile, close)

The database is the one config.settings picks from the environment (DATABASE_URL, DAJIUZHU_DATA_DIR).

A STEP worker first sets Django up and warms its caches (reading only), prints ``ready`` and waits for a
line ``go`` on stdin; then it prints ``state {json}`` (what it finds), ``start`` right before its first
write, ``done SECONDS`` after the last step committed, ``state {json}`` again, and exits. Every step is
re-runnable: it does what is still to do (a roll already locked is not locked again, a bank file whose
return was imported is skipped), as an operator running it again after a crash would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

COUNTY = "371424"
NOV = dt.date(2026, 11, 1)
DEC = dt.date(2026, 12, 1)
STEPS = ("prepare", "lock", "approve", "issue", "return_import", "reconcile", "close")
# Person programmes paid besides 低保 (household): (programme, fund, monthly amount)
PERSON_PROGRAMMES = (
    ("tekun", "1100.00"),
    ("disability_living", "90.00"),
    ("disability_care", "120.00"),
    ("longevity", "100.00"),
)


def say(*parts: Any) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


def setup() -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pin_today(day: dt.date) -> None:
    from django.conf import settings

    settings.DAJIUZHU_TODAY = day.isoformat()


def luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


def card(n: int) -> str:
    return luhn_complete(f"621462{n:012d}")


def make_id(region: str, birth: dt.date, seq: int) -> str:
    from dajiuzhu.core import idnumber

    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + idnumber.check_char(body)


def fails(reference: str, month: dt.date) -> bool:
    """Whether the simulated bank refuses this payment (fixed, so that every run gives the same)."""
    digest = int(hashlib.sha256(f"{month:%Y%m}:{reference}".encode()).hexdigest(), 16)
    return digest % (11 if month == NOV else 13) == 0


# ---- seeding ------------------------------------------------------------------------------------------------


def _areas() -> dict[str, Any]:
    from dajiuzhu.areas.models import LEVEL_COLUMN, Area, AreaLevel

    def area(code: str, name: str, level: int, parent: Any) -> Any:
        cols = {}
        if parent is not None:
            for col in ("province_code", "city_code", "county_code", "township_code", "village_code"):
                cols[col] = getattr(parent, col)
        col = LEVEL_COLUMN[AreaLevel(level)]
        if col != "code":
            cols[col] = code
        full = f"{parent.full_name}{name}" if parent is not None else name
        return Area.objects.create(code=code, name=name, level=level, parent=parent, full_name=full, **cols)

    prov = area("37", "山东省", 1, None)
    city = area("3714", "德州市", 2, prov)
    county = area(COUNTY, "临邑县", 3, city)
    villages = []
    for t, tname in ((100, "临邑镇"), (101, "恒源街道")):
        town = area(f"{COUNTY}{t}", tname, 4, county)
        for v in (201, 202, 203):
            villages.append(area(f"{COUNTY}{t}{v}", f"{tname}第{v - 200}村", 5, town))
    return {"county": county, "villages": villages}


def _users(county: Any) -> dict[str, Any]:
    from dajiuzhu.accounts.models import User

    out = {}
    for name in ("preparer", "approver", "approver2"):
        user = User(username=name, role="county_approver", area=county)
        user.set_password("Passw0rd!x")
        user.save()
        out[name] = user
    return out


def users() -> dict[str, Any]:
    from dajiuzhu.accounts.models import User

    return {u.username: u for u in User.objects.filter(username__in=["preparer", "approver", "approver2"])}


def _items() -> dict[str, Any]:
    from dajiuzhu.accounts.models import Department
    from dajiuzhu.intake.models import AssistanceItem

    mz = Department.objects.get_or_create(code="minzheng", defaults={"name": "民政"})[0]
    codes = ["dibao", *(p for p, _ in PERSON_PROGRAMMES)]
    return {c: AssistanceItem.objects.create(code=c, name=c, department=mz, programme=c) for c in codes}


def grant(item: Any, household: Any, person: Any, amount: str, start: dt.date, user: Any) -> Any:
    """An entitlement as an approval would have started it (benefits.services.entitlement_start)."""
    from dajiuzhu.benefits.services import entitlement_start
    from dajiuzhu.intake.models import Application, Kind, Status

    app = Application.objects.create(
        number=f"SQ-{item.code}-{person.pk}", kind=Kind.NEW, item=item, household=household, applicant=person,
        area=household.area, department=item.department, status=Status.APPROVED, decision="approve",
        decided_amount=Decimal(amount),
    )  # fmt: skip
    return entitlement_start(
        application=app, amount=Decimal(amount), start_month=start, review_months=12, decided_by=user
    )


def seed(households: int) -> dict[str, Any]:
    """A county of `households` families: 低保 for each, person programmes for some members, accounts
    (a few missing), budget authority, two recoveries; November's roll is run to its close with some
    payments refused by the bank, half of those accounts then fixed (owed again as December arrears),
    and a few stops and amount changes from December."""
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0, skip_checks=True)  # the copied schema must be complete
    sys.stderr.write(f"flush+migrate {time.perf_counter() - t0:.2f}s\n")
    from django.db import transaction

    from dajiuzhu.payments import bankfiles

    # account_set reads the bank formats on every call; for seeding they are read once
    formats = bankfiles.load_formats()
    bankfiles.load_formats = lambda directory=None: formats
    pin_today(dt.date(2026, 11, 2))
    with transaction.atomic():  # one commit for the registry (the services nest as savepoints)
        ents, n_card = _seed_registry(households)
    # November's roll, to its close
    sys.stderr.write(f"registry {time.perf_counter() - t0:.2f}s\n")
    roll = run_steps(["prepare", "lock", "approve", "issue", "return_import", "reconcile", "close"], NOV)
    sys.stderr.write(f"november {time.perf_counter() - t0:.2f}s\n")
    with transaction.atomic():
        return _after_november(roll, ents, n_card, households)


def _seed_registry(households: int) -> tuple[list[Any], int]:
    from dajiuzhu.payments import services
    from dajiuzhu.registry.services import household_create

    areas = _areas()
    who = _users(areas["county"])
    prep = who["preparer"]
    items = _items()
    ents = []
    n_card = 0
    for h in range(households):
        village = areas["villages"][h % len(areas["villages"])]
        size = 1 + h % 3
        members = []
        for m in range(size):
            k = h * 3 + m  # a distinct (birth, sequence) pair per person
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=400 * (k // 900) + k % 23)
            members.append({
                "id_number": make_id(COUNTY, birth, 100 + k % 900), "name": f"成员{h}甲{m}",
                "relation": "head" if m == 0 else ("spouse" if m == 1 else "child"),
                "phone": f"138{h:04d}{m:04d}" if m == 0 else "",
            })  # fmt: skip
        household = household_create(
            actor=prep, area=village,
            data={"address": f"第{h}号", "residence_type": "rural", "hukou_type": "agricultural"},
            members=members,
        )  # fmt: skip
        people = sorted(household.members.all(), key=lambda p: p.pk)
        ents.append(grant(items["dibao"], household, people[0], f"{300 + (h % 7) * 50}.00", NOV, prep))
        for i, person in enumerate(people):
            # each member has one or two person programmes (so lines outnumber households)
            for k in range(1 + (h + i) % 2):
                code, amount = PERSON_PROGRAMMES[(h + i + k) % len(PERSON_PROGRAMMES)]
                ents.append(grant(items[code], household, person, amount, NOV, prep))
            if (h * 5 + i) % 37 == 0:
                continue  # no account registered: held, with its reason
            n_card += 1
            services.account_set(
                user=prep, person_id=person.pk, bank="sdrcu" if (h + i) % 3 else "psbc",
                account_number=card(n_card), holder_name=person.name,
            )  # fmt: skip
    for fund in ("assistance", "disability", "elderly"):
        services.authority_create(user=prep, county_code=COUNTY, fund=fund, year=2026,
                                  document_number=f"临财社〔2026〕{fund}号", amount="50000000")  # fmt: skip
    from dajiuzhu.registry.models import Household

    first = list(Household.objects.order_by("pk")[1:3])  # the first has no account (held, nothing to deduct)
    for household, amount in zip(first, ("1000.00", "260.00"), strict=True):
        services.recovery_decide(user=prep, household_id=household.pk, amount=amount, basis="error",
                                 reason="多发待遇", instalment="200")  # fmt: skip
    return ents, n_card


def _after_november(roll: Any, ents: list[Any], n_card: int, households: int) -> dict[str, Any]:
    from dajiuzhu.benefits.services import entitlement_apply
    from dajiuzhu.payments import services
    from dajiuzhu.payments.models import LineStatus, RollLine

    prep = users()["preparer"]
    failed = list(RollLine.objects.filter(roll=roll, status=LineStatus.FAILED).select_related("account"))
    for line in failed[::2]:
        n_card += 1
        acc = line.account
        services.account_set(user=prep, person_id=acc.person_id, bank=acc.bank, account_number=card(n_card),
                             holder_name=acc.holder_name, holder_relation=acc.holder_relation)  # fmt: skip
    # decisions taking effect in December: a stop and an amount change
    for ent in ents[5:40:9]:
        entitlement_apply(entitlement_id=ent.pk, action="stop", amount=None, start_month=DEC, review_months=12,
                          reason="停发", application=None, decided_by=None)  # fmt: skip
    for ent in ents[7:60:11]:
        entitlement_apply(entitlement_id=ent.pk, action="reduce", amount=Decimal("50.00"), start_month=DEC,
                          review_months=12, reason="减发", application=None, decided_by=None)  # fmt: skip
    return {"households": households, "entitlements": len(ents), "nov_lines": roll.lines.count(),
            "nov_failed": len(failed)}  # fmt: skip


# ---- the steps ----------------------------------------------------------------------------------------------


def _roll(month: dt.date) -> Any:
    from dajiuzhu.payments.models import Roll

    return Roll.objects.filter(county_id=COUNTY, month=month).first()


def _return_files(roll: Any, month: dt.date) -> list[tuple[int, str, bytes]]:
    """What the bank sends back for each file of the roll whose return is not imported yet."""
    import polars as pl

    from dajiuzhu.core.money import yuan_to_fen
    from dajiuzhu.payments import bankfiles
    from dajiuzhu.payments.models import BankFile, LineStatus, RollLine

    out = []
    formats = bankfiles.load_formats()
    for bank_file in BankFile.objects.filter(roll=roll, bank_return__isnull=True).order_by("bank"):
        fmt = formats[bank_file.bank]
        code = fmt.returns.failure_codes[0][0]
        rows = [
            {"reference": ref, "account_number": number, "holder_name": holder,
             "amount_fen": yuan_to_fen(amount), "paid": not fails(ref, month),
             "reason_code": code if fails(ref, month) else ""}
            for ref, number, holder, amount in RollLine.objects.filter(
                roll=roll, bank=bank_file.bank, status=LineStatus.PENDING, amount__gt=0
            ).order_by("reference").values_list("reference", "account_number", "holder_name", "amount")
        ]  # fmt: skip
        frame = pl.DataFrame(
            rows,
            schema={"reference": pl.Utf8, "account_number": pl.Utf8, "holder_name": pl.Utf8,
                    "amount_fen": pl.Int64, "paid": pl.Boolean, "reason_code": pl.Utf8},
        )  # fmt: skip
        out.append((bank_file.pk, f"return-{bank_file.bank}.txt", bankfiles.render_return(fmt, frame)))
    return out


def run_steps(steps: list[str], month: dt.date, *, announce: bool = False) -> Any:
    """Run the steps (each doing only what is still to do) on the county's roll of `month`."""
    from dajiuzhu.payments import services
    from dajiuzhu.payments.models import RollStatus

    who = users()
    prep, appr = who["preparer"], who["approver"]
    roll = _roll(month)
    returns = _return_files(roll, month) if "return_import" in steps and roll is not None else []
    if announce:
        say("start")
    for step in steps:
        roll = _roll(month)
        status = roll.status if roll is not None else None
        if step == "prepare" and status in (None, RollStatus.DRAFT):
            services.roll_prepare(user=prep, county_code=COUNTY, month=month)
        elif step == "lock" and status == RollStatus.DRAFT:
            services.roll_lock(user=prep, roll_id=roll.pk)
        elif step == "approve" and status == RollStatus.LOCKED:
            services.roll_approve(user=appr, roll_id=roll.pk)
        elif step == "issue" and status == RollStatus.APPROVED:
            services.roll_issue(user=prep, roll_id=roll.pk)
        elif step == "return_import" and status == RollStatus.ISSUED:
            for file_id, name, content in returns or _return_files(roll, month):
                services.return_import(user=prep, bank_file_id=file_id, filename=name, content=content)
        elif step == "reconcile" and status == RollStatus.RETURNED:
            services.roll_reconcile(user=prep, roll_id=roll.pk)
        elif step == "close" and status == RollStatus.RECONCILED:
            services.roll_close(user=prep, roll_id=roll.pk)
    return _roll(month)


# ---- what a roll holds, to compare runs ---------------------------------------------------------------------


def state(month: dt.date) -> dict[str, Any]:
    """Everything the roll of `month` has written, without ids, times or versions (which a run killed
    after its commit and run again may change): status, a digest and sums of its lines, its bank files
    and returns, recovery entries, notices and audit rows per action; and, over every roll, the
    (programme, subject, month) with more than one live or paid line (must be none)."""
    from django.db.models import Count, Sum

    from dajiuzhu.audit.models import AuditEvent
    from dajiuzhu.payments.models import (
        LIVE,
        BankFile,
        BankReturn,
        LineStatus,
        PaymentNotice,
        RecoveryEntry,
        RollLine,
    )

    doubles = []
    for statuses, label in ((LIVE, "live"), ((LineStatus.PAID,), "paid")):
        rows = (
            RollLine.objects.filter(kind__in=["regular", "arrears"], status__in=statuses)
            .values("programme", "subject_id", "period")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        doubles += [f"{label} {r['programme']} {r['subject_id']} {r['period']} ×{r['n']}" for r in rows]
    roll = _roll(month)
    if roll is None:
        return {"roll": None, "doubles": doubles}
    digest = hashlib.sha256()
    lines = RollLine.objects.filter(roll=roll).order_by("reference")
    fields = ("reference", "kind", "programme", "subject_id", "period", "gross", "deduction", "amount",
              "status", "bank", "account_number", "hold_reason", "fail_code", "resolved")  # fmt: skip
    for row in lines.values_list(*fields):
        digest.update("|".join(str(v) for v in row).encode() + b"\n")
    by_status = {
        r["status"]: [r["n"], str(r["t"] or Decimal("0.00"))]
        for r in lines.values("status").annotate(n=Count("id"), t=Sum("amount")).order_by()
    }
    files = {
        f.bank: [f.line_count, str(f.total), f.returned_at is not None]
        for f in BankFile.objects.filter(roll=roll)
    }
    returns = {
        r.bank_file.bank: [r.paid_count, str(r.paid_total), r.failed_count, str(r.failed_total)]
        for r in BankReturn.objects.filter(bank_file__roll=roll).select_related("bank_file")
    }
    recovered = RecoveryEntry.objects.filter(line__roll=roll).aggregate(n=Count("id"), t=Sum("amount"))
    audit: dict[str, int] = {}
    for event in AuditEvent.objects.filter(subject_type="payments.roll", subject_id=str(roll.pk)):
        key = (event.after or {}).get("action", "?")
        audit[key] = audit.get(key, 0) + 1
    return {
        "roll": roll.status,
        "lines": lines.count(),
        "digest": digest.hexdigest(),
        "by_status": by_status,
        "total": str(lines.aggregate(t=Sum("amount"))["t"] or Decimal("0.00")),
        "files": files,
        "returns": returns,
        "recovered": [recovered["n"], str(recovered["t"] or Decimal("0.00"))],
        "notices": PaymentNotice.objects.filter(line__roll=roll).count(),
        "audit": audit,
        "doubles": doubles,
    }


def warm() -> None:
    """Load what a running server would have loaded already (formats, policy tree): reads only."""
    from dajiuzhu.parameters.selectors import parameter_tree
    from dajiuzhu.payments import bankfiles, programmes

    bankfiles.load_formats()
    parameter_tree()
    programmes.cash_programmes(on=DEC, region=COUNTY)
    users()


def main(argv: list[str]) -> int:
    setup()
    command = argv[0]
    if command == "seed":
        out = seed(int(argv[1]))
        say("seeded", json.dumps(out))
        return 0
    pin_today(dt.date(2026, 12, 2))
    warm()
    if command == "clean":
        # every step once, timed, with the state after each
        for step in ("prepare", "lock", "approve", "issue", "return_import", "reconcile", "close"):
            t0 = time.perf_counter()
            run_steps([step], DEC)
            say("step", step, f"{time.perf_counter() - t0:.4f}", json.dumps(state(DEC)))
        return 0
    steps = argv
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        say("unknown steps", unknown)
        return 2
    from django.db import connection

    connection.close()  # hold nothing while waiting
    say("ready")
    if sys.stdin.readline().strip() != "go":
        return 1
    say("state", json.dumps(state(DEC)))
    t0 = time.perf_counter()
    run_steps(steps, DEC, announce=True)
    say("done", f"{time.perf_counter() - t0:.4f}")
    say("state", json.dumps(state(DEC)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
