"""Writes of the one-window workflow. Every service is atomic, locks the application row, checks that
the caller's level and area may take this step at this status, writes an event and an audit entry in
the same transaction, and raises a DomainError (Chinese message naming the field) otherwise.

A step cannot be skipped: each service accepts only the statuses its step follows, whichever door
(page, API, script) it is called from.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.areas.models import Area
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.benefits import selectors as benefit_selectors
from dajiuzhu.benefits import services as benefit_services
from dajiuzhu.core import clock, months
from dajiuzhu.core.errors import Conflict, ErrorReport, NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.core.inputs import check_photos, clean_phone, clean_text
from dajiuzhu.core.masking import mask_name
from dajiuzhu.core.workdays import add_working_days
from dajiuzhu.intake import letters, policy, workflow
from dajiuzhu.intake.models import (
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    AssistanceItem,
    Channel,
    Investigation,
    InvestigationPhoto,
    ItemLocalChange,
    Kind,
    Level,
    NoticeKind,
    Objection,
    ObjectionStatus,
    PublicNotice,
    Receipt,
    Status,
    VisitKind,
)
from dajiuzhu.intake.selectors import Suggestions, applicant_by_id_number, best_result, suggestions_for

CONFLICT_MESSAGE = "该申请已被他人处理或已变化，请刷新页面查看最新状态"
MAX_TEXT = 1000


def _today(today: dt.date | None) -> dt.date:
    return today or clock.today()


def _level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else "—"


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def _text(value: str | None, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    return clean_text(value, field, required=required, limit=limit)


def _amount(value: Any, field: str, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed.single(field, "请填写金额")
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed.single(field, "应为金额数字，如 650 或 650.50") from None
    if amount < 0:
        raise ValidationFailed.single(field, "不能为负数")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed.single(field, "最多两位小数（精确到分）")
    if amount > Decimal("1000000"):
        raise ValidationFailed.single(field, "金额过大，请核对")
    return amount.quantize(Decimal("0.01"))


# ---- filing: one visit, many items -------------------------------------------------------------------


OPTIONAL_SUFFIX = "（如有）"


def _submittable_materials(item: AssistanceItem) -> list[str]:
    """What the applicant may bring: documents the platform can fetch are never asked for (R1.13.2)."""
    return [m["name"] for m in item.materials if not m.get("platform")]


def _required_materials(item: AssistanceItem) -> list[str]:
    """What must be there before acceptance: a document marked （如有） only applies to some applicants."""
    return [m for m in _submittable_materials(item) if not m.endswith(OPTIONAL_SUFFIX)]


def _number(prefix: str, pk: int, on: dt.date) -> str:
    return f"{prefix}{on:%Y%m%d}{pk:07d}"


def applications_file(
    *,
    user: Any,
    id_number: str,
    items: list[str],
    materials: dict[str, list[str]] | None = None,
    proxy_authorisation: str = "",
    related_staff: str = "",
    reason: str = "",
    ip: str | None = None,
    today: dt.date | None = None,
) -> Receipt:
    """一次办: file one application per chosen item for the applicant's household, print one receipt.

    Items whose materials are complete are accepted at once when the filer sits at the accepting level
    (a township or county window); the rest go to the accepting level's queue, and missing materials are
    listed once on the receipt (一次性告知)."""
    user_require(user, Capability.INTAKE_FILE)
    # The applicant is looked up before the transaction: a miss (not registered, in no household, outside
    # the area — one answer) is audited, and a rolled-back savepoint would take the audit row with it.
    applicant_by_id_number(user=user, id_number=id_number, ip=ip)
    return _applications_file(
        user=user, id_number=id_number, items=items, materials=materials, proxy_authorisation=proxy_authorisation,
        related_staff=related_staff, reason=reason, ip=ip, today=today,
    )  # fmt: skip


@transaction.atomic
def _applications_file(
    *,
    user: Any,
    id_number: str,
    items: list[str],
    materials: dict[str, list[str]] | None,
    proxy_authorisation: str,
    related_staff: str,
    reason: str,
    ip: str | None,
    today: dt.date | None,
) -> Receipt:
    on = _today(today)
    household, person = applicant_by_id_number(user=user, id_number=id_number, ip=ip)
    codes = [c for c in dict.fromkeys((c or "").strip() for c in items) if c]
    if not codes:
        raise ValidationFailed.single("申请事项", "请至少选择一个救助事项")
    from dajiuzhu.intake.catalogue import effective_items

    # The items as the household's county has them today (its local materials, department, limits).
    catalogue = {
        i.code: i
        for i in effective_items(
            AssistanceItem.objects.filter(code__in=codes, is_active=True).select_related("department"),
            household.area.county_code, on,
        )
    }  # fmt: skip
    report = ErrorReport()
    for code in codes:
        if code not in catalogue:
            report.add("申请事项", f"事项「{code}」不存在或已停用")
    report.raise_if_any()
    open_apps = {
        a.item_id: a.number
        for a in Application.objects.filter(
            household=household, item__code__in=codes, status__in=OPEN_STATUSES
        )
    }
    active = benefit_selectors.running_item_ids(household_id=household.pk, item_codes=list(codes))
    materials = materials or {}
    missing_by_item: dict[str, list[str]] = {}
    for code in codes:
        item = catalogue[code]
        if item.pk in open_apps:
            report.add(
                "申请事项", f"该家庭已有在办的「{item.name}」申请（{open_apps[item.pk]}），不能重复申请"
            )
        if item.pk in active:
            report.add("申请事项", f"该家庭正在享受「{item.name}」，如情况变化请办理复核")
        required = _required_materials(item)
        received = [m.strip() for m in materials.get(code, []) if m and m.strip()]
        unknown = [m for m in received if m not in _submittable_materials(item)]
        if unknown:
            report.add(f"{item.name}·申请材料", f"不是本事项需要的材料：{'、'.join(unknown)}")
        missing_by_item[code] = [m for m in required if m not in received]
    report.raise_if_any()

    level = workflow.user_level(user)
    grid_proxy = getattr(user, "role", "") == "grid_worker"
    proxy = _text(proxy_authorisation, "授权委托书", limit=200)
    if grid_proxy and not proxy:
        raise ValidationFailed.single("授权委托书", "网格员代办须登记申请人签署的授权委托书（编号或说明）")
    staff = _text(related_staff, "与工作人员的关系", limit=200)
    reason_text = _text(reason, "申请事由", limit=500)
    channel = Channel.PROXY if proxy else (Channel.VILLAGE if level == Level.VILLAGE else Channel.WINDOW)
    window_area = user.area
    all_missing = [f"{catalogue[c].name}：{m}" for c in codes for m in missing_by_item[c]]
    receipt = Receipt.objects.create(
        number=f"tmp-{random.getrandbits(60)}", household=household, applicant=person, filed_by=user,
        window_area=window_area, area=household.area, is_proxy=bool(proxy), proxy_authorisation=proxy,
        missing=all_missing, note=reason_text,
    )  # fmt: skip
    receipt.number = _number("HZ", receipt.pk, on)
    receipt.save(update_fields=["number"])
    suggestion = (
        suggestions_for(user=user, household_id=household.pk, on=on)
        if any(catalogue[c].programme for c in codes)
        else Suggestions(available=False)
    )
    county = household.area.county_code
    for code in codes:
        item = catalogue[code]
        missing = missing_by_item[code]
        app = Application.objects.create(
            number=f"tmp-{random.getrandbits(60)}", kind=Kind.NEW, receipt=receipt, item=item,
            household=household, applicant=person, area=household.area, department=item.department,
            channel=channel, status=Status.MATERIALS if missing else Status.SUBMITTED, filed_by=user,
            is_proxy=bool(proxy), proxy_authorisation=proxy, separate_registration=bool(staff),
            separate_reason=staff, county_visit_required=bool(staff),
            materials_received=[m for m in _submittable_materials(item) if m in materials.get(code, [])],
            materials_missing=missing, reason=reason_text, item_on=on,
            suggestion=_suggestion_for(item, suggestion),
        )  # fmt: skip
        app.number = _number("SQ", app.pk, on)
        app.waiting_on = workflow.waiting_on(
            status=app.status, item=item, county_code=county, filer_level=level, notified=False
        )
        _set_step_due(app, on)
        app.save(
            update_fields=["number", "waiting_on", "step_started_on", "step_due", "step_due_provisional"]
        )
        _event(app, user, "file", "申报" if level == Level.VILLAGE else "登记申请", "", app.status,
               comment=("一次性告知需补齐：" + "、".join(missing)) if missing else "",
               data={"channel": channel, "separate_registration": bool(staff)}, ip=ip)  # fmt: skip
        if not missing and _may_accept_at_filing(user, item):
            _accept(app, user, on, ip=ip, comment="窗口当场受理")
    # The receipt is issued now, as filed: later prints show this document, not today's data.
    letters.receipt_issue(receipt=receipt, actor=user, ip=ip)
    return receipt


def _suggestion_for(item: AssistanceItem, suggestion: Suggestions) -> dict[str, Any]:
    """What the application keeps of the check: its item's programme result, or why there is none."""
    if suggestion.error:
        return {"error": suggestion.error}
    p = suggestion.best(item.programme) if suggestion.on else None
    if p is None:
        return {}
    return {
        "on": suggestion.on.isoformat() if suggestion.on else None, "status": p.status,
        "status_label": p.status_label, "amount_fen": p.amount_fen, "amount": p.amount_yuan,
        "person": p.person_name, "label": p.label,
    }  # fmt: skip


