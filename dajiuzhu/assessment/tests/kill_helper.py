"""The helper process of test_kill.py (core/tests/killing.py's `serve`): seeds a county through the real
services, queues and retries runs, and reports what a run holds.

    python kill_helper.py serve
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from dajiuzhu.core.tests import killing

COUNTY = "371424"
RUN_ON = dt.date(2026, 3, 1)
USER = "kill_runner"


def user() -> Any:
    from dajiuzhu.accounts.models import User

    return User.objects.select_related("area").get(username=USER)


def setup(households: int) -> dict[str, Any]:
    """Linyi county's divisions, `households` synthetic households and a county user."""
    from dajiuzhu.accounts.models import User
    from dajiuzhu.areas.models import Area
    from dajiuzhu.areas.services import areas_load
    from dajiuzhu.registry.models import Household
    from dajiuzhu.registry.seeding import seed_households

    areas_load(city=COUNTY[:4])
    seed_households(households=households, seed=7, area_code=COUNTY, as_of=RUN_ON)
    runner = User(username=USER, role="county_approver", area=Area.objects.get(code=COUNTY))
    runner.set_password("Passw0rd!kill")
    runner.save()
    return {"households": Household.objects.filter(area__county_code=COUNTY).count()}


def run_start() -> dict[str, Any]:
    from dajiuzhu.assessment.services import run_start

    return {"run": run_start(user=user(), on=RUN_ON).pk}


def run_retry(run: int) -> dict[str, Any]:
    from dajiuzhu.assessment.services import run_retry

    return {"status": run_retry(user=user(), run_id=run).status}


def run_status(run: int) -> dict[str, Any]:
    from dajiuzhu.assessment.models import AssessmentRun

    return {"status": AssessmentRun.objects.filter(pk=run).values_list("status", flat=True).first()}


def run_state(run: int) -> dict[str, Any]:
    """The run, its results (count, households counted twice, a digest of every row) and its task."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from dajiuzhu.assessment.models import AssessmentRun, HouseholdResult

    rows = HouseholdResult.objects.filter(run_id=run)
    found = AssessmentRun.objects.get(pk=run)
    doubles = rows.values("household_id").annotate(n=Count("id")).filter(n__gt=1).count()
    digest = hashlib.sha256()
    fields = ("household_id", "dibao_status", "dibao_amount", "edge_status", "rigid_status", "n_tekun",
              "tekun_total", "monthly_total")  # fmt: skip
    for row in rows.order_by("household_id").values_list(*fields):
        digest.update("|".join(str(v) for v in row).encode() + b"\n")
    task = (
        DBTaskResult.objects.filter(pk=found.task_id).values_list("status", flat=True).first()
        if found.task_id
        else None
    )
    return {
        "status": found.status, "stage": found.stage, "error": found.error, "results": rows.count(),
        "doubles": doubles, "digest": digest.hexdigest(), "problem_count": found.problem_count,
        "attempts": found.attempts, "task": task, "seconds": found.seconds,
        "summary_households": (found.summary or {}).get("total", {}).get("households"),
    }  # fmt: skip


COMMANDS = {"setup": setup, "run_start": run_start, "run_retry": run_retry, "run_status": run_status,
            "run_state": run_state}  # fmt: skip

if __name__ == "__main__":
    killing.django_setup()
    sys.exit(killing.serve(COMMANDS))
