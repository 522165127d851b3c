"""Verification writes: record a signed authorisation (授权书), request a verification (核对).

No query runs without a valid authorisation covering every current member (and, for 特困, the statutory
supporters the caller names): a refused request is stored and audited as DENIED, and nothing else is.
Ingest of deliveries lives in ingest.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.areas.divisions import county_code_known
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, idnumber
from dajiuzhu.core.errors import ErrorReport, ValidationFailed
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.registry.selectors import household_get_for_user

from .contracts import SourceContract, contract_get, contracts
from .errors import AuthorisationMissing, UnknownSource
from .models import Authorisation, RequestStatus, VerificationRequest
from .reporting import report_build
from .selectors import authorisations_for_household, household_members_current

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")


def _sources(sources: list[str] | None, field: str = "授权范围（sources）") -> list[SourceContract]:
    if not sources:
        return list(contracts().values())
    out = []
    for code in sources:
        try:
            out.append(contract_get(code))
        except UnknownSource as exc:
            raise ValidationFailed.single(field, exc.message) from exc
    return out


def _id_list(raw: list[str], field: str, report: ErrorReport) -> list[str]:
    out: list[str] = []
    for i, value in enumerate(raw, start=1):
        if not (value or "").strip():
            continue
        try:
            number = idnumber.parse(value, today=clock.today(), region_known=county_code_known).number
        except idnumber.InvalidIdNumber as exc:
            report.add(field, f"第{i}个：{exc}")
            continue
        if number not in out:
            out.append(number)
    return out


@transaction.atomic
def authorisation_record(
    *,
    user: Any,
    household_id: int,
    signed_on: dt.date,
    valid_until: dt.date,
    id_numbers: list[str] | None = None,
    supporter_id_numbers: list[str] | None = None,
    sources: list[str] | None = None,
    scan: UploadedFile | None = None,
    note: str = "",
    ip: str | None = None,
) -> Authorisation:
    """Record a signed 授权书. id_numbers empty → signed by every current member."""
    user_require(user, Capability.VERIFY_REQUEST)
    household = household_get_for_user(user=user, household_id=household_id, ip=ip)
    members = {m.id_number for m in household_members_current(household)}
    report = ErrorReport()
    signers = _id_list(id_numbers or [], "签字成员身份证号码", report) or sorted(members)
    strangers = [n for n in signers if n not in members]
    if strangers:
        report.add(
            "签字成员身份证号码",
            f"{'、'.join(mask_id_number(n) for n in strangers)} 不是本户共同生活成员（赡养人请填在“赡养/抚养/扶养义务人”中）",
        )
    supporters = _id_list(supporter_id_numbers or [], "赡养/抚养/扶养义务人身份证号码", report)
    today = clock.today()
    if signed_on > today:
        report.add("签署日期", "不能晚于今天")
    if valid_until < signed_on:
        report.add("有效期至", "不能早于签署日期")
    if scan is not None:
        name = (scan.name or "").lower()
        if not name.endswith(SCAN_EXTENSIONS):
            report.add("授权书扫描件", f"应为 {'、'.join(SCAN_EXTENSIONS)} 文件")
        elif (scan.size or 0) > MAX_SCAN_BYTES:
            report.add("授权书扫描件", "不能超过10MB")
    report.raise_if_any()
    codes = [c.code for c in _sources(sources)] if sources else []
    auth = Authorisation(
        household=household, id_numbers=signers + [s for s in supporters if s not in signers], sources=codes,
        signed_on=signed_on, valid_until=valid_until, note=(note or "")[:200], recorded_by=user,
    )  # fmt: skip
    if scan is not None:
        auth.scan.save(scan.name or "scan", scan, save=False)
    auth.save()
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="verification_authorisation", subject_id=auth.pk,
        subject_label=household.number, area_code=household.area_id,
        after={"household": household.number, "signers": len(signers), "supporters": len(supporters),
               "sources": codes or "全部", "signed_on": signed_on, "valid_until": valid_until},
        ip=ip,
    )  # fmt: skip
    return auth


def _uncovered(household: Any, required: list[str], sources: list[str], on: dt.date) -> list[str]:
    auths = authorisations_for_household(household)
    return [n for n in required if not any(a.covers(n, sources, on) for a in auths)]


def verification_request(
    *,
    user: Any,
    household_id: int,
    sources: list[str] | None = None,
    supporter_id_numbers: list[str] | None = None,
    ip: str | None = None,
) -> VerificationRequest:
    """Check a household against the exchanged data and store the report.

    Refused (AuthorisationMissing, after storing a refused request and a DENIED audit entry) when a current
    member, or a named supporter, is not covered by a valid authorisation for every requested source."""
    user_require(user, Capability.VERIFY_REQUEST)
    household = household_get_for_user(user=user, household_id=household_id, ip=ip)
    chosen = _sources(sources, "核对数据源（sources）")
    codes = [c.code for c in chosen]
    report = ErrorReport()
    supporters = _id_list(supporter_id_numbers or [], "赡养/抚养/扶养义务人身份证号码", report)
    report.raise_if_any()
    members = household_members_current(household)
    if not members:
        raise ValidationFailed.single("家庭成员", "该户没有共同生活成员，无法核对")
    now = clock.now()
    on = clock.today()
    required = [m.id_number for m in members] + [
        s for s in supporters if s not in {m.id_number for m in members}
    ]
    missing = _uncovered(household, required, codes, on)
    if missing:
        names = {m.id_number: m.name for m in members}
        who = "、".join(f"{names.get(n, '义务人')}（{mask_id_number(n)}）" for n in missing)
        reason = f"以下人员未签署有效的核对授权书（或授权已过期、范围不含所选数据源）：{who}"
        with transaction.atomic():
            refused = VerificationRequest.objects.create(
                household=household, requested_by=user, sources=codes, status=RequestStatus.REFUSED,
                refusal_reason=reason[:500],
            )  # fmt: skip
            audit_record(
                actor=user, action=AuditAction.DENIED, subject_type="verification_request", subject_id=refused.pk,
                subject_label=household.number, area_code=household.area_id, note=reason, ip=ip,
                after={"missing": len(missing), "sources": codes},
            )  # fmt: skip
        raise AuthorisationMissing(reason)
    data = report_build(household=household, members=members, contracts=chosen, now=now, on=on)
    with transaction.atomic():
        done = VerificationRequest.objects.create(
            household=household, requested_by=user, sources=codes, status=RequestStatus.DONE,
            conclusion=data["conclusion"], report=data,
        )  # fmt: skip
        audit_record(
            actor=user, action=AuditAction.CHECK, subject_type="verification_report", subject_id=done.pk,
            subject_label=household.number, area_code=household.area_id, ip=ip,
            after={"conclusion": data["conclusion"], "sources": len(codes), "members": len(members),
                   "rules": [r["rule"] for r in data["rules_fired"]]},
        )  # fmt: skip
    return done
