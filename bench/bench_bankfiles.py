"""Bank files at county scale: render a batch (报盘), let a simulated bank answer (回盘), parse and match.

    .venv/bin/python bench/bench_bankfiles.py                 # 1,000,000 lines, the text formats
    .venv/bin/python bench/bench_bankfiles.py 200000 --format sdrcu
    .venv/bin/python bench/bench_bankfiles.py 20000 --format xlsx-template

No database: the lines are generated with Polars and numpy (valid Luhn card numbers, Chinese names of
2–4 characters, amounts from 0.01 to 3,000.00 yuan, 2 % of the lines failed by the bank with a spread
of codes). Prints, per format, the seconds to render, the seconds to parse + match, the file size, and
the process's peak RSS at the end (ru_maxrss; it includes the generated input).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dajiuzhu.payments import bankfiles  # noqa: E402

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国德福大山玉凤淑珍红梅")


def _cards(n: int, rng: np.random.Generator) -> pl.Series:
    """n distinct-enough 19-digit card numbers "621462…" with a valid Luhn digit, built with numpy."""
    body = np.empty((n, 18), dtype=np.int64)
    body[:, :6] = [6, 2, 1, 4, 6, 2]
    body[:, 6:] = rng.integers(0, 10, size=(n, 12))
    doubled = body[:, 17::-2] * 2  # positions 1, 3, 5 … from the right once the check digit is appended
    doubled -= 9 * (doubled > 9)
    total = doubled.sum(axis=1) + body[:, 16::-2].sum(axis=1)
    check = (10 - total % 10) % 10
    digits = np.concatenate([body, check[:, None], np.full((n, 1), -38)], axis=1) + 48  # -38 + 48 = "\n"
    text = digits.astype(np.uint8).tobytes().decode("ascii")
    return pl.Series([text]).str.split("\n")[0].head(n).alias("account_number")


def make_lines(n: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pl.int_range(1, n + 1, eager=True).alias("i")
    surname = pl.Series(SURNAMES).gather(rng.integers(0, len(SURNAMES), n))
    given1 = pl.Series(GIVEN).gather(rng.integers(0, len(GIVEN), n))
    given2 = pl.Series(GIVEN).gather(rng.integers(0, len(GIVEN), n))
    size = rng.integers(0, 10, n)
    frame = pl.DataFrame({"i": idx, "s": surname, "g1": given1, "g2": given2, "k": size})
    name = (
        pl.when(pl.col("k") < 3)
        .then(pl.col("s") + pl.col("g1"))
        .when(pl.col("k") < 9)
        .then(pl.col("s") + pl.col("g1") + pl.col("g2"))
        .otherwise(pl.lit("欧阳") + pl.col("g1") + pl.col("g2"))
    )
    return frame.select(
        pl.format("PR202612371424-{}", pl.col("i").cast(pl.String).str.zfill(7)).alias("reference"),
        name.alias("holder_name"),
        pl.Series("amount_fen", rng.integers(1, 300_001, n), dtype=pl.Int64),
        pl.lit("202612").alias("period"),
        pl.lit("城乡居民最低生活保障").alias("programme_name"),
        pl.format("37142419{}", (pl.col("i") % 10_000_000).cast(pl.String).str.zfill(10)).alias("id_number"),
    ).with_columns(_cards(n, rng))


def bank_answer(fmt: bankfiles.BankFormat, lines: pl.DataFrame, seed: int = 2) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    codes = [c for c, _ in fmt.returns.failure_codes]
    failed = rng.random(lines.height) < 0.02
    code = pl.Series(codes).gather(rng.integers(0, len(codes), lines.height))
    return lines.select("reference", "account_number", "holder_name", "amount_fen").with_columns(
        pl.Series("paid", ~failed),
        pl.when(pl.Series(failed)).then(code).otherwise(pl.lit(None, dtype=pl.String)).alias("reason_code"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="bank file benchmark (render, parse, match)")
    parser.add_argument("lines", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--format", action="append", dest="formats", help="format code (repeatable)")
    args = parser.parse_args()
    formats = bankfiles.load_formats()
    codes = args.formats or [c for c, f in formats.items() if f.layout != "xlsx"]

    t = time.perf_counter()
    lines = make_lines(args.lines)
    print(f"generated {lines.height:,} lines in {time.perf_counter() - t:.2f} s")
    expected = lines.select("reference", "account_number", "amount_fen")
    for code in codes:
        fmt = formats[code]
        t = time.perf_counter()
        rendered = bankfiles.render(
            fmt, lines, county="371424", period="202612", seq=1, created=dt.date(2026, 12, 5)
        )
        render_s = time.perf_counter() - t
        answer = bankfiles.render_return(fmt, bank_answer(fmt, lines))  # the bank's side, not timed
        t = time.perf_counter()
        parsed = bankfiles.parse_return(fmt, answer)
        parse_s = time.perf_counter() - t
        match = bankfiles.match_return(expected, parsed)
        both_s = time.perf_counter() - t
        assert not parsed.errors and not match.errors, (parsed.errors[:3], match.errors[:3])
        assert match.results.height == lines.height
        failed = match.results.filter(~pl.col("paid")).height
        print(
            f"{code:14s} {fmt.layout:9s} render {render_s:6.2f} s ({len(rendered.content) / 1e6:,.1f} MB)   "
            f"parse {parse_s:6.2f} s + match {both_s - parse_s:5.2f} s = {both_s:6.2f} s   "
            f"({len(answer) / 1e6:,.1f} MB, {failed:,} failed)"
        )
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {peak_kb / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
