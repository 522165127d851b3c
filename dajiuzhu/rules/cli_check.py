"""`dajiuzhu check CASE.json`: assess a household described in a file, with no database and no Django."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

CASE_SUFFIXES = (".json", ".yaml", ".yml")


def is_case_check(argv: list[str]) -> bool:
    """`dajiuzhu check FILE.json` is the case check; a bare `dajiuzhu check` stays Django's system check."""
    return (
        len(argv) >= 3 and argv[1] == "check" and any(a == "-" or a.endswith(CASE_SUFFIXES) for a in argv[2:])
    )


def check_case(args: list[str]) -> int:
    from dajiuzhu.rules.case import CaseError, run_case
    from dajiuzhu.rules.explain import summary_text
    from dajiuzhu.rules.parameters import ParameterError

    parser = argparse.ArgumentParser(
        prog="dajiuzhu check",
        description="评估案例文件中描述的家庭（无需数据库）。格式见 policy/examples/README.md",
    )
    parser.add_argument("file", help="案例文件（.json/.yaml），- 表示标准输入")
    parser.add_argument("--date", help="评估日期 YYYY-MM-DD（覆盖文件中的 date）")
    parser.add_argument("--format", choices=["json", "text"], default="text")
    ns = parser.parse_args(args)
    try:
        text = sys.stdin.read() if ns.file == "-" else Path(ns.file).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"错误：无法读取文件 {ns.file}：{exc.strerror}", file=sys.stderr)
        return 2
    try:
        if ns.file.endswith((".yaml", ".yml")):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except (ValueError, Exception) as exc:  # json.JSONDecodeError / yaml.YAMLError
        print(f"错误：{ns.file} 不是有效的 JSON/YAML：{exc}", file=sys.stderr)
        return 2
    if ns.date:
        try:
            dt.date.fromisoformat(ns.date)
        except ValueError:
            print(f"错误：--date “{ns.date}”不是有效日期（应为 YYYY-MM-DD）", file=sys.stderr)
            return 2
        if isinstance(data, dict):
            data["date"] = ns.date
    # A command-line check runs outside Django (no settings, no pinned clock): a case that names no date
    # is assessed on the machine's date.
    today = dt.date.today()  # noqa: TID251
    try:
        outcome = run_case(data, today=today)
    except CaseError as exc:
        for path, message in exc.errors:
            print(f"错误：{path or '文件'}：{message}", file=sys.stderr)
        return 2
    except ParameterError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if ns.format == "json":
        print(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2))
    else:
        c = outcome.case
        print(f"评估日期 {c.on.isoformat()}　区划 {c.region}　{'城市' if c.residence == 'urban' else '农村'}　"
              f"成员 {len(c.persons)} 人　每月救助合计 {outcome.as_dict()['monthly_total']} 元")  # fmt: skip
        print(summary_text(outcome.programmes))
    return 0