def _may_accept_at_filing(user: Any, item: AssistanceItem) -> bool:
    level = workflow.user_level(user)
    if item.accept_level == Level.DEPARTMENT:
        return level == Level.DEPARTMENT and user.department_id == item.department_id
    rank: dict[str, int] = {Level.VILLAGE: 1, Level.TOWNSHIP: 2, Level.COUNTY: 3}
    return level in rank and rank[level] >= rank.get(item.accept_level, 9)


# ---- the steps ------------------------------------------------------------------------------------------


def _scope_ok(user: Any, area: Area) -> bool:
    scope = getattr(user, "area", None)
    return scope is not None and area.is_within(scope)


def _lock(user: Any, application_id: int, version: int | None) -> Application:
    """Lock the row (fixed order: one application per step), check area scope and the version the
    caller saw. Two reviewers acting at once: the second waits for the lock, then finds a new version.

    FOR NO KEY UPDATE (PostgreSQL): steps still exclude each other, but rows that merely reference the
    application (an objection's event, lodged under the notice row's lock) need not wait, so a step
    (application, then notice) and an objection (notice, then the event's key-share) cannot deadlock."""
    user_require(user, Capability.INTAKE_PROCESS)
    app = (
        Application.objects.select_for_update(of=("self",), no_key=True)
        .select_related("item", "area", "household", "applicant")
        .filter(pk=application_id)
        .first()
    )
    if app is None or not _scope_ok(user, app.area):
        raise NotFound("申请不存在或不在您的管辖范围内")
    if workflow.user_level(user) == Level.DEPARTMENT and user.department_id != app.department_id:
        # Another department's file: invisible, as on the pages.
        raise NotFound("申请不存在或不在您的管辖范围内")
    if version is not None and app.version != version:
        raise Conflict(CONFLICT_MESSAGE)
    return app


