"""The registry of the authorisation matrix: for every page (URL conf) and API operation (OpenAPI), how to
name an object of a foreign area in it, and what a plausible request looks like.

A route is probed in one of three ways:
- **object**: a URL parameter names a foreign object → the answer must be a refusal (403/404; 401 or a
  redirect to the login page when anonymous) identical to the answer for a missing object, and nothing
  may change;
- **reference**: no URL parameter names an object but the query or body does (an area code, an ID
  number, a household id) → the answer for the foreign reference must be identical to the answer for a
  missing one, must not show the foreign object, and nothing may change;
- **listing**: the route shows the user's own scope and takes nothing naming another area → the answer
  must not show any foreign object.

Everything here is looked up by route; `collect_*` fail on a route or parameter they do not know, with the
message saying what to add, so that a new endpoint cannot escape the matrix.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dajiuzhu.core import clock, idnumber
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.web.tests.authz_world import MISSING_ID, World

PAGE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MISSING_STR = "zz-missing-0000"
# An ID number with a valid check digit that nobody holds (region of county B, born 1901).
_UNREG_BODY = "37142519010101999"
UNREGISTERED_ID = _UNREG_BODY + idnumber.check_char(_UNREG_BODY)
MISSING_AREA = "379999999999"


@dataclass
class Req:
    path: str
    data: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class Probe:
    surface: str  # "page" or "api"
    route: str  # the URL name of a page, "METHOD /api/path" of an operation
    method: str
    kind: str  # "object", "reference" or "listing"
    foreign: Req
    missing: Req | None = None
    # Values to blank out before comparing the two answers (the foreign and the missing id).
    values: tuple[str, ...] = ()
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.method} {self.foreign.path} [{self.route}{' ' + self.note if self.note else ''}]"


# ---- allow-lists ----------------------------------------------------------------------------------------

PUBLIC_PAGES: dict[str, str] = {
    "accounts:login": "the login form itself",
    "accounts:logout": "ends one's own session; names nothing",
    "notices:browse": "public notice boards (公示), open to everyone by law; names and amounts masked",
    "notices:board": "a village's public notice board, open to everyone by law",
    "notices:objection": "anyone may lodge an objection on a public notice (the public's channel)",
    "notices:thanks": "the thank-you page after an objection",
    "payments_public:village": "the published payment list (公布) of a village, open to everyone by law",
}
PUBLIC_API: dict[str, str] = {}

# Routes that act only on the caller's own account or scope and take no input that names another area;
# probed with GET only, for foreign data in the answer.
OWN_ONLY: dict[str, str] = {
    "accounts:password_change": "changes the caller's own password",
    "accounts:tokens": "the caller's own API tokens",
    "GET /api/accounts/me": "the caller's own account",
    "POST /api/accounts/tokens": "creates a token for the caller only",
    "registry:import_template": "an empty template",
    "registry:import": "imports into the areas the rows name; cross-area rows are refused row by row "
    "(covered by the registry import tests)",
    "web:home": "the caller's own workbench",
    "intake:queue": "the caller's own queue",
    "intake:catalogue": "the shared catalogue (not area data)",
    "GET /api/intake/items": "the shared catalogue (not area data)",
    "GET /api/intake/queue": "the caller's own queue",
    "intake_dynamic:index": "the caller's own reviews",
    "payments:worklist": "the caller's own worklist",
    "payments:outbox": "the caller's own county's notices",
    "payments:outbox_csv": "the caller's own county's notices",
    "GET /api/payments/worklist": "the caller's own worklist",
    "monitoring:tasks": "the caller's own tasks",
    "monitoring:rules": "the caller's county's rules",
    "GET /api/monitoring/tasks": "the caller's own tasks",
    "GET /api/monitoring/alerts": "the caller's own alerts",
    "GET /api/verification/sources": "the source contracts (not area data)",
    "verification:index": "the caller's own batches and reports",
    "GET /api/payments/public-lists": "the caller's own published lists",
    "GET /api/intake/entitlements": "the caller's own entitlements",
    "intake:applications": "the caller's own applications",
    "assessment:runs": "the caller's own runs",
    "GET /api/assessment/runs": "the caller's own runs",
    "audit:search": "the audit trail of the caller's area",
    "manage:departments": "the shared list of departments (not area data)",
    "manage:users": "the users of the caller's area",
    "parameters:list": "policy parameters in force for the caller's jurisdiction",
    "GET /api/parameters/": "policy parameters in force for the caller's jurisdiction",
    "payments:authorities": "the budget authority of the caller's county; a county outside the caller's area in "
    "the form falls back to the caller's own (the API operation is probed with a foreign county)",
    "payments:publish": "the caller's published lists",
    "payments:reports": "the caller's county's figures",
    "payments:reports_xlsx": "the caller's county's figures",
    "GET /api/payments/reports": "the caller's county's figures",
    "monitoring:dashboard": "the caller's area's indicators",
    "monitoring:export": "the caller's area's indicators",
    "GET /api/monitoring/kpis": "the caller's area's indicators",
    "monitoring:feeds": "the upload form and the caller's deliveries",
    "verification:upload": "the upload form",
    "registry:export": "the caller's households, masked",
    "eldercare:institutions": "the institutions of the caller's area",
    "eldercare:unplaced": "the caller's area's 特困 persons without a place",
    "eldercare:care_month": "the caller's area's care entitlements",
    "GET /api/eldercare/institutions": "the institutions of the caller's area",
    "GET /api/eldercare/unplaced-tekun": "the caller's area's 特困 persons without a place",
    "eldercare:dashboard": "the caller's area's care figures",
    "eldercare:reassessments": "the caller's area's elders due for re-assessment",
    "eldercare:orders": "the caller's area's home-care orders",
    "eldercare:providers": "the providers of the caller's county",
    "eldercare:statements": "the statements of the caller's county (a provider outside it: not found, "
    "covered by the settlement tests)",
    "eldercare:canteens": "the canteens of the caller's area",
    "eldercare:community": "the caller's area's volunteer visits and adaptation projects (records are made "
    "by ID number, the registry's one lookup)",
    "eldercare:carer_today": "the calling carer's own visits",
    "GET /api/eldercare/carer/orders": "the calling carer's own visits",
}

# Operations whose success is a record of the caller's own (an exchange batch, a delivery, a report)
# whatever the rows name: the tables they may write; every other table must stay as it was, and the
# answers for a foreign and a missing reference must still be the same.
OWN_WRITES: dict[str, tuple[str, ...]] = {
    "POST /api/verification/sources/{code}/batches": (
        "verification_exchangebatch",
        "verification_quarantinedrow",
    ),
    "POST /api/verification/sources/{code}/upload": (
        "verification_exchangebatch",
        "verification_quarantinedrow",
    ),
    "POST /api/monitoring/feeds/{source}": ("monitoring_feeddelivery", "monitoring_feedissue"),
    "POST /api/accounts/tokens": ("accounts_apitoken",),
}
# Keys of a JSON answer that differ between two records of one's own (ids, hashes, times).
OWN_RECORD_KEYS = {"id", "created_at", "delivered_at", "received_at", "sha256", "file_hash", "seconds", "timings",
                   "replay_of"}  # fmt: skip

# ---- URL parameters: which object of the foreign world a parameter names ------------------------------

OBJECT_PARAMS: dict[str, str] = {
    "household_id": "household",
    "person_id": "person",
    "supporter_id": "supporter",
    "run_id": "run",
    "change_id": "parameter_change",
    "application_id": "application",
    "receipt_id": "receipt",
    "objection_id": "objection",
    "entitlement_id": "entitlement",
    "batch_id": "batch",
    "request_id": "verification_request",
    "delivery_id": "delivery",
    "task_id": "task",
    "roll_id": "roll",
    "bank_file_id": "bank_file",
    "account_id": "account",
    "line_id": "line",
    "recovery_id": "recovery",
    "list_id": "public_list",
    "notice_id": "notice",
    "photo_id": "photo",
    "user_id": "user",
    "assessment_id": "ability_assessment",
    "institution_id": "institution",
    "stay_id": "stay",
    "bed_id": "bed",
    "order_id": "order",
    "canteen_id": "canteen",
    "statement_id": "statement",
}
# Per route, an object parameter may need a particular object (an application at the right step).
OBJECT_OVERRIDES: dict[tuple[str, str], str] = {
    ("intake:letter", "application_id"): "application_decided",
    ("intake_dynamic:opinion", "application_id"): "application_review",
    ("POST /api/intake/applications/{application_id}/review-opinion", "application_id"): "application_review",
    ("POST /api/intake/applications/{application_id}/decide", "application_id"): "application_medical",
}

INTAKE_ACTIONS = [
    "supplement", "accept", "return", "resubmit", "withdraw", "investigate", "check", "opinion",
    "close_notice", "county_visit", "decide", "notify", "extend", "objection",
]  # fmt: skip
ROLL_ACTIONS = ["regenerate", "township_check", "lock", "unlock", "approve", "issue", "reconcile", "close"]
RECORD_KINDS = ["income", "asset", "expenditure"]

# Parameters that name no object: the values to try (the same in the foreign and the missing probe).
STATIC_PARAMS: dict[tuple[str, str], list[str]] = {
    ("intake:act", "action"): INTAKE_ACTIONS,
    ("payments:roll_act", "action"): ROLL_ACTIONS,
    ("registry:record_new", "kind"): RECORD_KINDS,
    ("registry:person_reveal", "field"): ["id_number", "phone"],
    ("POST /api/verification/sources/{code}/upload", "code"): ["BANK_DEPOSIT"],
    ("POST /api/monitoring/feeds/{source}", "source"): ["MEDICAL_SETTLEMENT"],
    ("parameters:withdraw", "name"): ["dibao.standard.rural"],
}


def _today() -> str:
    return clock.today().isoformat()


def _month() -> str:
    return clock.today().replace(day=1).isoformat()


# ---- per-route probes that the parameters alone cannot describe ---------------------------------------

# f: the foreign world, h: the home world. Each returns [(kind, foreign kwargs/query/body, missing ...)].
Case = tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]
# (kind, url kwargs foreign, url kwargs missing, data foreign, data missing); data is the query of a GET
# or the body of a write.


def _records(f: World, h: World) -> list[Case]:
    return [
        ("object", {"kind": k, "record_id": f.pk(k)}, {"kind": k, "record_id": MISSING_ID}, {}, {})
        for k in RECORD_KINDS
    ]


def _recovery_repay(f: World, h: World) -> list[Case]:
    body = {"amount": "10.00", "on": _today(), "receipt_number": "R-1"}
    return [
        ("object", {"household_id": f.pk("household"), "recovery_id": f.pk("recovery")},
         {"household_id": MISSING_ID, "recovery_id": MISSING_ID}, body, body),
        # A home household with the foreign recovery (the classic mixed-id attempt).
        ("object", {"household_id": h.pk("household"), "recovery_id": f.pk("recovery")},
         {"household_id": h.pk("household"), "recovery_id": MISSING_ID}, body, body),
    ]  # fmt: skip


def _import_errors(f: World, h: World) -> list[Case]:
    # A report file exists for the foreign owner under this token (made by the fixture).
    return [("object", {"token": f.obj["import_token"]}, {"token": "0" * 32}, {}, {})]


def _parameter_detail(f: World, h: World) -> list[Case]:
    body = {"jurisdiction": f.county.code, "start": _month(), "value": "900", "reference": "探测〔2026〕1号",
            "reason": "探测"}  # fmt: skip
    return [
        ("reference", {"name": "dibao.standard.rural"}, {"name": "dibao.standard.rural"}, body,
         {**body, "jurisdiction": "379999"}),
    ]  # fmt: skip


def _household_list(f: World, h: World) -> list[Case]:
    return [
        ("reference", {}, {}, {"area": f.county.code}, {"area": "379999"}),
        ("reference", {}, {}, {"q": f.obj["household"].number}, {"q": "B-HH-000000"}),
        ("reference", {}, {}, {"q": f.obj["person"].id_number}, {"q": UNREGISTERED_ID}),
    ]


def _household_new(f: World, h: World) -> list[Case]:
    body = {"area": f.grid.code, "address": "探测地址", "residence_type": "rural", "hukou_type": "agricultural",
            "id_number": "371425198001010016", "name": "探测", "relation": "head"}  # fmt: skip
    return [("reference", {}, {}, body, {**body, "area": MISSING_AREA})]


def _check(f: World, h: World) -> list[Case]:
    return [("reference", {}, {}, {"id_number": f.obj["person"].id_number},
             {"id_number": UNREGISTERED_ID})]  # fmt: skip


def _run_start(f: World, h: World) -> list[Case]:
    body = {"area": f.county.code, "on": _today(), "kind": "full"}
    return [("reference", {}, {}, body, {**body, "area": "379999"})]


def _intake_start(f: World, h: World) -> list[Case]:
    return [
        ("reference", {}, {}, {"action": "lookup", "id_number": f.obj["person"].id_number},
         {"action": "lookup", "id_number": UNREGISTERED_ID}),
        ("reference", {}, {}, {"action": "file", "id_number": f.obj["person"].id_number, "items": ["dibao"]},
         {"action": "file", "id_number": UNREGISTERED_ID, "items": ["dibao"]}),
    ]  # fmt: skip


def _authorisation_new(f: World, h: World) -> list[Case]:
    body = {"id_number": f.obj["person"].id_number, "signed_on": _today(), "valid_until": "2027-12-31",
            "sources": ["BANK_DEPOSIT"]}  # fmt: skip
    return [("reference", {}, {}, body, {**body, "id_number": UNREGISTERED_ID})]


def _request_new(f: World, h: World) -> list[Case]:
    body = {"id_number": f.obj["person"].id_number, "sources": ["BANK_DEPOSIT"]}
    return [("reference", {}, {}, body, {**body, "id_number": UNREGISTERED_ID})]


def _monitoring_report(f: World, h: World) -> list[Case]:
    body = {"channel": "hotline", "content": "探测", "id_number": f.obj["person"].id_number}
    by_number = {"channel": "hotline", "content": "探测", "household_number": f.obj["household"].number}
    return [
        ("reference", {}, {}, body, {**body, "id_number": UNREGISTERED_ID}),
        ("reference", {}, {}, by_number, {**by_number, "household_number": "B-HH-000000"}),
    ]


def _rolls(f: World, h: World) -> list[Case]:
    return [
        ("reference", {}, {}, {"county": f.county.code}, {"county": "379999"}),
    ]


def _authorities_post(f: World, h: World) -> list[Case]:
    body = {"county": f.county.code, "fund": "assistance", "year": "2026", "document_number": "探测〔2026〕9号",
            "amount": "1000"}  # fmt: skip
    return [("reference", {}, {}, body, {**body, "county": "379999"})]


def _user_new(f: World, h: World) -> list[Case]:
    body = {"action": "create", "username": "probe_user", "full_name": "探测", "role": "village_assistant",
            "area": f.village.code, "password": "Probe-Passw0rd!"}  # fmt: skip
    return [("reference", {}, {}, body, {**body, "area": MISSING_AREA})]


def _catalogue_edit(f: World, h: World) -> list[Case]:
    item = f.obj["item"]
    return [("reference", {"item_id": item.pk}, {"item_id": item.pk}, {"delegate": f.county.code},
             {"delegate": "379999"})]  # fmt: skip


def _stay(param: str, kind: str) -> Callable[[World, World], list[Case]]:
    """A stay or bed under its institution: both foreign, and a foreign one under a home institution."""

    def cases(f: World, h: World) -> list[Case]:
        return [
            ("object", {"institution_id": f.pk("institution"), param: f.pk(kind)},
             {"institution_id": MISSING_ID, param: MISSING_ID}, {}, {}),
            ("object", {"institution_id": h.pk("institution"), param: f.pk(kind)},
             {"institution_id": h.pk("institution"), param: MISSING_ID}, {}, {}),
        ]  # fmt: skip

    return cases


PAGE_CASES: dict[str, Callable[[World, World], list[Case]]] = {
    "eldercare:stay_transfer": _stay("stay_id", "stay"),
    "eldercare:stay_leave": _stay("stay_id", "stay"),
    "eldercare:bed_state": _stay("bed_id", "bed"),
    "eldercare:desk": lambda f, h: [
        ("reference", {}, {}, {"q": f.obj["person"].id_number}, {"q": UNREGISTERED_ID})
    ],
    "registry:record_delete": _records,
    "payments:recovery_repay": _recovery_repay,
    "registry:import_errors": _import_errors,
    "parameters:detail": _parameter_detail,
    "registry:household_list": _household_list,
    "registry:household_new": _household_new,
    "assessment:check": _check,
    "assessment:run_start": _run_start,
    "intake:start": _intake_start,
    "verification:authorisation_new": _authorisation_new,
    "verification:request_new": _request_new,
    "monitoring:report": _monitoring_report,
    "payments:rolls": _rolls,
    "intake:catalogue_edit": _catalogue_edit,
}
# Pages whose write goes to the same URL as a listing (GET shows the list, POST takes a reference).
PAGE_CASES_POST: dict[str, Callable[[World, World], list[Case]]] = {
    "manage:users": _user_new,
    "payments:rolls": lambda f, h: [("reference", {}, {}, {"county": f.county.code, "month": _month()},
                                     {"county": "379999", "month": _month()})],
    "payments:publish": lambda f, h: [("reference", {}, {}, {"month": _month(), "villages": [f.village.code]},
                                       {"month": _month(), "villages": [MISSING_AREA]})],
}  # fmt: skip


# ---- API bodies ---------------------------------------------------------------------------------------

# Body fields that must be given for a probe to get past validation to the authorisation check.
API_BODY: dict[str, Callable[[World, World], dict[str, Any]]] = {
    "POST /api/registry/persons/{person_id}/move": lambda f, h: {"to_household_id": h.pk("household"),
                                                                 "relation": "other"},
    "POST /api/registry/persons/{person_id}/reveal": lambda f, h: {"field": "id_number"},
    "POST /api/intake/applications/{application_id}/investigate": lambda f, h: {
        "visited_on": _today(), "investigators": ["甲", "乙"], "present_members": "户主", "findings": "探测"},
    "POST /api/intake/applications/{application_id}/county-visit": lambda f, h: {
        "visited_on": _today(), "investigators": ["甲", "乙"], "present_members": "户主", "findings": "探测"},
    "POST /api/intake/applications/{application_id}/opinion": lambda f, h: {"approve": True, "amount": "600"},
    "POST /api/intake/applications/{application_id}/decide": lambda f, h: {"approve": True, "amount": "600"},
    "POST /api/intake/applications/{application_id}/notify": lambda f, h: {"delivered_on": _today()},
    "POST /api/intake/applications/{application_id}/return": lambda f, h: {"reason": "探测"},
    "POST /api/intake/applications/{application_id}/withdraw": lambda f, h: {"reason": "探测"},
    "POST /api/intake/applications/{application_id}/extend": lambda f, h: {"reason": "探测"},
    "POST /api/intake/applications/{application_id}/review-opinion": lambda f, h: {"action": "keep"},
    "POST /api/intake/objections/{objection_id}/handle": lambda f, h: {"upheld": False, "handling": "探测"},
    "POST /api/intake/entitlements/{entitlement_id}/change": lambda f, h: {"action": "stop", "reason": "探测"},
    "POST /api/parameters/changes/{change_id}/withdraw": lambda f, h: {"reason": "探测"},
    "POST /api/monitoring/tasks/{task_id}/visit": lambda f, h: {
        "visited_on": _today(), "visitors": ["甲"], "findings": "探测", "outcome": "no_need"},
    "POST /api/payments/rolls/{roll_id}/unlock": lambda f, h: {"reason": "探测"},
    "POST /api/payments/lines/{line_id}/resolve": lambda f, h: {"note": "探测"},
    "POST /api/payments/households/{household_id}/recoveries": lambda f, h: {
        "amount": "100.00", "basis": "error", "reason": "探测", "instalment": "50.00"},
    "POST /api/payments/recoveries/{recovery_id}/repayments": lambda f, h: {
        "amount": "10.00", "on": _today(), "receipt_number": "R-1"},
    "POST /api/payments/public-lists/{list_id}/withdraw": lambda f, h: {"reason": "探测"},
    "POST /api/payments/persons/{person_id}/account": lambda f, h: {
        "bank": "sdrcu", "account_number": "6214620000000000009", "holder_name": "探测"},
    "PATCH /api/registry/households/{household_id}": lambda f, h: {"address": "探测", "version": 1},
    "PATCH /api/registry/persons/{person_id}": lambda f, h: {"phone": "13800000000"},
    "POST /api/registry/households/{household_id}/members": lambda f, h: {
        "id_number": "371425199001010011", "name": "探测", "relation": "other"},
    "POST /api/registry/households/{household_id}/incomes": lambda f, h: {
        "income_type": "transfer", "amount": "100", "period_start": "2025-01-01", "period_end": "2025-12-31"},
    "POST /api/registry/households/{household_id}/assets": lambda f, h: {
        "asset_type": "deposit", "value": "100", "recorded_on": _today()},
    "POST /api/registry/households/{household_id}/expenditures": lambda f, h: {
        "kind": "medical", "amount": "100", "period_start": "2025-01-01", "period_end": "2025-12-31"},
    "POST /api/registry/households/{household_id}/supporters": lambda f, h: {
        "relation": "child", "id_number": "371425199001010011", "name": "探测"},
    "POST /api/payments/rolls/{roll_id}/township-check": lambda f, h: {"township_code": f.township.code},
}  # fmt: skip


_SERIAL = itertools.count(1)


def _csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


# Operations without an object in the URL: the reference they take, foreign and missing.
API_CASES: dict[str, Callable[[World, World], list[Case]]] = {
    "POST /api/eldercare/orders": lambda f, h: [
        ("reference", {}, {},
         {"id_number": f.obj["person"].id_number, "kind": "cleaning", "items": ["laundry"], "planned_on": _today(),
          "planned_minutes": 30, "provider": h.pk("provider")},
         {"id_number": UNREGISTERED_ID, "kind": "cleaning", "items": ["laundry"], "planned_on": _today(),
          "planned_minutes": 30, "provider": h.pk("provider")}),
    ],
    "POST /api/eldercare/institutions": lambda f, h: [
        ("reference", {}, {}, {"name": "探测", "kind": "rural_home", "mode": "public", "area_code": f.township.code},
         {"name": "探测", "kind": "rural_home", "mode": "public", "area_code": "379999999"}),
    ],
    "GET /api/registry/households": lambda f, h: [
        ("reference", {}, {}, {"area": f.county.code}, {"area": "379999"}),
        ("reference", {}, {}, {"q": f.obj["household"].number}, {"q": "B-HH-000000"}),
    ],
    "POST /api/registry/households": lambda f, h: [
        ("reference", {}, {}, {"area": f.grid.code, "address": "探测", "residence_type": "rural",
                               "hukou_type": "agricultural", "members": []},
         {"area": MISSING_AREA, "address": "探测", "residence_type": "rural", "hukou_type": "agricultural",
          "members": []}),
    ],
    "POST /api/assessment/check": lambda f, h: [
        ("reference", {}, {}, {"id_number": f.obj["person"].id_number}, {"id_number": UNREGISTERED_ID}),
        ("reference", {}, {}, {"id_number": "", "household_id": f.pk("household")},
         {"id_number": "", "household_id": MISSING_ID}),
    ],
    "POST /api/assessment/runs": lambda f, h: [
        ("reference", {}, {}, {"on": _today(), "area": f.county.code}, {"on": _today(), "area": "379999"}),
    ],
    "GET /api/parameters/{name}": lambda f, h: [
        ("listing", {"name": "dibao.standard.rural"}, {}, {}, {}),
    ],
    "POST /api/parameters/{name}/changes": lambda f, h: [
        ("reference", {"name": "dibao.standard.rural"}, {"name": "dibao.standard.rural"},
         {"action": "add", "amount": "900", "reason": "探测", "jurisdiction": f.county.code},
         {"action": "add", "amount": "900", "reason": "探测", "jurisdiction": "379999"}),
    ],
    "GET /api/intake/items/{code}": lambda f, h: [("listing", {"code": "dibao"}, {}, {}, {})],
    "GET /api/intake/items/{code}/changes": lambda f, h: [("listing", {"code": "dibao"}, {}, {}, {})],
    "POST /api/intake/items/{code}/changes": lambda f, h: [
        ("reference", {"code": "dibao"}, {"code": "dibao"},
         {"start": _today(), "version": 1, "values": {"sampling_percent": 50}, "jurisdiction": f.county.code},
         {"start": _today(), "version": 1, "values": {"sampling_percent": 50}, "jurisdiction": "379999"}),
    ],
    "POST /api/intake/applications": lambda f, h: [
        ("reference", {}, {}, {"id_number": f.obj["person"].id_number, "items": ["dibao"]},
         {"id_number": UNREGISTERED_ID, "items": ["dibao"]}),
    ],
    "GET /api/intake/applications": lambda f, h: [
        ("reference", {}, {}, {"area_code": f.county.code}, {"area_code": "379999"}),
        ("reference", {}, {}, {"q": f.obj["application"].number}, {"q": "B-SQ-000000"}),
    ],
    # A new record id each time: the same rows twice are a replay, answered differently by design.
    "POST /api/verification/sources/{code}/batches": lambda f, h: (lambda n: [
        ("reference", {"code": "BANK_DEPOSIT"}, {"code": "BANK_DEPOSIT"},
         {"rows": [{"id_number": f.obj["person"].id_number, "record_id": n, "bank": "sdrcu", "as_of": _today(),
                    "balance_yuan": "100000.00"}]},
         {"rows": [{"id_number": UNREGISTERED_ID, "record_id": n, "bank": "sdrcu", "as_of": _today(),
                    "balance_yuan": "100000.00"}]}),
    ])(f"9{next(_SERIAL):05d}"),
    "GET /api/verification/batches": lambda f, h: [("listing", {}, {}, {}, {})],
    "POST /api/verification/authorisations": lambda f, h: [
        ("reference", {}, {}, {"id_number": f.obj["person"].id_number, "signed_on": _today(),
                               "valid_until": "2027-12-31"},
         {"id_number": UNREGISTERED_ID, "signed_on": _today(), "valid_until": "2027-12-31"}),
    ],
    "POST /api/verification/requests": lambda f, h: [
        ("reference", {}, {}, {"id_number": f.obj["person"].id_number}, {"id_number": UNREGISTERED_ID}),
    ],
    "POST /api/monitoring/reports": lambda f, h: [
        ("reference", {}, {}, {"channel": "hotline", "content": "探测", "id_number": f.obj["person"].id_number},
         {"channel": "hotline", "content": "探测", "id_number": UNREGISTERED_ID}),
        ("reference", {}, {}, {"channel": "hotline", "content": "探测",
                               "household_number": f.obj["household"].number},
         {"channel": "hotline", "content": "探测", "household_number": "B-HH-000000"}),
    ],
    "GET /api/payments/rolls": lambda f, h: [
        ("reference", {}, {}, {"county": f.county.code}, {"county": "379999"}),
    ],
    "POST /api/payments/rolls": lambda f, h: [
        ("reference", {}, {}, {"county": f.county.code, "month": _month()}, {"county": "379999", "month": _month()}),
    ],
    "GET /api/payments/authorities": lambda f, h: [
        ("reference", {}, {}, {"county": f.county.code, "year": "2026"}, {"county": "379999", "year": "2026"}),
    ],
    "POST /api/payments/authorities": lambda f, h: [
        ("reference", {}, {}, {"county": f.county.code, "fund": "assistance", "year": 2026,
                               "document_number": "探测〔2026〕9号", "amount": "1000"},
         {"county": "379999", "fund": "assistance", "year": 2026, "document_number": "探测〔2026〕9号",
          "amount": "1000"}),
    ],
    "POST /api/payments/public-lists": lambda f, h: [
        ("reference", {}, {}, {"village": f.village.code, "month": _month()},
         {"village": MISSING_AREA, "month": _month()}),
    ],
}  # fmt: skip

# Multipart operations: the file they carry, foreign and missing.
API_FILES: dict[str, Callable[[World, World], tuple[bytes, bytes]]] = {
    "POST /api/verification/sources/{code}/upload": lambda f, h: (lambda n: (
        _csv("id_number,record_id,bank,as_of,balance_yuan",
             f"{f.obj['person'].id_number},{n},sdrcu,{_today()},100000.00"),
        _csv("id_number,record_id,bank,as_of,balance_yuan", f"{UNREGISTERED_ID},{n},sdrcu,{_today()},100000.00"),
    ))(f"8{next(_SERIAL):05d}"),
    # A large self-paid bill: for a household of the uploader's area it raises an alert and a visit task.
    "POST /api/monitoring/feeds/{source}": lambda f, h: (lambda n: (
        _csv("id_number,record_id,settled_on,total_yuan,out_of_pocket_yuan",
             f"{f.obj['person'].id_number},{n},{_today()},120000.00,90000.00"),
        _csv("id_number,record_id,settled_on,total_yuan,out_of_pocket_yuan",
             f"{UNREGISTERED_ID},{n},{_today()},120000.00,90000.00"),
    ))(f"7{next(_SERIAL):05d}"),
    "POST /api/payments/bank-files/{bank_file_id}/return": lambda f, h: (b"x\n", b"x\n"),
}  # fmt: skip


# ---- route enumeration --------------------------------------------------------------------------------


@dataclass
class PageRoute:
    name: str
    route: str
    params: list[str]


def page_routes() -> list[PageRoute]:
    out: list[PageRoute] = []

    def walk(patterns: list[Any], prefix: str, ns: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                n = p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), f"{ns}:{n}" if ns and n else (n or ns))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
                out.append(PageRoute(name=name, route=route, params=list(p.pattern.converters)))

    walk(get_resolver().url_patterns, "/", None)
    return out


def api_operations() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    from config.api import api

    schema = api.get_openapi_schema()
    ops = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            ops.append((f"{method.upper()} {path}", op, schema.get("components", {}).get("schemas", {})))
    return ops


def is_api_route(route: PageRoute) -> bool:
    return route.route.startswith("/api/")


# ---- probe generation ---------------------------------------------------------------------------------


def _param_values(route: str, param: str, f: World) -> list[tuple[Any, Any]] | None:
    """(foreign, missing) values for one URL parameter, or None if it is not known."""
    kind = OBJECT_OVERRIDES.get((route, param)) or OBJECT_PARAMS.get(param)
    if kind:
        return [(f.pk(kind), MISSING_ID)]
    static = STATIC_PARAMS.get((route, param))
    if static:
        return [(v, v) for v in static]
    return None


def _combos(route: str, params: list[str], f: World) -> tuple[list[tuple[dict, dict]], list[str]]:
    combos: list[tuple[dict, dict]] = [({}, {})]
    unknown = []
    for param in params:
        values = _param_values(route, param, f)
        if values is None:
            unknown.append(param)
            continue
        combos = [({**a, param: fv}, {**b, param: mv}) for a, b in combos for fv, mv in values]
    return combos, unknown


def collect_pages(f: World, h: World) -> tuple[list[Probe], list[str], dict[str, str]]:
    """Probes of every page; the problems (routes the registry does not know) and the public ones."""
    probes: list[Probe] = []
    problems: list[str] = []
    public: dict[str, str] = {}
    for r in page_routes():
        if is_api_route(r):
            continue
        if not r.name:
            problems.append(
                f"page {r.route} has no URL name: name it so the authorisation matrix can probe it"
            )
            continue
        if r.name in PUBLIC_PAGES:
            public[r.name] = PUBLIC_PAGES[r.name]
            continue
        if r.name in PAGE_CASES:
            for kind, kf, km, df, dm in PAGE_CASES[r.name](f, h):
                pf, pm = reverse(r.name, kwargs=kf), reverse(r.name, kwargs=km)
                methods = PAGE_METHODS if kind == "object" else ("GET", "POST")
                for m in methods:
                    twin = Req(pm, dm) if m in ("GET", "POST") else None
                    probes.append(Probe("page", r.name, m, kind, Req(pf, df), twin, _vals(kf, km, df, dm)))
        elif r.params:
            combos, unknown = _combos(r.name, r.params, f)
            if unknown:
                problems.append(
                    f"page {r.route} ({r.name}): no way to name a foreign object for parameter(s) {unknown}; "
                    f"add them to OBJECT_PARAMS/STATIC_PARAMS or the route to PAGE_CASES in "
                    f"dajiuzhu/web/tests/authz_probes.py"
                )
                continue
            for i, (kf, km) in enumerate(combos):
                pf, pm = reverse(r.name, kwargs=kf), reverse(r.name, kwargs=km)
                # Every method on the first combination, GET and POST on the others (same view); the other
                # methods are compared with nothing (a view that does not take them answers 405 either way).
                for m in PAGE_METHODS if i == 0 else ("GET", "POST"):
                    twin = Req(pm, _form(km)) if m in ("GET", "POST") else None
                    probes.append(Probe("page", r.name, m, "object", Req(pf, _form(kf)), twin, _vals(kf, km)))
        elif r.name in OWN_ONLY:
            probes.append(Probe("page", r.name, "GET", "listing", Req(reverse(r.name))))
        else:
            problems.append(
                f"page {r.route} ({r.name}) takes no parameter and is not classified: add it to PAGE_CASES "
                f"(with the query/body that names a foreign object), OWN_ONLY or PUBLIC_PAGES (with a reason) "
                f"in dajiuzhu/web/tests/authz_probes.py"
            )
            continue
        if r.name in PAGE_CASES_POST:
            for kind, kf, km, df, dm in PAGE_CASES_POST[r.name](f, h):
                probes.append(Probe("page", r.name, "POST", kind, Req(reverse(r.name, kwargs=kf), df),
                                    Req(reverse(r.name, kwargs=km), dm), _vals(kf, km, df, dm)))  # fmt: skip
    return probes, problems, public


def _form(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A plausible form post: the version the object has, a reason, today's date, and the usual fields."""
    return {"version": "1", "reason": "探测", "note": "探测", "visited_on": _today(), "delivered_on": _today(),
            "findings": "探测", "present_members": "户主", "investigators": ["甲", "乙"], "outcome": "no_need",
            "visitors": "甲", "decision": "approve", "approve": "1", "amount": "600", "result": "dismissed",
            "handling": "探测", "address": "探测", "residence_type": "rural", "hukou_type": "agricultural",
            "name": "探测", "relation": "other", "id_number": "371425199001010011", "phone": "13800000000",
            "income_type": "transfer", "period_start": "2025-01-01", "period_end": "2025-12-31",
            "asset_type": "deposit", "value": "100", "recorded_on": _today(), "kind": "medical",
            "bank": "sdrcu", "account_number": "6214620000000000009", "holder_name": "探测", "basis": "error",
            "instalment": "50.00", "on": _today(), "receipt_number": "R-1", "materials": ["低保申请书"],
            "action": "triage", "role": "village_assistant", "is_active": "1", "password": "Probe-Passw0rd!"}  # fmt: skip


