"""Pages of the people's side of 资金发放: a household's payee accounts (一卡通), the village's worklist of
failed and held payments, a household's recoveries (追回) and the SMS outbox (到账短信).

Thin: parse the request, call a selector or a service, render. A refused step shows the service's
Chinese message next to the field it names and changes nothing; out of scope is "not found".
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from dajiuzhu.accounts.models import User
from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock
from dajiuzhu.core.errors import DomainError, FieldError, NotFound, ValidationFailed
from dajiuzhu.core.masking import mask_phone
from dajiuzhu.core.net import client_ip
from dajiuzhu.payments import programmes, selectors, services
from dajiuzhu.payments.models import CUSTODIANS, HolderRelation, LineStatus, NoticeStatus, RecoveryBasis
from dajiuzhu.registry import selectors as registry_selectors
from dajiuzhu.registry.models import Household, Person

PAGE_SIZE = 50
OUTBOX_SHOWN = 50

# The services name fields in Chinese; the form's input names for each.
ACCOUNT_FIELDS = {
    "开户银行": "bank",
    "银行账号": "account_number",
    "账户户名": "holder_name",
    "持卡人与受益人关系": "holder_relation",
    "代管书面协议编号": "agreement_number",
    "协议报县民政部门备案日期": "agreement_filed_on",
    "备注": "note",
}
DECIDE_FIELDS = {
    "追回金额": "amount",
    "追回依据": "basis",
    "追回原因": "reason",
    "决定文书编号": "document_number",
    "每月抵扣上限": "instalment",
}
REPAY_FIELDS = {"退回金额": "amount", "退回日期": "on", "缴款凭证号": "receipt_number"}
RESOLVE_FIELDS = {"处理说明": "note"}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _date(raw: str | None, field: str, *, required: bool) -> dt.date | None:
    text = (raw or "").strip()
    if not text:
        if required:
            raise ValidationFailed.single(field, "请填写日期")
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.single(field, f"“{text}”不是有效日期（应为 YYYY-MM-DD）") from None


class FormState:
    """What a form shows again after a refusal: the values typed and each error next to its field."""

    def __init__(
        self, values: Any = None, error: DomainError | None = None, fields: dict[str, str] | None = None
    ) -> None:
        self.values: dict[str, Any] = dict(values.items()) if values is not None else {}
        self.error = error
        self.errors: dict[str, list[str]] = {}
        self.other: list[FieldError] = []
        for err in error.errors if error is not None else []:
            name = (fields or {}).get(err.field)
            if name is None:
                self.other.append(err)
            else:
                self.errors.setdefault(name, []).append(err.message)

    def __bool__(self) -> bool:
        return self.error is not None


def _household(request: HttpRequest, household_id: int) -> Household:
    """The household, if the user may read payments and the household is in their area (else 403/404;
    the registry audits an attempt outside the area)."""
    user_require(request.user, Capability.PAY_READ)
    return registry_selectors.household_get_for_user(
        user=request.user, household_id=household_id, ip=client_ip(request)
    )


# ---- a household's payee accounts (一卡通) -------------------------------------------------------------------


def _members(household: Household) -> list[Person]:
    people = list(registry_selectors.household_members(household))
    return sorted(people, key=lambda p: (p.pk != household.head_id, p.pk))


def _payees_context(
    request: HttpRequest, household: Household, *, form_for: int | None = None, state: FormState | None = None
) -> dict[str, Any]:
    user = _user(request)
    current = selectors.accounts_for_household(user=user, household_id=household.pk)
    history = selectors.account_history_for_household(user=user, household_id=household.pk)
    failed = selectors.failed_open_by_person(user=user, household_id=household.pk)
    rows = []
    for person in _members(household):
        account = current.get(person.pk)
        if person.pk == form_for and state is not None:
            values = state.values
        elif account is not None:
            # A new card usually keeps who holds it, what it receives and the agreement; only the number changes.
            values = {
                "bank": account.bank, "holder_name": account.holder_name, "holder_relation": account.holder_relation,
                "for_household": account.for_household, "agreement_number": account.agreement_number,
                "agreement_filed_on": account.agreement_filed_on.isoformat() if account.agreement_filed_on else "",
            }  # fmt: skip
        else:
            values = {"holder_name": person.name, "holder_relation": HolderRelation.SELF}
        rows.append({
            "person": person, "account": account, "history": history.get(person.pk, []),
            "failed_open": failed.get(person.pk, 0), "values": values,
            "state": state if person.pk == form_for else FormState(),
            "custodian": account is not None and account.holder_relation in CUSTODIANS,
        })  # fmt: skip
    return {
        "household": household,
        "rows": rows,
        "banks": sorted(selectors.bank_names().items()),
        "relations": HolderRelation.choices,
        "custodians": [str(c) for c in CUSTODIANS],
        "can_edit": user.can(Capability.PAY_ACCOUNT),
        "can_reveal": user.can(Capability.REVEAL_ACCOUNT),
    }


@login_required
@require_GET
def household_payees(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(request, household_id)
    return render(request, "payments/people_payees.html", _payees_context(request, household))


@login_required
@require_POST
def account_set(request: HttpRequest, person_id: int) -> HttpResponse:
    """登记或更换 a member's account. A refusal shows the page again with the errors by their fields."""
    user_require(request.user, Capability.PAY_ACCOUNT)
    person = registry_selectors.person_get_for_user(
        user=request.user, person_id=person_id, ip=client_ip(request)
    )
    household = person.household
    assert household is not None  # person_get_for_user refuses a person without a household
    p = request.POST
    # Failed payments to the account being replaced are resolved by the service (补发 next roll).
    failed = selectors.failed_open_by_person(user=request.user, household_id=household.pk).get(person.pk, 0)
    try:
        relation = (p.get("holder_relation") or "").strip()
        account = services.account_set(
            user=request.user, person_id=person.pk, bank=p.get("bank", ""),
            account_number=p.get("account_number", ""), holder_name=p.get("holder_name", ""),
            holder_relation=relation, for_household=bool(p.get("for_household")),
            agreement_number=p.get("agreement_number", "") if relation in CUSTODIANS else "",
            agreement_filed_on=_date(p.get("agreement_filed_on"), "协议报县民政部门备案日期", required=False)
            if relation in CUSTODIANS else None,
            note=p.get("note", ""), ip=client_ip(request),
        )  # fmt: skip
    except ValidationFailed as exc:
        context = _payees_context(
            request, household, form_for=person.pk, state=FormState(p, exc, ACCOUNT_FIELDS)
        )
        return render(request, "payments/people_payees.html", context, status=exc.status)
    if failed:
        messages.success(request, f"已更正账户，{failed}笔失败发放将在下期名册中补发")
    else:
        bank = selectors.bank_names().get(account.bank, account.bank)
        messages.success(
            request, f"已登记{person.name}的收款账户（{bank} ****{account.account_number[-4:]}）"
        )
    return redirect(reverse("payments:household_payees", args=[household.pk]) + f"#person-{person.pk}")