def _require(user: Any, app: Application, statuses: tuple[str, ...], action_label: str) -> None:
    if app.status not in statuses:
        raise Conflict(f"该申请当前为「{_status_label(app.status)}」，不能{action_label}。{CONFLICT_MESSAGE}")
    if not workflow.may_act(user, app.waiting_on, department_id=app.department_id):
        raise PermissionDenied(
            f"「{action_label}」由{_level_label(app.waiting_on)}办理，您的账户不能办理此环节"
        )


def _event(
    app: Application, user: Any, action: str, label: str, from_status: str, to_status: str, *,
    comment: str = "", data: dict[str, Any] | None = None, ip: str | None = None,
) -> None:  # fmt: skip
    ApplicationEvent.objects.create(
        application=app, action=action, label=label, from_status=from_status, to_status=to_status,
        actor=user if getattr(user, "pk", None) else None, actor_name=str(user) if user else "公众",
        comment=comment[:MAX_TEXT], data=data or {},
    )  # fmt: skip
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="application", subject_id=app.pk,
        subject_label=f"{app.number} {label}", area_code=app.area_id,
        before={"status": from_status} if from_status else None, after={"status": to_status, **(data or {})},
        note=comment[:200], ip=ip,
    )  # fmt: skip


def _set_step_due(app: Application, on: dt.date) -> None:
    due = workflow.step_due(app.item, app.status, on)
    app.step_started_on = on
    app.step_due = due.due
    app.step_due_provisional = due.provisional
    if app.status == Status.NOTICE:
        notice = app.notices.filter(kind=NoticeKind.PUBLICITY, closed=False).first()
        if notice is not None:
            # Closing is due on the first working day after the notice comes down.
            app.step_due = add_working_days(notice.ends_on, 1)


def _move(
    app: Application, user: Any, *, action: str, label: str, to: str, on: dt.date, comment: str = "",
    data: dict[str, Any] | None = None, ip: str | None = None, fields: tuple[str, ...] = (),
) -> Application:  # fmt: skip
    before = app.status
    app.status = to
    app.escalated = False if before != to else app.escalated
    app.waiting_on = workflow.waiting_on(
        status=to, item=app.item, county_code=app.area.county_code,
        filer_level=_filer_level(app), notified=app.notified_on is not None,
    )  # fmt: skip
    if before != to:
        _set_step_due(app, on)
    app.version += 1
    app.save(update_fields=[
        "status", "waiting_on", "step_started_on", "step_due", "step_due_provisional", "escalated", "version",
        "updated_at", *fields,
    ])  # fmt: skip
    _event(app, user, action, label, before, to, comment=comment, data=data, ip=ip)
    return app


def _filer_level(app: Application) -> str:
    return Level.VILLAGE if app.channel in (Channel.VILLAGE, Channel.PROXY) else str(app.item.accept_level)


AUTHORISATION_MATERIAL = "核对授权书"
# The same default as the verification page: a signed authorisation serves the application and the
# first year of reviews.
AUTHORISATION_VALID_DAYS = 365


def _record_authorisation(app: Application, user: Any, on: dt.date, ip: str | None) -> None:
    """The signed 家庭经济状况核对授权书 received at the window is the authorisation verification needs
    (R7.1): accepting the file records it once per household and day, signed by every current member."""
    if not any(AUTHORISATION_MATERIAL in m for m in app.materials_received):
        return
    if not user.can(Capability.VERIFY_REQUEST):
        return
    from dajiuzhu.verification.models import Authorisation
    from dajiuzhu.verification.services import authorisation_record

    if Authorisation.objects.filter(household_id=app.household_id, signed_on=on).exists():
        return
    authorisation_record(
        user=user, household_id=app.household_id, signed_on=on, valid_until=on + dt.timedelta(days=AUTHORISATION_VALID_DAYS),
        note=f"随申请{app.number}受理登记", ip=ip,
    )  # fmt: skip


def _accept(app: Application, user: Any, on: dt.date, *, ip: str | None, comment: str = "") -> Application:
    _record_authorisation(app, user, on, ip)
    app.accepted_on = on
    app.total_due = workflow.total_due(
        app.item, accepted_on=on, county_code=app.area.county_code, extended=app.extended
    )
    return _move(app, user, action="accept", label="受理", to=workflow.after_acceptance(app.item), on=on,
                 comment=comment, ip=ip, fields=("accepted_on", "total_due"))  # fmt: skip


@transaction.atomic
def application_supplement(
    *, user: Any, application_id: int, materials: list[str], version: int | None = None,
    ip: str | None = None, today: dt.date | None = None,
) -> Application:  # fmt: skip
    """Record materials brought later; complete → the application moves on to acceptance."""
    app = _lock(user, application_id, version)
    _require(user, app, (Status.MATERIALS,), "补齐材料")
    required = _required_materials(app.item)
    submittable = _submittable_materials(app.item)
    got = [m.strip() for m in materials if m and m.strip()]
    unknown = [m for m in got if m not in submittable]
    if unknown:
        raise ValidationFailed.single("申请材料", f"不是本事项需要的材料：{'、'.join(unknown)}")
    received = [m for m in submittable if m in got or m in app.materials_received]
    app.materials_received = received
    app.materials_missing = [m for m in required if m not in received]
    on = _today(today)
    to = Status.MATERIALS if app.materials_missing else Status.SUBMITTED
    comment = ("仍缺：" + "、".join(app.materials_missing)) if app.materials_missing else "材料已齐全"
    return _move(app, user, action="supplement", label="补齐材料", to=to, on=on, comment=comment, ip=ip,
                 fields=("materials_received", "materials_missing"))  # fmt: skip


