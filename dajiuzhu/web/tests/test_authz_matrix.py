"""The authorisation matrix: every role at the level it is assigned, and anonymous, against every page of
the URL conf and every operation of the OpenAPI, each naming an object of an area the user must not see.

For each probe (see authz_probes.py): a refusal for a foreign object in the URL (403/404; anonymous: 401 on
the API, the login page or 403/404 on pages), the same answer as for a missing object, no text of the
foreign object anywhere in the answer (pages, JSON, Excel), and for every write no change in any table
(a hash of all rows of every model but the audit trail, before and after). A route or URL parameter the
registry does not know fails `test_every_route_is_in_the_matrix` with what to add, so a new endpoint is
covered as soon as it exists.

The counts are printed at the end of the module: `authz matrix: N combinations, R refused, ...`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client, override_settings

from dajiuzhu.web.tests import authz_probes as P
from dajiuzhu.web.tests import authz_world as W

# The module's data is made once (the `matrix` fixture); each test runs in a transaction rolled back after.
pytestmark = pytest.mark.django_db

# Every role at the level(s) it is assigned, with the world that is foreign to it.
IDENTITIES: list[tuple[str, str, str, str | None, str]] = [
    # (label, role, area code, department, foreign world)
    ("village_assistant@village", "village_assistant", "371424100201", None, "B"),
    ("grid_worker@grid", "grid_worker", "371424100201001", None, "B"),
    ("township_reviewer@township", "township_reviewer", "371424100", None, "B"),
    ("county_approver@county", "county_approver", "371424", None, "B"),
    ("department_window@county", "department_window", "371424", "yibao", "B"),
    ("department_window@township", "department_window", "371424100", "yibao", "B"),
    ("auditor@county", "auditor", "371424", None, "B"),
    ("sysadmin@county", "sysadmin", "371424", None, "B"),
    ("city_analyst@city", "city_analyst", "3714", None, "C"),
    ("auditor@city", "auditor", "3714", None, "C"),
    ("sysadmin@province", "sysadmin", "37", None, "C"),
]
ANONYMOUS = "anonymous"

# Columns that change on every request by design (not a write of the probe).
VOLATILE_COLUMNS = {("accounts_user", "last_login"), ("accounts_apitoken", "last_used_at")}
# The audit trail records refused attempts (that is its job); every other table must stay as it was.
UNWATCHED_TABLES = {"audit_auditevent"}

REFUSED_PAGE = {403, 404, 405}
REFUSED_API = {403, 404}
_CSRF = re.compile(
    r'(name="csrfmiddlewaretoken" value=|csrf[-_]token["\']?\s*[:=]\s*)["\'][^"\']*["\']', re.I
)
_NONCE = re.compile(r'nonce="[^"]*"')
_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")  # a masked CSRF token wherever a page carries one


@dataclass
class Tally:
    combinations: int = 0
    refused: int = 0
    identical: int = 0
    clean_listings: int = 0
    public: int = 0
    by_identity: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


TALLY = Tally()


@pytest.fixture(scope="module")
def matrix(django_db_setup: Any, django_db_blocker: Any, request: pytest.FixtureRequest) -> Any:
    """The three worlds, the users and their tokens, made once for the module and rolled back after."""
    media = tempfile.mkdtemp(prefix="djz-authz-")
    overrides = override_settings(
        # Throttles and lockouts count requests in the cache; the matrix sends thousands from one address.
        CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}},
        AXES_ENABLED=False,
        NINJA_DEFAULT_THROTTLE_RATES={},
        DAJIUZHU_THROTTLE_ENABLED=False,
        RATELIMIT_ENABLE=False,
        MEDIA_ROOT=media,
        # Messages in a cookie, dropped after each probe, so that one probe's message never shows on the next.
        MESSAGE_STORAGE="django.contrib.messages.storage.cookie.CookieStorage",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    overrides.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build(Path(media))
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            overrides.disable()
            _report(request)


def _build(media: Path) -> dict[str, Any]:
    from dajiuzhu.accounts.models import User
    from dajiuzhu.accounts.services import api_token_create
    from dajiuzhu.registry import importing

    areas = W.make_areas()
    depts = W.departments()
    items = W.catalogue(depts)
    all_areas = {code: a for d in areas.values() for code, a in d.items()}
    worlds = {k: W.build_world(k, areas[k], depts, items) for k in ("A", "B", "C")}
    for w in worlds.values():
        w.obj["item"] = items["dibao"]
        token = f"authz{w.key}token0000000000"
        report_dir = media / importing.REPORT_DIR_NAME
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / f"{w.pk('user')}_{token}.xlsx").write_bytes(b"PK\x03\x04 " + w.sentinels[0].encode())
        w.obj["import_token"] = token
    users = {}
    for label, role, code, dept, foreign in IDENTITIES:
        user = User(username=f"probe_{label.replace('@', '_')}", role=role, area=all_areas[code],
                    department=depts[dept] if dept else None, full_name="探测用户",
                    is_superuser=label == "sysadmin@province", is_staff=label == "sysadmin@province")  # fmt: skip
        user.set_unusable_password()
        user.save()
        _, key = api_token_create(user=user, name="authz matrix")
        users[label] = (user, key, foreign)
    _pages, page_problems, page_public = P.collect_pages(worlds["B"], worlds["A"])
    return {"worlds": worlds, "users": users, "items": items, "page_public": page_public,
            "api_public": P.collect_api(worlds["B"], worlds["A"])[2],
            "problems": page_problems + P.collect_api(worlds["B"], worlds["A"])[1]}  # fmt: skip


def _report(request: pytest.FixtureRequest) -> None:
    t = TALLY
    line = (
        f"authz matrix: {t.combinations} combinations, {t.refused} refused, {t.identical} identical to a missing "
        f"object, {t.clean_listings} listings without foreign data, {t.public} public routes allow-listed, "
        f"{len(t.failures)} failures"
    )
    by_identity = "  by identity: " + ", ".join(f"{k} {v}" for k, v in sorted(t.by_identity.items()))
    # Past pytest's capture, so that the line shows in a passing run too.
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(f"\n{line}\n{by_identity}", flush=True)
    else:
        print(line)


# ---- the database fingerprint -------------------------------------------------------------------------


def _watched() -> list[tuple[str, list[str]]]:
    tables = []
    for model in apps.get_models():
        if not model.__module__.startswith("dajiuzhu."):
            continue
        table = model._meta.db_table
        if table in UNWATCHED_TABLES:
            continue
        cols = [f.column for f in model._meta.concrete_fields if (table, f.column) not in VOLATILE_COLUMNS]
        tables.append((table, cols))
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            if through._meta.auto_created:
                tables.append((through._meta.db_table, [f.column for f in through._meta.concrete_fields]))
    return tables


_LAST: dict[str, Any] = {"changes": None, "print": None}


def _total_changes() -> int | None:
    """The count of rows this connection has written (SQLite's total_changes(); on PostgreSQL the current
    transaction's inserted, updated and deleted tuples, which the test's outer transaction keeps): when it
    has not moved since the last fingerprint, nothing was written and the fingerprint is still right."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT total_changes()")
        elif connection.vendor == "postgresql":
            cur.execute(
                "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_all_tables"
            )
        else:
            return None
        return int(cur.fetchone()[0])


