"""Fuzz every operation of the OpenAPI with schemathesis, as a county and as a village user, on PostgreSQL.

`make fuzz` (or `python scripts/fuzz_api.py`) does, in a few minutes:

1. creates a fresh PostgreSQL database ``fuzz_<pid>`` (dropped again at the end unless --keep-db),
   migrates it and seeds two counties of Dezhou (the demo setup: 临邑县 with 2,000 households, users,
   applications at every stage, a 医保 delivery, a payment roll; plus 齐河县 from `dajiuzhu seed`);
2. creates an API token for the demo county approver and one for the demo village assistant
   (accounts.services.api_token_create);
3. serves the app with gunicorn on a free port with DEBUG off, a test secret key and throttles raised
   so that the fuzzer's requests are answered rather than refused;
4. runs ``schemathesis run`` once per token against every operation (phases examples, coverage and
   fuzzing, ``--max-examples`` per operation, NUL bytes allowed) with the checks not_a_server_error
   and response_schema_conformance;
5. counts the requests and the 5xx answers from gunicorn's access log and prints them with the number
   of operations and of schema violations; exits non-zero on any 5xx or failed check.

Options: --max-examples N (default 25), --max-time SECONDS (per user; fuzzing repeats until spent: what
CI uses), --workers N, --seed S, --pg URL (server, default postgres://postgres@127.0.0.1:5432), --keep-db,
--reuse-db NAME (a database kept by --keep-db), --include-path-regex RE (only some operations).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET_KEY = "fuzz-only-secret-key-not-for-production-0123456789abcdefghijklmnop"
CHECKS = "not_a_server_error,response_schema_conformance"
PHASES = "examples,coverage,fuzzing"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _psql(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _env(db_url: str, data_dir: Path, *, debug: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": db_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DAJIUZHU_DEBUG": "true" if debug else "false",
            "DAJIUZHU_SECRET_KEY": SECRET_KEY,
            "DAJIUZHU_DATA_DIR": str(data_dir),
            "DAJIUZHU_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The demo and seed commands refuse to run on a production database without this switch.
            "DAJIUZHU_DEMO": "true",
            # The fuzzer sends thousands of requests a minute from one address: throttles far above that.
            "DAJIUZHU_API_ANON_RATE": "1000000/min",
            "DAJIUZHU_API_USER_RATE": "1000000/min",
            "DAJIUZHU_PUBLIC_FORM_RATE": "1000000/min",
            "DAJIUZHU_LOGIN_RATE": "1000000/min",
            "DAJIUZHU_LOG_LEVEL": "ERROR",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


# The data the fuzzer finds: both counties seeded small first (demo_setup seeds its 2,000 households only
# into an empty county), then the demo's users, a first assessment, applications at every stage, a 医保
# delivery with alerts and a payment roll.
SETUP_COMMANDS: list[tuple[str, ...]] = [
    ("migrate", "--noinput", "--verbosity", "0"),
    ("seed", "--households", "300", "--seed", "5", "--area", "371424"),
    ("seed", "--households", "150", "--seed", "7", "--area", "371425"),
    ("demo_setup",),
    ("assess", "--user", "county", "--if-none"),
    ("intake_demo",),
    ("monitoring_demo",),
    ("payments_demo",),
]
BEST_EFFORT = {"intake_demo", "monitoring_demo", "payments_demo"}


def _setup(env: dict[str, str], *, seeded: bool) -> dict[str, Any]:
    """Migrate and seed the database (one child process, so Django starts once); returns {"tokens":
    {"county": ..., "village": ...}, "values": {path parameter: real values}}."""
    cmd = [sys.executable, __file__, "--prepare" if not seeded else "--make-tokens"]
    out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)  # noqa: S603
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _prepare() -> None:
    """(In a child process.) Every setup command, then the tokens and values as JSON on the last line."""
    sys.path.insert(0, str(ROOT))
    import io

    import django

    django.setup()
    from django.core.management import call_command

    for command in SETUP_COMMANDS:
        started = time.monotonic()
        try:
            call_command(*command, stdout=io.StringIO())
        except Exception as exc:
            if command[0] not in BEST_EFFORT:
                raise
            # More data to fuzz, not a precondition: the run goes on without it, and says so.
            print(f"warning: {command[0]} failed ({exc}); fuzzing without its data", file=sys.stderr)
        print(f"+ {' '.join(command)} ({time.monotonic() - started:.0f}s)", file=sys.stderr, flush=True)
    _make_tokens()


# Path parameters the fuzzer draws from real rows most of the time (else random values): without them
# almost every request about one object would be a 404 and never reach the code behind it.
_ID_PARAMS = {
    "account_id": "payments.PayeeAccount",
    "application_id": "intake.Application",
    "bank_file_id": "payments.BankFile",
    "batch_id": "verification.ExchangeBatch",
    "change_id": "parameters.ParameterChange",
    "delivery_id": "monitoring.FeedDelivery",
    "entitlement_id": "benefits.Entitlement",
    "line_id": "payments.RollLine",
    "list_id": "payments.PublicList",
    "objection_id": "intake.Objection",
    "receipt_id": "intake.Receipt",
    "record_id": "registry.Income",
    "recovery_id": "payments.Recovery",
    "request_id": "verification.VerificationRequest",
    "roll_id": "payments.Roll",
    "run_id": "assessment.AssessmentRun",
    "supporter_id": "registry.OutsideSupporter",
    "task_id": "monitoring.VisitTask",
    "assessment_id": "eldercare.AbilityAssessment",
    "institution_id": "eldercare.Institution",
    "order_id": "eldercare.CareOrder",
    "stay_id": "eldercare.Stay",
}


def _make_tokens() -> None:
    """(In a child process with Django set up.) One API token for each fuzzing user and the real values
    of path parameters, as JSON."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()  # a second call (after _prepare) does nothing
    from django.apps import apps

    from dajiuzhu.accounts.models import User
    from dajiuzhu.accounts.services import api_token_create
    from dajiuzhu.intake.models import AssistanceItem
    from dajiuzhu.parameters.selectors import parameter_tree
    from dajiuzhu.registry.models import Household, Person
    from dajiuzhu.verification.contracts import contracts_all

    tokens = {}
    for username in ("county", "village"):
        _token, key = api_token_create(user=User.objects.get(username=username), name="fuzz")
        tokens[username] = key
    village = User.objects.get(username="village").area
    assert village is not None, "demo_setup gives the user village an area"
    values: dict[str, list[Any]] = {}
    # Households and persons of the village user's village, of the rest of the county and of the other one.
    for param, model in (("household_id", Household), ("person_id", Person)):
        field = "area__village_code" if model is Household else "household__area__village_code"
        ids = list(
            model.objects.filter(**{field: village.code}).order_by("id").values_list("id", flat=True)[:12]
        )
        ids += list(
            model.objects.exclude(**{field: village.code}).order_by("-id").values_list("id", flat=True)[:6]
        )
        values[param] = ids
    for param, label in _ID_PARAMS.items():
        try:
            model = apps.get_model(label)
        except LookupError:  # an app no longer installed: its parameters stay random
            continue
        ids = list(model.objects.order_by("-id").values_list("id", flat=True)[:15])
        if ids:
            values[param] = ids
    values["kind"] = ["income", "asset", "expenditure"]
    values["code"] = sorted(AssistanceItem.objects.values_list("code", flat=True))[:20] + sorted(
        contracts_all()
    )
    values["source"] = sorted(contracts_all())
    values["name"] = sorted(parameter_tree().parameters)[:20]
    print(json.dumps({"tokens": tokens, "values": values}))