@transaction.atomic
def application_accept(
    *,
    user: Any,
    application_id: int,
    version: int | None = None,
    ip: str | None = None,
    today: dt.date | None = None,
) -> Application:
    app = _lock(user, application_id, version)
    _require(user, app, (Status.SUBMITTED,), "受理")
    return _accept(app, user, _today(today), ip=ip)


@transaction.atomic
def application_return(
    *, user: Any, application_id: int, reason: str, version: int | None = None, ip: str | None = None,
    today: dt.date | None = None,
) -> Application:  # fmt: skip
    """退回: to the filer, with reasons they can act on (a department returns what it cannot decide)."""
    app = _lock(user, application_id, version)
    _require(user, app, (Status.SUBMITTED, Status.ACCEPTED, Status.OPINION, Status.DECISION), "退回")
    text = _text(reason, "退回理由", required=True)
    return _move(
        app, user, action="return", label="退回", to=Status.RETURNED, on=_today(today), comment=text, ip=ip
    )


@transaction.atomic
def application_resubmit(
    *, user: Any, application_id: int, note: str = "", version: int | None = None, ip: str | None = None,
    today: dt.date | None = None,
) -> Application:  # fmt: skip
    app = _lock(user, application_id, version)
    _require(user, app, (Status.RETURNED,), "重新提交")
    return _move(app, user, action="resubmit", label="重新提交", to=Status.SUBMITTED, on=_today(today),
                 comment=_text(note, "说明"), ip=ip)  # fmt: skip


@transaction.atomic
def application_withdraw(
    *, user: Any, application_id: int, reason: str, version: int | None = None, ip: str | None = None,
    today: dt.date | None = None,
) -> Application:  # fmt: skip
    """The applicant withdraws; whoever holds the application records it."""
    app = _lock(user, application_id, version)
    _require(user, app, tuple(s for s in OPEN_STATUSES if s != Status.NOTICE), "撤回")
    text = _text(reason, "撤回原因", required=True)
    return _move(
        app,
        user,
        action="withdraw",
        label="撤回申请",
        to=Status.WITHDRAWN,
        on=_today(today),
        comment=text,
        ip=ip,
    )


def _investigators(names: list[str] | str) -> list[str]:
    if isinstance(names, str):
        names = names.replace("，", ",").replace("、", ",").split(",")
    return [n.strip() for n in dict.fromkeys(n.strip() for n in names) if n.strip()]


@transaction.atomic
def application_investigate(
    *, user: Any, application_id: int, visited_on: dt.date, investigators: list[str] | str,
    present_members: str, findings: str, recommendation: str = "", neighbours: str = "", remote: bool = False,
    photos: list[Any] | None = None, version: int | None = None, ip: str | None = None, today: dt.date | None = None,
) -> Application:  # fmt: skip
    """入户调查: a team of at least two, the members present, what was found (R1.13.3)."""
    app = _lock(user, application_id, version)
    _require(user, app, (Status.ACCEPTED,), "录入入户调查")
    on = _today(today)
    team = _investigators(investigators)
    if len(team) < 2:
        raise ValidationFailed.single("调查人员", "入户调查须由2名以上工作人员进行，请填写全部调查人员姓名")
    if visited_on > on:
        raise ValidationFailed.single("调查日期", "不能晚于今天")
    if app.accepted_on and visited_on < app.accepted_on:
        raise ValidationFailed.single("调查日期", "不能早于受理日期")
    if recommendation not in ("", "approve", "reject"):
        raise ValidationFailed.single("调查结论", "应为“符合”或“不符合”")
    record = Investigation.objects.create(
        application=app, kind=VisitKind.REINVESTIGATION if app.notice_round else VisitKind.HOME,
        visited_on=visited_on, remote=remote, investigators=team,
        present_members=_text(present_members, "在场家庭成员", required=True, limit=200),
        neighbours=_text(neighbours, "邻里走访", limit=500), findings=_text(findings, "调查情况", required=True, limit=5000),
        recommendation=recommendation, recorded_by=user,
    )  # fmt: skip
    _save_photos(record, photos or [])
    return _move(app, user, action="investigate", label="入户调查", to=workflow.after_investigation(app.item), on=on,
                 comment=record.findings[:200], data={"investigators": team, "remote": remote}, ip=ip)  # fmt: skip


def _save_photos(record: Investigation, photos: list[Any]) -> None:
    check_photos(photos)
    for photo in photos:
        InvestigationPhoto.objects.create(
            investigation=record, image=photo, caption=getattr(photo, "name", "")[:100]
        )


@transaction.atomic
def application_check(
    *,
    user: Any,
    application_id: int,
    version: int | None = None,
    ip: str | None = None,
    today: dt.date | None = None,
) -> Application:
    """信息核对: the county checks the household against other agencies' data (a verification report,
    when every member has signed the authorisation; a refusal is recorded otherwise) and runs the engine
    on the household's current data; both are kept with the application for the township's opinion."""
    app = _lock(user, application_id, version)
    _require(user, app, (Status.CHECKING,), "经济状况核对")
    on = _today(today)
    from dajiuzhu.assessment.services import check_household

    try:
        outcome = check_household(user=user, household_id=app.household_id, on=on, ip=ip)
    except ValidationFailed as exc:
        raise ValidationFailed.single("经济状况核对", f"家庭数据有误，无法核对：{exc.message}") from exc
    best = best_result(outcome.programmes, app.item.programme)
    app.check_result = {
        "on": on.isoformat(),
        "monthly_total_fen": outcome.monthly_total_fen,
        "programme": best.as_dict() if best else None,
        "eligible": [{"code": p.code, "label": p.label, "amount": p.amount_yuan} for p in outcome.eligible()],
        "verification": _verification(user, app.household_id, ip),
    }
    summary = f"{best.label}：{best.status_label}，{best.amount_yuan}元/{best.period}" if best else "已核对"
    summary += f"；{app.check_result['verification']['text']}"
    return _move(app, user, action="check", label="经济状况核对", to=workflow.after_check(app.item), on=on,
                 comment=summary, ip=ip, fields=("check_result",))  # fmt: skip