def _vals(*dicts: Any) -> tuple[str, ...]:
    """The values a probe sends (ids, codes, ID numbers): blanked out before its two answers are compared
    and before the answer is searched for foreign text, so that an echo of one's own input is no leak."""
    out: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)
        else:
            s = str(v)
            if len(s) >= 5 and not s.startswith("20"):
                out.add(s)
            if len(s) == 18 and s[:17].isdigit():
                out.add(mask_id_number(s))  # the masked echo of an ID number one typed

    walk(list(dicts))
    return tuple(sorted(out, key=len, reverse=True))


def _resolve(schema: dict[str, Any], comps: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = comps[schema["$ref"].split("/")[-1]]
    return schema


def example(schema: dict[str, Any], comps: dict[str, Any]) -> Any:
    """A minimal valid value of an OpenAPI schema: required properties only."""
    schema = _resolve(schema, comps)
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [_resolve(s, comps) for s in schema[key]]
            options = [s for s in options if s.get("type") != "null"] or options
            return example(options[0], comps)
    if "enum" in schema:
        return schema["enum"][0]
    t = schema.get("type")
    if t == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: example(props[k], comps) for k in schema.get("required", []) if k in props}
    if t == "array":
        return []
    if t == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if t == "number":
        return 1
    if t == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date":
        return _today()
    if fmt == "date-time":
        return clock.now().isoformat()
    return "探测"


