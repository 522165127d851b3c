"""A batch assessment run survives `kill -9` of its worker at any moment: a real `dajiuzhu db_worker`
running a live run over a seeded county is SIGKILLed at 10 random points (seeded, the seed printed);
after each kill no run is marked done without all its results and no household has two results; the
next worker start fails the interrupted run with a reason in Chinese (and its django-tasks result);
the run is retried and then holds exactly the results of a run that was never killed.

The database is a scratch copy of the suite's test database (a SQLite file, or a PostgreSQL database named
kill_runs_<pid>_runs made from it as a template), seeded once through the real services.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dajiuzhu.assessment.services import INTERRUPTED
from dajiuzhu.core.tests import killing

HOUSEHOLDS = 2000
TRIALS = 10
SEED = int(os.environ.get("DAJIUZHU_KILL_SEED", "20261204"))
HELPER = Path(__file__).with_name("kill_helper.py")

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None) -> Iterator[dict[str, Any]]:
    box = killing.Scratch(tmp_path_factory.mktemp("kill_runs"), "runs")
    helper = None
    try:
        url = box.copy_test_database("runs")
        helper = killing.Helper(HELPER, url)
        seeded = helper("setup", households=HOUSEHOLDS)
        # a run that nobody kills: what every run of this county must end with
        run = helper("run_start")["run"]
        killing.worker_run(url)
        reference = helper("run_state", run=run)
        yield {"url": url, "helper": helper, "reference": reference, "households": seeded["households"]}
    finally:
        if helper is not None:
            helper.close()
        box.drop_all()


def test_a_run_nobody_kills_has_one_result_per_household(county: dict[str, Any]) -> None:
    ref = county["reference"]
    assert ref["status"] == "done" and ref["task"] == "SUCCESSFUL"
    assert ref["results"] == county["households"] - ref["problem_count"] > 0
    assert ref["results"] == ref["summary_households"]
    assert ref["doubles"] == 0


def _check(label: str, state: dict[str, Any], ref: dict[str, Any], found: list[str]) -> None:
    """Done means every result, exactly the reference; not done means none; never a household twice."""
    if state["doubles"]:
        found.append(f"{label}: {state['doubles']} households with two results")
    if state["status"] == "done":
        if (state["results"], state["digest"]) != (ref["results"], ref["digest"]):
            found.append(f"{label}: done with {state['results']} results (expected {ref['results']})")
    elif state["results"]:
        found.append(f"{label}: {state['status']} with {state['results']} partial results")


def test_killed_at_ten_random_points_each_run_is_recovered_and_retried(county: dict[str, Any]) -> None:
    """Trial k: a run is queued and a worker started; at its start the worker recovers the run killed in
    trial k-1 (which the test then retries), computes the retry of trial k-2's run, takes the new run
    and is killed at a random moment of it. Two more worker starts recover and compute the last ones."""
    url, helper, ref = county["url"], county["helper"], county["reference"]
    rng = random.Random(SEED)
    print(f"\nkill seed: {SEED} (DAJIUZHU_KILL_SEED)")
    found: list[str] = []
    interrupted = 0
    previous: tuple[int, dict[str, Any], str] | None = None  # killed, to be recovered by the next start
    retried: tuple[int, str] | None = None  # retried, to be computed by the next worker
    # How long a run takes: the shortest seen so far (a worker's second run, after a retry, is warm and
    # much quicker than its first; the machine's load varies too).
    scale = ref["seconds"]
    t0 = time.perf_counter()
    for k in range(TRIALS + 2):
        proc = None
        if k < TRIALS:
            run = helper("run_start")["run"]
            # one kill in five comes late (after the run should have committed)
            delay = scale * (rng.uniform(1.5, 3.0) if k % 5 == 4 else rng.uniform(0, 1.0))
            proc = killing.worker(url)
            assert killing.wait_for(
                lambda run=run, proc=proc: (
                    helper("run_status", run=run)["status"] != "queued" or proc.poll() is not None
                )
            ), f"trial {k}: the worker never took run {run}"
            time.sleep(delay)
            alive = killing.sigkill(proc)
        else:
            killing.worker_run(url)
        if retried is not None:
            rid, label = retried
            again = helper("run_state", run=rid)
            _check(label + " after the retry", again, ref, found)
            scale = min(scale, again["seconds"] or scale)
            if (again["status"], again["attempts"], again["task"]) != ("done", 2, "SUCCESSFUL"):
                found.append(f"{label}: the retry ended {again['status']} (attempt {again['attempts']})")
            retried = None
        if previous is not None:
            rid, killed, label = previous
            after = helper("run_state", run=rid)
            _check(label + " after the next worker start", after, ref, found)
            if killed["status"] == "done":
                if after != killed:
                    found.append(f"{label}: a done run changed at the next worker start")
            elif (after["status"], after["error"], after["task"]) != ("failed", INTERRUPTED, "FAILED"):
                found.append(f"{label}: not recovered: {after['status']} {after['error']!r} {after['task']}")
            else:
                helper("run_retry", run=rid)  # 重新计算, from the page or the API: the same run again
                retried = (rid, label)
            previous = None
        if proc is not None:
            killed = helper("run_state", run=run)
            label = f"trial {k} (+{delay:.2f}s of ~{scale:.2f}s, killed at {killed['status']}/{killed['stage'] or '开始'})"
            print(label, f"[{time.perf_counter() - t0:.0f}s]")
            _check(label + " after the kill", killed, ref, found)
            interrupted += alive and killed["status"] != "done"
            if killed["status"] == "done":
                scale = min(scale, killed["seconds"] or scale)
            previous = (run, killed, label)
    print(f"kill trials: {TRIALS}, interrupted: {interrupted}, inconsistencies: {len(found)}")
    assert found == []
    assert interrupted >= TRIALS * 4 // 10  # the kills did land inside runs, not only after them