def _verification(user: Any, household_id: int, ip: str | None) -> dict[str, Any]:
    """The household's verification report (R7.4), or why there is none (R7.1: no authorisation, no
    query — the refusal itself is recorded by the verification service)."""
    from dajiuzhu.verification.errors import AuthorisationMissing
    from dajiuzhu.verification.models import Conclusion
    from dajiuzhu.verification.services import verification_request

    try:
        done = verification_request(user=user, household_id=household_id, ip=ip)
    except AuthorisationMissing as exc:
        return {"request_id": None, "conclusion": "", "text": f"未进行部门数据核对：{exc.message}"}
    label = (
        str(Conclusion(done.conclusion).label) if done.conclusion in Conclusion.values else done.conclusion
    )
    return {"request_id": done.pk, "conclusion": done.conclusion, "text": f"部门数据核对：{label}"}


@transaction.atomic
def application_opinion(
    *, user: Any, application_id: int, approve: bool, reason: str, amount: Any = None,
    version: int | None = None, ip: str | None = None, today: dt.date | None = None,
) -> Application:  # fmt: skip
    """乡镇审核意见. A favourable opinion goes on public notice in the village for `notice_days`; an
    unfavourable one goes to the decision-maker with the reasons."""
    app = _lock(user, application_id, version)
    _require(user, app, (Status.OPINION,), "提出审核意见")
    on = _today(today)
    text = _text(reason, "意见说明", required=True)
    proposed = _amount(
        amount, "拟保障金额", required=approve and app.item.programme != "" and _recurring(app.item)
    )
    app.opinion = "approve" if approve else "reject"
    app.opinion_reason = text
    app.proposed_amount = proposed if approve else None
    if approve and app.item.public_notice:
        app.notice_round += 1
        _publish(app, NoticeKind.PUBLICITY, on, amount=proposed)
        to = Status.NOTICE
    else:
        to = Status.DECISION
    if to == Status.DECISION:
        _maybe_sample(app)
    return _move(app, user, action="opinion", label="乡镇审核意见", to=to, on=on,
                 comment=("同意：" if approve else "不同意：") + text,
                 data={"approve": approve, "amount": str(proposed) if proposed is not None else None}, ip=ip,
                 fields=("opinion", "opinion_reason", "proposed_amount", "notice_round", "sampled"))  # fmt: skip


def _recurring(item: AssistanceItem) -> bool:
    from dajiuzhu.rules.programmes import PROGRAMMES

    programme = next((p for p in PROGRAMMES if p.code == item.programme), None)
    return programme is not None and programme.period == "月"


def _publish(app: Application, kind: str, on: dt.date, *, amount: Decimal | None) -> PublicNotice:
    start, end = workflow.notice_period(app.item, on, county_code=app.area.county_code)
    village_code = app.area.village_code or app.area.code
    return PublicNotice.objects.create(
        application=app, kind=kind, village_id=village_code, round=app.notice_round, starts_on=start,
        ends_on=end, masked_name=mask_name(app.applicant.name), household_size=app.household.member_count,
        item_name=app.item.name, amount=amount,
    )  # fmt: skip


def _maybe_sample(app: Application) -> None:
    """County random on-site checks (特困 ≥ 30 %, R2.6): drawn when the file reaches the decision."""
    if app.item.sampling_percent and random.randrange(100) < app.item.sampling_percent:
        app.sampled = True


@transaction.atomic
def objection_lodge(*, notice_id: int, content: str, name: str = "", phone: str = "", ip: str | None = None,
                    today: dt.date | None = None) -> Objection:  # fmt: skip
    """Anyone may object to a notice while it is up (no login: the public notice page).

    An objection has its own lock, the notice row, and leaves the application (and its version) alone:
    an anonymous script cannot make a reviewer's step fail with a conflict. The steps that must see
    every objection (closing the notice) lock the same notice row after the application and look."""
    notice = (
        PublicNotice.objects.select_for_update(of=("self",))
        .select_related("application__area")
        .filter(pk=notice_id, kind=NoticeKind.PUBLICITY)
        .first()
    )
    on = _today(today)
    if notice is None or notice.closed or not (notice.starts_on <= on <= notice.ends_on):
        raise NotFound("该公示不存在或已结束")
    text = _text(content, "异议内容", required=True, limit=2000)
    phone_text = clean_phone(phone, "联系电话")
    objection = Objection.objects.create(
        notice=notice, content=text, name=_text(name, "反映人", limit=50), phone=phone_text
    )
    app = notice.application
    _event(app, None, "objection", "收到公示异议", app.status, app.status, comment=text[:200], ip=ip)
    return objection