def _body_schema(op: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    content = op.get("requestBody", {}).get("content", {})
    for ct, v in content.items():
        return ct, v.get("schema")
    return None, None


def _query_params(op: dict[str, Any]) -> list[str]:
    return [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]


def collect_api(f: World, h: World) -> tuple[list[Probe], list[str], dict[str, str]]:
    probes: list[Probe] = []
    problems: list[str] = []
    public: dict[str, str] = {}
    for key, op, comps in api_operations():
        method, path = key.split(" ", 1)
        if key in PUBLIC_API:
            public[key] = PUBLIC_API[key]
            continue
        ct, schema = _body_schema(op)
        base_body = example(schema, comps) if schema and ct == "application/json" else {}
        extra = API_BODY.get(key, lambda f, h: {})(f, h)
        body = {**base_body, **extra} if isinstance(base_body, dict) else base_body
        path_params = [p["name"] for p in op.get("parameters", []) if p.get("in") == "path"]

        def url(kwargs: dict[str, Any], path: str = path) -> str:
            out = path
            for k, v in kwargs.items():
                out = out.replace("{" + k + "}", str(v))
            return out

        files: tuple[bytes, bytes] | None = None
        if ct == "multipart/form-data":
            if key not in API_FILES:
                problems.append(f"API {key} takes a file: add what to upload to API_FILES in authz_probes.py")
                continue
            files = API_FILES[key](f, h)
        if key in API_CASES:
            for kind, kf, km, df, dm in API_CASES[key](f, h):
                if method == "GET":
                    req_f, req_m = Req(url(kf), df), Req(url(km), dm)
                else:
                    req_f, req_m = Req(url(kf), {**body, **df}), Req(url(km), {**body, **dm})
                probes.append(Probe("api", key, method, kind, req_f, req_m if kind != "listing" else None,
                                    _vals(kf, km, df, dm)))  # fmt: skip
            continue
        if path_params:
            combos, unknown = _combos(key, path_params, f)
            if key == "DELETE /api/registry/records/{kind}/{record_id}":
                combos = [({"kind": k, "record_id": f.pk(k)}, {"kind": k, "record_id": MISSING_ID})
                          for k in RECORD_KINDS]  # fmt: skip
                unknown = []
            if unknown:
                problems.append(
                    f"API {key}: no way to name a foreign object for parameter(s) {unknown}; add them to "
                    f"OBJECT_PARAMS/STATIC_PARAMS or the operation to API_CASES in authz_probes.py"
                )
                continue
            names_object = any((key, p) in OBJECT_OVERRIDES or p in OBJECT_PARAMS for p in path_params)
            for kf, km in combos:
                cells: list[str] = []
                if files:
                    req_f = Req(url(kf), {}, {"file": ("probe.csv", files[0])})
                    req_m = Req(url(km), {}, {"file": ("probe.csv", files[1])})
                    cells = [c for f_ in files for c in re.split(r"[,\n]", f_.decode())]
                elif method == "GET":
                    req_f, req_m = Req(url(kf)), Req(url(km))
                else:
                    req_f, req_m = Req(url(kf), body), Req(url(km), body)
                kind = "object" if names_object else "reference"
                probes.append(Probe("api", key, method, kind, req_f, req_m, _vals(kf, km, cells)))
            continue
        if key in OWN_ONLY:
            if method == "GET":
                probes.append(Probe("api", key, method, "listing", Req(path)))
            continue
        problems.append(
            f"API {key} takes no object in its URL and is not classified: add it to API_CASES (with the body or "
            f"query that names a foreign object), OWN_ONLY or PUBLIC_API (with a reason) in authz_probes.py"
        )
    return probes, problems, public


__all__ = ["Probe", "Req", "collect_api", "collect_pages", "dt"]
