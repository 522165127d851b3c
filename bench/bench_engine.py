"""Engine benchmark: `assess_polars` over N synthetic households (bench/engine_data.py).

    .venv/bin/python bench/bench_engine.py 1000000
    .venv/bin/python bench/bench_engine.py 10000000 --repeat 5
    .venv/bin/python bench/bench_engine.py 10000000 --strings string   # coded columns as String

Reports the input size (sum of polars' estimated_size of both frames, and the physical size that also
counts the 16-byte view of every String value), the time of the first run and the best of `--repeat`
runs, and the peak resident memory added during each run relative to the input size. The peak is the
kernel's high-water mark (VmHWM, reset through /proc/self/clear_refs before each run), cross-checked by
a thread sampling VmRSS every 5 ms. Then counts eligible households per programme as a sanity check.
"""

from __future__ import annotations

import dajiuzhu  # noqa: F401  (before Polars loads: sets its allocator's configuration)

# isort: split
import argparse
import gc
import os
import re
import resource
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
from engine_data import ON, default_table, generate

from dajiuzhu.rules.engine import assess_polars
from dajiuzhu.rules.programmes import RULES

STATUS = Path("/proc/self/status")


def _status_kb(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", STATUS.read_text(), re.M)
    return int(match.group(1)) if match else 0


def rss() -> int:
    return _status_kb("VmRSS") * 1024


def engine_version() -> str:
    """The commit the engine comes from, and whether dajiuzhu/rules has uncommitted changes."""
    import subprocess

    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "dajiuzhu/rules", "policy")
    return f"{head}" + (" + uncommitted changes in dajiuzhu/rules or policy" if dirty else "")


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads): less sensitive than wall time to other
    jobs on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _reset_high_water_mark() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class PeakMemory:
    """Peak RSS while the block runs (VmHWM after a reset, and a VmRSS sampler as a check) and the
    CPU seconds it used."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.samples_peak = 0
        self.hwm_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples_peak = max(self.samples_peak, rss())
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        gc.collect()
        self.before = rss()
        self._cpu0 = cpu_seconds()
        self.hwm_ok = _reset_high_water_mark()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = cpu_seconds() - self._cpu0
        self._stop.set()
        self._thread.join()
        self.samples_peak = max(self.samples_peak, rss())
        self.hwm_peak = _status_kb("VmHWM") * 1024 if self.hwm_ok else 0

    @property
    def peak(self) -> int:
        return max(self.samples_peak, self.hwm_peak)

    @property
    def added(self) -> int:
        return self.peak - self.before


def gib(n: float) -> str:
    return f"{n / 2**30:8.2f} GiB"


def programme_counts(
    result: pl.DataFrame, data: Any, table: Any, sample: int
) -> list[tuple[str, str, int, int]]:
    """(programme, level, households, persons) for every programme the engine lists (PROGRAMMES), or
    for every *_status column when it lists none. Household-level programmes are read from the full
    result; person-level ones from a run with person outputs on the first `sample` households."""
    try:
        from dajiuzhu.rules.programmes import PROGRAMMES
    except ImportError:
        PROGRAMMES = []
    rows: list[tuple[str, str, int, int]] = []
    yes = [1, 2, 3]  # eligible, needs review, gradual exit
    if not PROGRAMMES:
        for name in result.columns:
            if name.endswith("_status"):
                rows.append(
                    (name.removesuffix("_status"), "household", int(result[name].is_in(yes).sum()), 0)
                )
        return rows
    person_frame = None
    for prog in PROGRAMMES:
        if prog.level == "household":
            flag = (pl.col(prog.status).is_in(yes)) if prog.status else (pl.col(prog.amount) > 0)
            rows.append((prog.code, "household", int(result.select(flag.sum()).item()), 0))
            continue
        if person_frame is None:
            hh = data.households.head(sample)
            pp = data.persons.filter(pl.col("household_id") < sample)
            person_frame = assess_polars(RULES, hh, pp, table, person_outputs=True)[1]
        flag = (pl.col(prog.status).is_in(yes)) if prog.status else (pl.col(prog.amount) > 0)
        hit = person_frame.filter(flag)
        rows.append((prog.code, "person", hit["household_id"].n_unique(), hit.height))
    return rows


def stage_breakdown(data: Any, table: Any, repeat: int) -> list[tuple[str, float]]:
    """Best time of assess_polars on growing prefixes of RULES.stages; each row is what the stages
    added since the previous prefix cost. A person or broadcast stage is only computed once an
    aggregate reads it, so it is timed together with the stages up to the next aggregate or household
    stage. Empty if the rule set cannot be cut into prefixes."""
    stages = list(getattr(RULES, "stages", []) or [])
    out: list[tuple[str, float]] = []
    previous, start = 0.0, 0
    for k in range(1, len(stages) + 1):
        if stages[k - 1].kind in {"person", "broadcast"} and k < len(stages):
            continue
        try:
            prefix = type(RULES)(stages=stages[:k])
        except (TypeError, ValueError):
            return out
        best = float("inf")
        for _ in range(repeat):
            gc.collect()
            t0 = time.perf_counter()
            assess_polars(prefix, data.households, data.persons, table)
            best = min(best, time.perf_counter() - t0)
        label = " + ".join(f"{i + 1} {stages[i].kind}" for i in range(start, k))
        out.append((label, best - previous))
        previous, start = best, k
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="assess_polars benchmark on synthetic households")
    parser.add_argument("households", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--strings", choices=["string", "enum"], default="enum")
    parser.add_argument(
        "--sample", type=int, default=1_000_000, help="households used for the person-level programme counts"
    )
    parser.add_argument("--stages", action="store_true", help="also time the engine stage by stage")
    args = parser.parse_args()

    load_before = os.getloadavg()
    table = default_table()
    rss0 = rss()
    t0 = time.perf_counter()
    data = generate(args.households, seed=args.seed, table=table, strings=args.strings)
    t_gen = time.perf_counter() - t0
    gc.collect()
    rss_inputs = rss() - rss0
    n_h, n_p = data.households.height, data.persons.height
    est, phys = data.estimated_bytes(), data.physical_bytes()

    runs: list[tuple[float, PeakMemory]] = []
    result = None
    gc.collect()
    baseline = rss()  # inputs generated, nothing assessed yet
    for _ in range(args.repeat):
        result = None
        with PeakMemory() as mem:
            t1 = time.perf_counter()
            result = assess_polars(RULES, data.households, data.persons, table)
            seconds = time.perf_counter() - t1
        runs.append((seconds, mem))
    assert result is not None
    out_bytes = result.estimated_size()

    first_s = runs[0][0]
    best_s = min(s for s, _m in runs)
    peak = max(m.peak for _s, m in runs) - baseline
    first_peak = runs[0][1].peak - baseline
    print(f"polars {pl.__version__}, {os.cpu_count()} CPUs, {pl.thread_pool_size()} polars threads")
    print(f"engine at {engine_version()}; assessment date {ON}, seed {args.seed}, strings as {args.strings}")
    print(f"{'households':30} {n_h:>14,}")
    print(f"{'persons':30} {n_p:>14,}   ({n_p / n_h:.2f} per household)")
    print(f"{'columns (persons/households)':30} {data.persons.width:>8} / {data.households.width}")
    if data.defaulted:
        print(f"{'columns left at default':30} {', '.join(data.defaulted)}")
    print(f"{'generation':30} {t_gen:12.2f} s")
    print(f"{'input, estimated_size':30} {gib(est)}")
    print(f"{'input, physical':30} {gib(phys)}   (String views counted)")
    print(f"{'RSS added by generation':30} {gib(rss_inputs)}")
    print(f"{'RSS before assessing':30} {gib(baseline)}")
    print(f"{'output (households)':30} {gib(out_bytes)}   ({result.width} columns)")
    print()
    print("Peak = highest RSS during the run minus the RSS before the first run (memory the allocator")
    print("kept from an earlier run counts again), so later runs are not flattered.")
    head = (
        f"{'run':>4} {'seconds':>9} {'CPU s':>8} {'RSS before':>13} {'peak added':>13} {'÷ est. input':>13}"
    )
    print(f"{head} {'÷ phys. input':>13}")
    for i, (s, m) in enumerate(runs, 1):
        added = m.peak - baseline
        row = f"{i:>4} {s:9.2f} {m.cpu:8.2f} {gib(m.before)} {gib(added)} {added / est:13.2f}"
        print(f"{row} {added / phys:13.2f}")
    print()
    print(f"{'first run':30} {first_s:12.2f} s")
    print(f"{'best of ' + str(args.repeat):30} {best_s:12.2f} s   ({n_h / best_s / 1e6:.2f} M households/s)")
    print(f"{'least CPU time of a run':30} {min(m.cpu for _s, m in runs):12.2f} s   (all threads)")
    print(f"{'peak added, first run':30} {gib(first_peak)}   = {first_peak / est:.2f}× estimated input")
    ratios = f"{peak / est:.2f}× estimated input, {peak / phys:.2f}× physical"
    print(f"{'peak added, all runs':30} {gib(peak)}   = {ratios}")
    print(f"{'process max RSS (rusage)':30} {gib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}")
    print(f"target (10M households): ≤ 3 s, peak ≤ 2.5× input; here {best_s:.2f} s, {peak / est:.2f}×")
    load = os.getloadavg()
    print(f"load average before / after: {load_before[0]:.2f} / {load[0]:.2f} (other jobs on the machine)")
    if args.stages:
        print()
        print("stage by stage (best of 2; differences of growing prefixes of RULES.stages):")
        for label, seconds in stage_breakdown(data, table, 2):
            print(f"  {label:58} {seconds:7.2f} s")
    print()
    sample = min(args.sample, n_h)
    rows = programme_counts(result, data, table, sample)
    print(f"{'programme':20} {'level':10} {'households':>12} {'share':>7} {'persons':>10}")
    for code, level, households, persons in rows:
        base = n_h if level == "household" else sample
        shown = f"{persons:,}" if level == "person" else ""
        print(f"{code:20} {level:10} {households:12,} {households / base:7.2%} {shown:>10}")
    if sample < n_h:
        print(f"(person-level programmes counted on the first {sample:,} households)")
    print("status values (households):")
    for name in ("dibao_status", "edge_status"):
        if name in result.columns:
            counts = dict(result[name].value_counts().sort(name).iter_rows())
            print(f"  {name:14} {counts}")


if __name__ == "__main__":
    main()