@transaction.atomic
def objection_handle(
    *,
    user: Any,
    objection_id: int,
    upheld: bool,
    handling: str,
    version: int | None = None,
    ip: str | None = None,
    today: dt.date | None = None,
) -> Objection:
    """An upheld objection sends the application back to investigation (重新调查) and takes the notice
    down; the county must then visit the household before deciding (R1.13.6)."""
    objection = Objection.objects.select_related("notice__application__area").filter(pk=objection_id).first()
    if objection is None or not _scope_ok(user, objection.notice.application.area):
        # Unknown and out of area answer alike, so an ID reveals nothing.
        raise NotFound("异议不存在或不在您的管辖范围内")
    app = _lock(user, objection.notice.application_id, version)
    _require(user, app, (Status.NOTICE,), "处理公示异议")
    objection = Objection.objects.select_for_update().get(pk=objection_id)
    if objection.status != ObjectionStatus.OPEN:
        raise Conflict("该异议已处理")
    text = _text(handling, "处理意见", required=True)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.handled_by = user
    objection.handled_at = clock.now()
    objection.handling = text
    objection.save(update_fields=["status", "handled_by", "handled_at", "handling"])
    on = _today(today)
    if upheld:
        PublicNotice.objects.filter(application=app, kind=NoticeKind.PUBLICITY, closed=False).update(
            closed=True
        )
        app.county_visit_required = True
        _move(app, user, action="objection_upheld", label="异议成立，重新调查", to=Status.ACCEPTED, on=on,
              comment=text, ip=ip, fields=("county_visit_required",))  # fmt: skip
    else:
        app.version += 1
        app.save(update_fields=["version", "updated_at"])
        _event(app, user, "objection_dismissed", "异议不成立", app.status, app.status, comment=text, ip=ip)
    return objection


@transaction.atomic
def notice_close(
    *,
    user: Any,
    application_id: int,
    version: int | None = None,
    ip: str | None = None,
    today: dt.date | None = None,
) -> Application:
    """The notice period has run out with every objection handled: the file goes to the decision."""
    app = _lock(user, application_id, version)
    _require(user, app, (Status.NOTICE,), "结束公示")
    on = _today(today)
    # The notice row is the objections' lock (objection_lodge): none can slip in between the check
    # below and the close.
    notice = (
        app.notices.select_for_update()
        .filter(kind=NoticeKind.PUBLICITY, closed=False)
        .order_by("-round")
        .first()
    )
    if notice is None:
        raise Conflict("没有进行中的公示")
    if on <= notice.ends_on:
        raise ValidationFailed.single("公示期", f"公示期至{notice.ends_on:%Y年%m月%d日}，期满后才能结束公示")
    if notice.objections.filter(status=ObjectionStatus.OPEN).exists():
        raise ValidationFailed.single("公示异议", "还有未处理的异议，请先处理")
    notice.closed = True
    notice.save(update_fields=["closed"])
    _maybe_sample(app)
    had = notice.objections.exists()
    return _move(app, user, action="notice_close", label="公示期满", to=Status.DECISION, on=on,
                 comment="公示期满，异议均不成立" if had else "公示期满无异议", ip=ip, fields=("sampled",))  # fmt: skip


@transaction.atomic
def application_county_visit(
    *, user: Any, application_id: int, visited_on: dt.date, investigators: list[str] | str, present_members: str,
    findings: str, version: int | None = None, ip: str | None = None, today: dt.date | None = None,
) -> Application:  # fmt: skip
    """县级入户核查: required before deciding a sampled, separately registered or complained-about case."""
    app = _lock(user, application_id, version)
    _require(user, app, (Status.DECISION,), "录入县级核查")
    team = _investigators(investigators)
    if len(team) < 2:
        raise ValidationFailed.single("调查人员", "入户核查须由2名以上工作人员进行")
    on = _today(today)
    if visited_on > on:
        raise ValidationFailed.single("核查日期", "不能晚于今天")
    Investigation.objects.create(
        application=app, kind=VisitKind.COUNTY, visited_on=visited_on, investigators=team,
        present_members=_text(present_members, "在场家庭成员", required=True, limit=200),
        findings=_text(findings, "核查情况", required=True, limit=5000), recorded_by=user,
    )  # fmt: skip
    return _move(app, user, action="county_visit", label="县级入户核查", to=Status.DECISION, on=on,
                 comment=findings[:200], ip=ip)  # fmt: skip


def county_visit_needed(app: Application) -> bool:
    if not (app.sampled or app.county_visit_required or app.separate_registration):
        return False
    return not app.investigations.filter(kind=VisitKind.COUNTY).exists()


@transaction.atomic
def application_decide(
    *, user: Any, application_id: int, approve: bool, reason: str, amount: Any = None,
    review_months: int | None = None, version: int | None = None, ip: str | None = None,
    today: dt.date | None = None,
) -> Application:  # fmt: skip
    """审批: approve (amount fixed, paid from the month after) or refuse with written reasons.

    The review cycle is one of the R1.14 cycles in force (dibao.review_months.stable / .unstable, by
    default 12 and 6) or the legacy quarterly/monthly classes; omitted, the stable cycle. A 特困 file
    has the one annual cycle tekun.review_months (R2.11)."""
    app = _lock(user, application_id, version)
    _require(user, app, (Status.DECISION,), "审批")
    if county_visit_needed(app):
        raise ValidationFailed.single(
            "县级入户核查", "本件为抽查、单独登记备案或有异议的申请，须先录入县级入户核查记录再审批"
        )
    on = _today(today)
    text = _text(reason, "审批理由", required=True)
    recurring = _recurring(app.item)
    stopping = app.change_action == "stop"
    decided = _amount(amount, "核定金额", required=approve and recurring and not stopping)
    cycles = policy.review_months(on=on, region=app.area.county_code, programme=app.item.programme)
    # 特困 is reviewed once a year (R2.11); 低保 by its two cycles or the legacy quarterly/monthly classes.
    allowed = sorted(set(cycles.values()) if "tekun" in cycles else {1, 3, *cycles.values()})
    if review_months is None:
        review_months = next(iter(cycles.values()))
    if review_months not in allowed:
        choices = (
            f"{'、'.join(map(str, allowed[:-1]))} 或 {allowed[-1]}" if len(allowed) > 1 else str(allowed[0])
        )
        raise ValidationFailed.single("复核周期", f"应为 {choices} 个月")
    app.decision = "approve" if approve else "reject"
    app.decision_reason = text
    app.decided_amount = decided if approve else None
    app.decided_at = clock.now()
    app.decided_by = user
    fields = ("decision", "decision_reason", "decided_amount", "decided_at", "decided_by")
    if approve:
        _approve_effects(app, on, decided, recurring=recurring, review_months=review_months)
    _move(app, user, action="decide", label="审批" if approve else "不予批准",
          to=Status.APPROVED if approve else Status.REJECTED, on=on,
          comment=("批准：" if approve else "不予批准：") + text,
          data={"approve": approve, "amount": str(decided) if decided is not None else None}, ip=ip,
          fields=fields)  # fmt: skip
    # The 决定书 / 不予批准通知书 is issued now, with the issuer and area names of this moment.
    letters.letter_issue(app=app, actor=user, ip=ip)
    return app