def _config_file(values: dict[str, list[Any]], path: Path) -> Path:
    """A schemathesis.toml binding every path parameter to its real values (70 % of the time)."""
    lines = []
    for name, items in values.items():
        if items:
            lines += [f"[dictionaries.{name}]", f"values = {json.dumps(items, ensure_ascii=False)}", ""]
    lines.append("[parameters]")
    for name, items in values.items():
        if items:
            lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.7 }}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 180) -> bytes:
    """The body of `url` once the server answers it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"error: the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=120) as resp:  # noqa: S310
                if resp.status == 200:
                    return bytes(resp.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"error: {url} did not answer within {timeout:.0f}s")


_FAILURE_LINE = re.compile(r"^\d+\. Test Case ID:", re.M)


def _schemathesis(
    schema_url: str,
    base_url: str,
    token: str,
    label: str,
    args: argparse.Namespace,
    env: dict[str, str],
    out_dir: Path,
    config: Path,
) -> tuple[int, int, str]:
    """Runs schemathesis as one user; returns (exit code, operations tested, output)."""
    cmd = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        schema_url,
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--phases",
        PHASES,
        "--max-examples",
        str(args.max_examples),
        "--workers",
        str(args.workers),
        "--seed",
        str(args.seed),
        "--generation-allow-x00",
        "true",
        "--generation-database",
        "none",
        "--request-timeout",
        "60",
        "--no-color",
        "--continue-on-failure",
        "--report",
        "junit",
        "--report-dir",
        str(out_dir / label),
    ]
    if args.include_path_regex:
        cmd += ["--include-path-regex", args.include_path_regex]
    if args.max_time:
        cmd += ["--max-time", str(args.max_time)]
    print(f"\n=== schemathesis as the {label} user", flush=True)
    # Run in the working directory: schemathesis keeps its cache of crashes there, not in the repository.
    proc = subprocess.run(cmd, env=env, cwd=out_dir, capture_output=True, text=True)  # noqa: S603
    output = proc.stdout + proc.stderr
    print(output[-20000:] if not args.verbose else output, flush=True)
    tested = 0
    m = re.search(r"API operations:\s*\n\s*Selected:\s*(\d+)/(\d+)\s*\n\s*Tested:\s*(\d+)", output, re.I)
    if m:
        tested = int(m.group(3))
    return proc.returncode, tested, output


def _count_access_log(path: Path) -> tuple[int, int, dict[str, int]]:
    total = errors = 0
    by_path: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split(" ", 2)
        if len(parts) < 3 or not parts[0].isdigit():
            continue
        total += 1
        if int(parts[0]) >= 500:
            errors += 1
            key = re.sub(r"/\d+", "/{id}", parts[2].split("?")[0])
            by_path[key] = by_path.get(key, 0) + 1
    return total, errors, by_path


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-examples", type=int, default=25, help="test cases per operation and phase")
    parser.add_argument(
        "--max-time", type=int, default=0, help="seconds per user: fuzzing repeats until they are spent"
    )
    # One schemathesis worker by default: with two threads, Python 3.11's ast module can fail in hypothesis'
    # lambda descriptions ("SystemError: AST constructor recursion depth mismatch"), an error of the tool.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument(
        "--pg", default=os.environ.get("DAJIUZHU_FUZZ_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse-db", default="", help="an already seeded database kept by --keep-db")
    parser.add_argument("--include-path-regex", default="")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--make-tokens", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_tokens:  # a database seeded before: migrations added since, then the tokens
        SETUP_COMMANDS[:] = SETUP_COMMANDS[:1]
        _prepare()
        return 0
    if args.prepare:
        _prepare()
        return 0

    started = time.monotonic()
    db_name = args.reuse_db or f"fuzz_{os.getpid()}"
    db_url = f"{args.pg}/{db_name}"
    work = Path(tempfile.mkdtemp(prefix="dajiuzhu-fuzz-"))
    if args.reuse_db:
        args.keep_db = True
    else:
        _psql(args.pg, f'CREATE DATABASE "{db_name}"')
    print(f"database {db_name}, working directory {work}", flush=True)
    server: subprocess.Popen[bytes] | None = None
    try:
        prepared = _setup(_env(db_url, work, debug=False), seeded=bool(args.reuse_db))
        tokens = prepared["tokens"]
        config = _config_file(prepared["values"], work / "schemathesis.toml")
        print(f"setup took {time.monotonic() - started:.0f}s", flush=True)
        port = _free_port()
        access_log = work / "access.log"
        server_log = (work / "server.log").open("wb")
        env = _env(db_url, work, debug=False)
        server = subprocess.Popen(  # noqa: S603
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "3",
                "--preload",
                "--timeout",
                "120",
                "--access-logfile",
                str(access_log),
                "--access-logformat",
                "%(s)s %(m)s %(U)s",
            ],
            env=env,
            cwd=ROOT,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        # The schema is read once into a file: each worker builds it on its first request, slowly.
        schema_file = work / "openapi.json"
        schema_file.write_bytes(_wait_for(f"{base_url}/api/openapi.json", server))
        schema_url = str(schema_file)
        results = []
        for label in ("county", "village"):
            results.append(
                (label, *_schemathesis(schema_url, base_url, tokens[label], label, args, env, work, config))
            )
        # Let gunicorn flush its access log.
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        server = None
        total, errors, by_path = _count_access_log(access_log)
        failed = [label for label, rc, _tested, _out in results if rc != 0]
        violations = sum(
            len(_FAILURE_LINE.findall(out.split("FAILURES", 1)[1])) if "FAILURES" in out else 0
            for _label, _rc, _tested, out in results
        )
        operations = max((tested for _label, _rc, tested, _out in results), default=0)
        print("\n=== fuzzing summary")
        print(f"operations tested: {operations} (per user; users: county, village)")
        print(f"requests: {total}")
        print(f"server errors (5xx): {errors}")
        for path, n in sorted(by_path.items(), key=lambda kv: -kv[1]):
            print(f"  {n:5d}  {path}")
        print(f"failed checks reported by schemathesis: {violations}")
        print(f"took {time.monotonic() - started:.0f}s")
        if errors:
            print("--- server log (tail)")
            print((work / "server.log").read_text(encoding="utf-8", errors="replace")[-8000:])
        if errors or failed:
            print(f"FUZZING FAILED (schemathesis failed for: {', '.join(failed) or 'none'})")
            return 1
        print("fuzzing passed: no server error, no schema violation")
        return 0
    finally:
        if server is not None:
            server.kill()
            server.wait()
        if not args.keep_db:
            _psql(args.pg, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept database {db_url} and {work}")


if __name__ == "__main__":
    sys.exit(main())