@login_required
@require_POST
def account_reveal(request: HttpRequest, account_id: int) -> HttpResponse:
    """显示完整账号 (htmx swaps it in place of the masked number); the service audits every reveal."""
    number = services.account_reveal(user=request.user, account_id=account_id, ip=client_ip(request))
    return HttpResponse(format_html('<span class="revealed mono" title="已记录查看">{}</span>', number))


# ---- the worklist (待处理发放问题) ----------------------------------------------------------------------------


def _item(line: Any, state: FormState | None = None, done: bool = False) -> dict[str, Any]:
    return {"line": line, "state": state or FormState(), "done": done,
            "failed": line.status == LineStatus.FAILED}  # fmt: skip


def _worklist_context(
    request: HttpRequest, *, line_id: int | None = None, state: FormState | None = None
) -> dict[str, Any]:
    user = _user(request)
    lines = selectors.worklist_for_user(user=user)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = programmes.labels()
    items = [_item(line, state if line.pk == line_id else None) for line in page]
    return {
        "page": page,
        "items": items,
        "labels": labels,
        "total": page.paginator.count,
        "can_resolve": user.can(Capability.PAY_ACCOUNT),
    }


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/worklist.html", _worklist_context(request))


@login_required
@require_POST
def line_resolve(request: HttpRequest, line_id: int) -> HttpResponse:
    """已处理（无需更换账户）: a failed payment whose cause went away is owed again (补发 next roll)."""
    user = _user(request)
    try:
        services.line_resolve(
            user=user, line_id=line_id, note=request.POST.get("note", ""), ip=client_ip(request)
        )
    except ValidationFailed as exc:
        state = FormState(request.POST, exc, RESOLVE_FIELDS)
        if _htmx(request):
            line = selectors.line_get_for_user(user=user, line_id=line_id)
            return render(request, "payments/worklist_item.html", _item_context(user, _item(line, state)),
                          status=exc.status)  # fmt: skip
        return render(request, "payments/worklist.html", _worklist_context(request, line_id=line_id, state=state),
                      status=exc.status)  # fmt: skip
    message = "已标记为已处理，该笔发放将在下期名册中补发"
    if _htmx(request):
        line = selectors.line_get_for_user(user=user, line_id=line_id)
        item = _item(line, done=True)
        return render(
            request, "payments/worklist_item.html", {**_item_context(user, item), "message": message}
        )
    messages.success(request, message)
    return redirect("payments:worklist")