def _approve_effects(
    app: Application, on: dt.date, amount: Decimal | None, *, recurring: bool, review_months: int
) -> None:
    if app.kind == Kind.NEW and recurring and amount is not None:
        benefit_services.entitlement_start(
            application=app,
            amount=amount,
            start_month=months.next_month(on),
            review_months=review_months,
            decided_by=app.decided_by,
        )
    if app.kind in (Kind.REVIEW, Kind.RECHECK, Kind.CHANGE) and app.entitlement_id:
        _apply_change(app, on, amount, review_months=review_months)
    if app.item.publish_after and app.change_action != "stop":
        _publish(app, NoticeKind.PUBLICATION, on, amount=amount)


def _apply_change(app: Application, on: dt.date, amount: Decimal | None, *, review_months: int) -> None:
    """A review or change decision takes effect from the next month (R1.14, R11.5)."""
    action = app.change_action or "keep"
    taper: int | None = None
    if action == "taper":
        from dajiuzhu.intake.dynamic import taper_months_max

        # 渐退 keeps the amount for at most dibao.taper_months_max months (R1.15).
        taper = min(review_months, taper_months_max(on=on, region=app.area.county_code))
    benefit_services.entitlement_apply(
        entitlement_id=int(app.entitlement_id or 0), action=action, amount=amount,
        start_month=months.next_month(on), review_months=review_months, taper_months=taper,
        reason=app.decision_reason, application=app, decided_by=app.decided_by,
    )  # fmt: skip


@transaction.atomic
def application_notify(
    *, user: Any, application_id: int, delivered_on: dt.date, method: str, version: int | None = None,
    ip: str | None = None, today: dt.date | None = None,
) -> Application:  # fmt: skip
    """书面通知送达: the decision (with its reasons, for a refusal) reaches the applicant."""
    app = _lock(user, application_id, version)
    if app.notified_on is not None:
        raise Conflict("决定书已送达")
    _require(user, app, (Status.APPROVED, Status.REJECTED), "登记送达")
    on = _today(today)
    if delivered_on > on:
        raise ValidationFailed.single("送达日期", "不能晚于今天")
    app.notified_on = delivered_on
    return _move(app, user, action="notify", label="送达决定书", to=app.status, on=on,
                 comment=_text(method, "送达方式", required=True, limit=100), ip=ip, fields=("notified_on",))  # fmt: skip


@transaction.atomic
def application_extend(
    *, user: Any, application_id: int, reason: str, version: int | None = None, ip: str | None = None,
    today: dt.date | None = None,
) -> Application:  # fmt: skip
    """延长办理时限 to the extended total (45 working days for 低保: objections, 人户分离, hard cases)."""
    app = _lock(user, application_id, version)
    if app.status not in OPEN_STATUSES or app.accepted_on is None:
        raise Conflict("只有已受理、尚未审批的申请可以延期")
    level = workflow.user_level(user)
    if level not in (Level.TOWNSHIP, Level.COUNTY, Level.DEPARTMENT) or (
        level == Level.DEPARTMENT and user.department_id != app.department_id
    ):
        raise PermissionDenied("延期由乡镇、县级民政或本事项的主管部门办理")
    if app.extended:
        raise Conflict("该申请已延期过一次")
    text = _text(reason, "延期理由", required=True)
    app.extended = True
    app.total_due = workflow.total_due(
        app.item, accepted_on=app.accepted_on, county_code=app.area.county_code, extended=True
    )
    return _move(app, user, action="extend", label="延长办理时限", to=app.status, on=_today(today),
                 comment=text, ip=ip, fields=("extended", "total_due"))  # fmt: skip


# ---- deadlines ------------------------------------------------------------------------------------------


