"""The Excel import survives `kill -9` at any moment: a real process importing a file of 1,200 persons
(what the web process does for an upload) is SIGKILLed at 10 random points (seeded, the seed printed).
After each kill the file is either imported whole (its import DONE, every household, member, membership
and head) or not at all (no row of it); no household is left without members and nobody is in two
households. The next worker start fails an interrupted import with a reason in Chinese; uploading the
file again then imports it exactly once, and uploading a file already imported is refused.

The database is a scratch copy of the suite's test database (a SQLite file, or a PostgreSQL database named
kill_imports_<pid>_imports made from it as a template).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dajiuzhu.core.tests import killing
from dajiuzhu.registry.importing import IMPORT_INTERRUPTED

HOUSEHOLDS = 400  # three persons each
TRIALS = 10
SEED = int(os.environ.get("DAJIUZHU_KILL_SEED", "20261204"))
HELPER = Path(__file__).with_name("import_kill_helper.py")

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("kill_imports")
    box = killing.Scratch(tmp, "imports")
    helper = None
    try:
        url = box.copy_test_database("imports")
        helper = killing.Helper(HELPER, url)
        helper("setup")
        out = {"url": url, "helper": helper, "tmp": tmp}
        # an import that nobody kills, timed from the moment the importer starts on the file
        path, name = _file(out, 0)
        proc = _importer(url, path)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
        t0 = time.perf_counter()
        stdout, _ = proc.communicate(timeout=300)
        out["seconds"] = time.perf_counter() - t0
        assert proc.returncode == 0, stdout
        out["done"] = json.loads(next(line for line in stdout.splitlines() if line.startswith("done "))[5:])
        out["state"] = helper("state", trial=0, households=HOUSEHOLDS, filename=name)
        yield out
    finally:
        if helper is not None:
            helper.close()
        box.drop_all()


def _importer(url: str, path: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HELPER), "import", path], cwd=killing.ROOT, env=killing.env(url),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip


def _file(registry: dict[str, Any], trial: int) -> tuple[str, str]:
    path = str(registry["tmp"] / f"trial-{trial}.xlsx")
    registry["helper"]("write_file", trial=trial, households=HOUSEHOLDS, path=path)
    return path, Path(path).name


def _whole(state: dict[str, Any]) -> bool:
    persons = HOUSEHOLDS * 3
    return (state["persons"], state["households"], state["memberships"], state["heads"]) == (
        persons, HOUSEHOLDS, persons, HOUSEHOLDS,
    )  # fmt: skip


def _none(state: dict[str, Any]) -> bool:
    return (state["persons"], state["households"], state["memberships"]) == (0, 0, 0)


def _check(label: str, state: dict[str, Any], found: list[str]) -> None:
    if state["empty_households"] or state["double_memberships"]:
        found.append(f"{label}: {state['empty_households']} empty households, "
                     f"{state['double_memberships']} persons in two households")  # fmt: skip
    done = state["jobs"].count("done")
    if done > 1:
        found.append(f"{label}: imported {done} times")
    if done == 1 and not _whole(state):
        found.append(
            f"{label}: marked imported with {state['persons']} persons, {state['households']} households"
        )
    if done == 0 and not _none(state):
        found.append(f"{label}: not imported but {state['persons']} persons are in the registry")


def test_an_import_nobody_kills_is_whole(registry: dict[str, Any]) -> None:
    done, state = registry["done"], registry["state"]
    assert (done["imported"], done["households"], done["persons"]) == (True, HOUSEHOLDS, HOUSEHOLDS * 3)
    assert state["jobs"] == ["done"] and _whole(state)
    assert state["empty_households"] == state["double_memberships"] == 0


def test_killed_at_ten_random_points_each_import_is_whole_or_absent(registry: dict[str, Any]) -> None:
    url, helper = registry["url"], registry["helper"]
    rng = random.Random(SEED)
    print(f"\nkill seed: {SEED} (DAJIUZHU_KILL_SEED)")
    found: list[str] = []
    interrupted = 0
    scale = registry["seconds"]  # how long an import takes; updated by each upload again (load varies)
    for k in range(1, TRIALS + 1):
        path, name = _file(registry, k)
        proc = _importer(url, path)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
        delay = scale * (rng.uniform(1.05, 1.4) if k % 5 == 0 else rng.uniform(0, 1.0))
        time.sleep(delay)
        alive = killing.sigkill(proc)
        killed = helper("state", trial=k, households=HOUSEHOLDS, filename=name)
        stage = "imported" if "done" in killed["jobs"] else (killed["jobs"] or ["before its record"])[-1]
        label = f"trial {k} (+{delay:.2f}s of ~{scale:.2f}s, killed {stage})"
        print(label)
        _check(label + " after the kill", killed, found)
        killing.worker_run(url)  # the next worker start
        after = helper("state", trial=k, households=HOUSEHOLDS, filename=name)
        _check(label + " after the next worker start", after, found)
        if "running" in after["jobs"]:
            found.append(f"{label}: still running after the next worker start")
        if "done" in killed["jobs"]:
            again = helper("import_now", path=path)  # the clerk, who never saw the answer, uploads it again
            if again["imported"] or "不会重复导入" not in again.get("message", ""):
                found.append(f"{label}: a file already imported was not refused: {again}")
        else:
            interrupted += alive
            if killed["jobs"] and (after["jobs"][-1], after["errors"][-1]) != ("failed", IMPORT_INTERRUPTED):
                found.append(f"{label}: not recovered: {after['jobs']} {after['errors']}")
            t0 = time.perf_counter()
            again = helper("import_now", path=path)  # uploaded again
            scale = max(time.perf_counter() - t0, 0.2)
            if not again["imported"]:
                found.append(f"{label}: uploading again failed: {again}")
        final = helper("state", trial=k, households=HOUSEHOLDS, filename=name)
        _check(label + " after uploading again", final, found)
        if final["jobs"].count("done") != 1 or not _whole(final):
            found.append(f"{label}: after uploading again: {final}")
    print(f"kill trials: {TRIALS}, interrupted: {interrupted}, inconsistencies: {len(found)}")
    assert found == []
    assert interrupted >= TRIALS * 4 // 10  # the kills did land inside imports, not only after them