def _item_context(user: User, item: dict[str, Any]) -> dict[str, Any]:
    return {"item": item, "labels": programmes.labels(), "can_resolve": user.can(Capability.PAY_ACCOUNT)}


# ---- a household's recoveries (追回) --------------------------------------------------------------------------


def _recoveries_context(
    request: HttpRequest, household: Household, *, decide: FormState | None = None,
    repay_for: int | None = None, repay: FormState | None = None,
) -> dict[str, Any]:  # fmt: skip
    user = _user(request)
    ledgers = selectors.recovery_ledgers_for_household(user=user, household_id=household.pk)
    return {
        "household": household,
        "ledgers": ledgers,
        "bases": RecoveryBasis.choices,
        "decide": decide or FormState(),
        "repay_for": repay_for,
        "repay": repay or FormState(),
        "today": clock.today(),
        "can_admin": user.can(Capability.PAY_ADMIN),
    }


@login_required
@require_GET
def household_recoveries(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(request, household_id)
    return render(request, "payments/recovery_list.html", _recoveries_context(request, household))


@login_required
@require_POST
def recovery_decide(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household(request, household_id)
    p = request.POST
    try:
        rec = services.recovery_decide(
            user=request.user, household_id=household.pk, amount=p.get("amount", ""), basis=p.get("basis", ""),
            reason=p.get("reason", ""), instalment=p.get("instalment", ""),
            document_number=p.get("document_number", ""), ip=client_ip(request),
        )  # fmt: skip
    except ValidationFailed as exc:
        context = _recoveries_context(request, household, decide=FormState(p, exc, DECIDE_FIELDS))
        return render(request, "payments/recovery_list.html", context, status=exc.status)
    messages.success(request, f"已登记追回决定：追回{rec.amount}元，每月最多抵扣{rec.instalment}元")
    return redirect(reverse("payments:household_recoveries", args=[household.pk]) + f"#recovery-{rec.pk}")


@login_required
@require_POST
def recovery_repay(request: HttpRequest, household_id: int, recovery_id: int) -> HttpResponse:
    household = _household(request, household_id)
    if not any(
        ledger.recovery.pk == recovery_id
        for ledger in selectors.recovery_ledgers_for_household(user=request.user, household_id=household.pk)
    ):
        raise NotFound("追回记录不存在或不在您的管辖范围内")  # fmt: skip
    p = request.POST
    try:
        entry = services.recovery_repay(
            user=request.user, recovery_id=recovery_id, amount=p.get("amount", ""),
            on=_date(p.get("on"), "退回日期", required=True) or clock.today(),
            receipt_number=p.get("receipt_number", ""), ip=client_ip(request),
        )  # fmt: skip
    except ValidationFailed as exc:
        context = _recoveries_context(
            request, household, repay_for=recovery_id, repay=FormState(p, exc, REPAY_FIELDS)
        )
        return render(request, "payments/recovery_list.html", context, status=exc.status)
    messages.success(request, f"已登记退回{entry.amount}元（缴款凭证号 {entry.receipt_number}）")
    return redirect(
        reverse("payments:household_recoveries", args=[household.pk]) + f"#recovery-{recovery_id}"
    )


# ---- the SMS outbox (到账短信) ---------------------------------------------------------------------------------


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    counts = selectors.notice_counts_for_user(user=user)
    newest = [
        {"notice": n, "phone": mask_phone(n.phone), "status_label": n.get_status_display()}
        for n in selectors.notices_for_user(user=user)[:OUTBOX_SHOWN]
    ]
    return render(request, "payments/outbox.html", {
        "counts": [(s.value, s.label, counts[s.value]) for s in NoticeStatus],
        "queued": counts[NoticeStatus.QUEUED],
        "newest": newest,
        "can_export": user.can(Capability.REVEAL_PII),
    })  # fmt: skip


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def outbox_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The queued notices with FULL phone numbers, for the SMS operator; UTF-8 with a BOM (Excel)."""
    user = _user(request)
    user_require(user, Capability.REVEAL_PII)
    notices = selectors.notices_for_user(user=user, status=NoticeStatus.QUEUED).order_by("id")
    count = notices.count()
    audit_record(
        actor=user, action=AuditAction.EXPORT, subject_type="payments.notice", subject_label="待发送到账短信（含完整手机号）",
        area_code=user.area_id or "", after={"count": count}, ip=client_ip(request),
    )  # fmt: skip
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(["流水号", "手机号码", "短信内容", "收款人", "生成时间"])
        for n in notices.iterator(chunk_size=2000):
            at = timezone.localtime(n.created_at).strftime("%Y-%m-%d %H:%M")
            yield writer.writerow([n.line.reference, n.phone, n.text, n.line.beneficiary_name, at])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sms-queued-{clock.today():%Y%m%d}.csv"'
    return response