def deadlines_escalate(*, today: dt.date | None = None) -> int:
    """Mark open applications past their step deadline as escalated (督办), once per step, with an event.
    Idempotent: run it daily from the task worker or cron."""
    on = _today(today)
    count = 0
    ids = list(
        Application.objects.filter(status__in=OPEN_STATUSES, step_due__lt=on, escalated=False).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        with transaction.atomic():
            app = (
                Application.objects.select_for_update(of=("self",)).select_related("item", "area").get(pk=pk)
            )
            if app.escalated or app.step_due is None or app.step_due >= on:
                continue
            app.escalated = True
            app.save(update_fields=["escalated", "updated_at"])
            _event(app, None, "escalate", "逾期督办", app.status, app.status,
                   comment=f"本环节应于{app.step_due:%Y-%m-%d}前完成，已逾期，转上级督办")  # fmt: skip
            count += 1
    return count


# ---- catalogue ------------------------------------------------------------------------------------------

ITEM_FIELDS = (
    "name", "category", "programme", "accept_level", "decide_level", "needs_investigation", "needs_check",
    "needs_opinion", "public_notice", "publish_after", "notice_days", "accept_days", "investigation_days",
    "check_days", "opinion_days", "decision_days", "notify_days", "total_days", "total_days_delegated",
    "total_days_extended", "sampling_percent", "materials", "reference", "unverified", "is_active", "sort",
)  # fmt: skip


def catalogue_load(*, path: Any = None) -> int:
    """Load policy/catalogue.yaml: adds missing departments and items; an existing item is left as the
    county has edited it. Returns the number of items added."""
    from dajiuzhu.accounts.models import Department
    from dajiuzhu.intake.catalogue import catalogue_file_items

    departments, items = catalogue_file_items(path)
    added = 0
    with transaction.atomic():
        for i, (code, name) in enumerate(departments):
            Department.objects.get_or_create(code=code, defaults={"name": name, "sort": i})
        for data in items:
            if AssistanceItem.objects.filter(code=data["code"]).exists():
                continue
            department = Department.objects.get(code=data.pop("department"))
            AssistanceItem.objects.create(department=department, **data)
            added += 1
    return added


def item_jurisdiction_for(user: Any) -> str:
    """The jurisdiction a catalogue editor's local changes apply to: their own area, at county level or
    above (a county approver: the county; the province's system administrator: the whole province)."""
    from dajiuzhu.areas.models import AreaLevel

    user_require(user, Capability.CATALOGUE_ADMIN)
    area = getattr(user, "area", None)
    if area is None or area.level > AreaLevel.COUNTY:
        raise PermissionDenied("事项目录的本地调整由县级及以上民政部门维护，乡镇（街道）及以下的账户不能修改")
    return str(area.code)


@transaction.atomic
def item_change_create(*, user: Any, item_id: int, data: dict[str, Any], version: Any, start: Any,
                       reference: str = "", note: str = "", jurisdiction: str | None = None,
                       ip: str | None = None, today: dt.date | None = None) -> ItemLocalChange:  # fmt: skip
    """A county (or the province) changes its local choices of an item from a date: display name,
    department, materials, time limits, check share, delegation to its townships. The national
    definition is refused; the change applies in the editor's own jurisdiction only, is a new dated
    row (never an edit), is checked against the version the editor saw and is audited with the diff."""
    from dajiuzhu.audit.services import diff
    from dajiuzhu.intake import catalogue
    from dajiuzhu.parameters.selectors import jurisdiction_names
    from dajiuzhu.parameters.validation import parse_date

    own = item_jurisdiction_for(user)
    names = jurisdiction_names([own])
    if jurisdiction not in (None, "") and str(jurisdiction).strip() != own:
        raise PermissionDenied(f"只能调整本辖区（{names[own]}）的事项配置，不能修改其他地区或全国统一的设置")
    national = [catalogue.NATIONAL_FIELDS[k] for k in data if k in catalogue.NATIONAL_FIELDS]
    if national:
        raise PermissionDenied(
            f"「{'、'.join(national)}」是全国统一的事项定义，不能本地修改（由 policy/catalogue.yaml 维护）"
        )
    item = AssistanceItem.objects.select_for_update().select_related("department").filter(pk=item_id).first()
    if item is None:
        raise NotFound("事项不存在")
    on = _today(today)
    report = ErrorReport()
    start_date, problem = parse_date(start)
    if problem:
        report.add("起始日期", problem)
    elif start_date is not None and start_date < on:
        report.add("起始日期", f"{start_date.isoformat()} 早于今天（{on.isoformat()}）：目录调整只能从今天或以后生效，"
                           "已提出的申请按提出当日的目录办理")  # fmt: skip
    reference = str(reference or "").strip()
    note = str(note or "").strip()
    for label, text, limit in (("依据", reference, 300), ("备注", note, 500)):
        if len(text) > limit:
            report.add(label, f"不能超过{limit}个字")
        elif catalogue._CONTROL.search(text):
            report.add(label, "不能包含控制字符")
    seen_version: int | None = None
    if isinstance(version, int) and not isinstance(version, bool):
        seen_version = version
    elif isinstance(version, str) and version.strip().isascii() and version.strip().isdigit():
        seen_version = int(version.strip())
    else:
        report.add("版本", "缺少页面的版本号，请刷新后重试")
    try:
        clean = catalogue.local_validate(item, data)
    except ValidationFailed as exc:
        report.errors.extend(exc.errors)
    report.raise_if_any("事项配置有误，请检查标出的字段")
    assert start_date is not None
    rows = list(ItemLocalChange.objects.filter(item=item, jurisdiction=own))
    current = max((r.version for r in rows), default=0)
    if seen_version != current:
        raise Conflict(f"该事项在{names[own]}的配置已被他人修改（现为第{current}版），请刷新后重试")
    # What the layers above give on the start date, and this jurisdiction's own state then.
    above = catalogue.local_values(catalogue.effective_item(item, own, start_date, skip=own))
    mine = catalogue.change_in_force(rows, start_date)
    state = {**(mine.values if mine else {}), **clean}
    values = {k: v for k, v in state.items() if above.get(k) != v}
    catalogue.local_check_limits({**above, **values})
    before = {**above, **(mine.values if mine else {})}
    try:
        with transaction.atomic():
            change = ItemLocalChange.objects.create(
                item=item, jurisdiction=own, start=start_date, values=values, version=current + 1,
                reference=reference, note=note, created_by=user,
            )  # fmt: skip
    except IntegrityError as exc:  # another editor saved the same version a moment ago
        raise Conflict(f"该事项在{names[own]}的配置已被他人修改，请刷新后重试") from exc
    b, a = diff(before, {**above, **values})
    audit_record(actor=user, action=AuditAction.UPDATE, subject_type="assistance_item", subject_id=item.pk,
                 subject_label=f"{item.name}（{names[own]}，{start_date.isoformat()}起，第{change.version}版）",
                 area_code=own, before=b, after=a, note=note, ip=ip)  # fmt: skip
    return change