def fingerprint(tables: list[tuple[str, list[str]]]) -> dict[str, str]:
    """A hash of all rows of every watched table."""
    changes = _total_changes()
    if changes is not None and changes == _LAST["changes"]:
        return _LAST["print"]  # type: ignore[no-any-return]
    out = {}
    with connection.cursor() as cur:
        for table, cols in tables:
            q = connection.ops.quote_name
            cur.execute(f"SELECT {', '.join(q(c) for c in cols)} FROM {q(table)} ORDER BY 1")
            out[table] = hashlib.sha256(repr(cur.fetchall()).encode()).hexdigest()
    _LAST["changes"], _LAST["print"] = changes, out
    return out


# ---- requests -----------------------------------------------------------------------------------------


def _send(client: Client, probe: P.Probe, req: P.Req, *, api: bool, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    m = probe.method.lower()
    call = getattr(client, m)
    if probe.method == "GET":
        return client.get(req.path, req.data or {}, **headers)
    if req.files:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = dict(req.data or {})
        for name, (filename, content) in req.files.items():
            data[name] = SimpleUploadedFile(filename, content, content_type="text/csv")
        return call(req.path, data, **headers)
    if api:
        return call(req.path, json.dumps(req.data or {}), content_type="application/json", **headers)
    if probe.method == "POST":
        return client.post(req.path, req.data or {}, **headers)
    from urllib.parse import urlencode

    return call(req.path, urlencode(req.data or {}, doseq=True), content_type="application/x-www-form-urlencoded",
                **headers)  # fmt: skip


def _forget_messages(client: Client) -> None:
    client.cookies.pop("messages", None)


def _text(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                raw = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
        except zipfile.BadZipFile:
            pass
    return raw.decode("utf-8", errors="replace")


def _normalise(text: str, values: tuple[str, ...]) -> str:
    text = _CSRF.sub("<csrf>", text)
    text = _NONCE.sub("<nonce>", text)
    text = _TOKEN.sub("<token>", text)
    for v in values:
        text = text.replace(v, "<v>")
    return text


def _answer(response: Any, text: str, values: tuple[str, ...]) -> tuple[int, str, str]:
    location = _normalise(response.get("Location", ""), values)
    return response.status_code, location, _normalise(text, values)


def _login_redirect(response: Any) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response.get("Location", "")


def run_matrix(matrix: dict[str, Any], surface: str) -> None:
    worlds = matrix["worlds"]
    tables = _watched()
    identities = [*matrix["users"].items(), (ANONYMOUS, (None, None, "B"))]
    for label, (user, key, foreign_key) in identities:
        f, h = worlds[foreign_key], worlds["A"]
        probes = (P.collect_pages if surface == "page" else P.collect_api)(f, h)[0]
        # Listings first: after the write probes a listing would show what this user itself just sent.
        probes.sort(key=lambda p: p.kind != "listing")
        sentinels = f.sentinels
        client = Client()
        if user is not None and surface == "page":
            client.force_login(user)
        token = key if surface == "api" else None
        # Each identity starts from the same data: what one user wrote (an own batch naming a foreign ID
        # number, say) is rolled back before the next one probes.
        with transaction.atomic():
            for probe in probes:
                TALLY.combinations += 1
                TALLY.by_identity[label] += 1
                _probe_one(client, probe, label, token, sentinels, tables, anonymous=user is None)
            transaction.set_rollback(True)
        _LAST["changes"] = None


def _probe_one(
    client: Client, probe: P.Probe, label: str, token: str | None, sentinels: list[str], tables: Any, *,
    anonymous: bool,
) -> None:  # fmt: skip
    api = probe.surface == "api"
    write = probe.method != "GET"
    fail = TALLY.failures.append
    before = fingerprint(tables) if write else None
    try:
        with transaction.atomic():
            got = _send(client, probe, probe.foreign, api=api, token=token)
            text = _text(got)
            _forget_messages(client)
    except Exception as exc:  # a crash is a failure of the probe, reported with the others
        fail(f"{label}: {probe.label}: raised {type(exc).__name__}: {exc}")
        return
    own = P.OWN_WRITES.get(probe.route, ())
    values = (*probe.values, str(W.MISSING_ID), P.MISSING_STR)
    if write:
        after = fingerprint(tables)
        changed = sorted(t for t in after if after[t] != before[t] and t not in own)  # type: ignore[index]
        if changed:
            fail(f"{label}: {probe.label}: CHANGED {changed} (status {got.status_code})")
    if got.status_code >= 500:
        fail(f"{label}: {probe.label}: server error {got.status_code}")
        return
    shown = _normalise(text, probe.values)
    leaked = [s for s in sentinels if s in shown]
    if leaked:
        fail(f"{label}: {probe.label}: LEAK {leaked} in a {got.status_code} answer")
    if anonymous:
        ok = got.status_code == 401 if api else (_login_redirect(got) or got.status_code in REFUSED_PAGE)
        if not ok:
            fail(f"{label}: {probe.label}: anonymous got {got.status_code} {got.get('Location', '')}")
        else:
            TALLY.refused += 1
        return
    if probe.kind == "object":
        refused = REFUSED_API if api else REFUSED_PAGE
        if not api and probe.missing is not None:
            # A form refused before the object is looked up (400 with the field named) is no leak as long
            # as the answer is the very one a missing object gets (compared below).
            refused = refused | {400}
        if got.status_code not in refused:
            fail(f"{label}: {probe.label}: not refused: {got.status_code} {got.get('Location', '')} "
                 f"{text[:160]!r}")  # fmt: skip
        else:
            TALLY.refused += 1
    if probe.missing is None:
        if not leaked:
            TALLY.clean_listings += 1
        return
    before_m = fingerprint(tables) if write else None
    try:
        with transaction.atomic():
            got_m = _send(client, probe, probe.missing, api=api, token=token)
            text_m = _text(got_m)
            _forget_messages(client)
    except Exception as exc:
        fail(f"{label}: {probe.label} (missing object): raised {type(exc).__name__}: {exc}")
        return
    after_m = fingerprint(tables) if write else None
    if write and sorted(t for t in after_m if after_m[t] != before_m[t] and t not in own):  # type: ignore[union-attr,index]
        # The missing variant must not write either; a write here is the probe's own, not a leak, but it
        # would hide the next probe's, so it is reported.
        fail(f"{label}: {probe.label} (missing object): changed the database (status {got_m.status_code})")
    if own:
        text, text_m = _drop_own_keys(text), _drop_own_keys(text_m)
    a, b = _answer(got, text, values), _answer(got_m, text_m, values)
    if a != b:
        detail = _first_difference(a[2], b[2])
        fail(
            f"{label}: {probe.label}: foreign answer {a[0]} {a[1]} differs from missing {b[0]} {b[1]}: {detail}"
        )
    else:
        TALLY.identical += 1
        if probe.kind == "reference" and got.status_code in (403, 404):
            TALLY.refused += 1


def _drop_own_keys(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return text

    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in P.OWN_RECORD_KEYS}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return json.dumps(strip(data), ensure_ascii=False, sort_keys=True)


def _first_difference(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"...{a[max(0, i - 60) : i + 80]!r} vs {b[max(0, i - 60) : i + 80]!r}"
    return f"lengths {len(a)} vs {len(b)}"


# ---- the tests ----------------------------------------------------------------------------------------


def test_every_route_is_in_the_matrix(matrix: dict[str, Any]) -> None:
    """Every page and operation is probed or allow-listed with a reason; a new one fails here until the
    registry in authz_probes.py says how to name a foreign object in it."""
    assert matrix["problems"] == [], "\n".join(matrix["problems"])
    TALLY.public = len(matrix["page_public"]) + len(matrix["api_public"])
    assert all(reason.strip() for reason in {**matrix["page_public"], **matrix["api_public"]}.values())


def test_pages_refuse_foreign_objects(matrix: dict[str, Any]) -> None:
    start = len(TALLY.failures)
    run_matrix(matrix, "page")
    failures = TALLY.failures[start:]
    assert not failures, f"{len(failures)} page probes failed:\n" + "\n".join(failures[:80])


def test_api_refuses_foreign_objects(matrix: dict[str, Any]) -> None:
    start = len(TALLY.failures)
    run_matrix(matrix, "api")
    failures = TALLY.failures[start:]
    assert not failures, f"{len(failures)} API probes failed:\n" + "\n".join(failures[:80])
