"""Payments (资金发放): payee accounts (一卡通), budget authority (资金指标), the monthly roll of a county
with its lines, bank files and returns, recoveries of overpayments, payment notices and the published
list (公布). Writes go through payments.services only.

A roll line is a frozen snapshot (payee, account, amount) of one payment for one month of one
programme; a database constraint makes a second live line for the same month impossible."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class HolderRelation(models.TextChoices):
    """Who holds the card the money goes to (审核确认办法 第二十六条: a card kept by staff or an
    institution needs a written agreement filed with the county)."""

    SELF = "self", _("本人")
    FAMILY = "family", _("家庭成员")
    GUARDIAN = "guardian", _("监护人")
    CARER = "carer", _("实际抚养（照料）人")
    STAFF = "staff", _("村（社区）干部代管")
    INSTITUTION = "institution", _("供养（福利）机构代管")


CUSTODIANS = (HolderRelation.STAFF, HolderRelation.INSTITUTION)


class PayeeAccount(models.Model):
    """The account that receives `person`'s payments (for a household programme: the household's, when
    `for_household` is set or the person is the head)."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="payee_accounts")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    bank = models.CharField(_("开户银行"), max_length=20)
    account_number = models.CharField(_("银行账号"), max_length=32)
    holder_name = models.CharField(_("账户户名"), max_length=50)
    holder_relation = models.CharField(
        _("持卡人与受益人关系"), max_length=12, choices=HolderRelation.choices, default=HolderRelation.SELF
    )
    for_household = models.BooleanField(_("接收全户救助金（指定成员）"), default=False)
    agreement_number = models.CharField(_("代管书面协议编号"), max_length=60, blank=True)
    agreement_filed_on = models.DateField(_("协议报县民政部门备案日期"), null=True, blank=True)
    is_current = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(is_current=True), name="payments_one_current_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank} ****{self.account_number[-4:]}"


class Fund(models.TextChoices):
    """Funding lines a county receives authority (指标) for."""

    ASSISTANCE = "assistance", _("困难群众救助补助资金")
    DISABILITY = "disability", _("残疾人两项补贴资金")
    ELDERLY = "elderly", _("老年人补贴资金")
    MEDICAL = "medical", _("医疗救助资金")


class BudgetAuthority(models.Model):
    """One document of budget authority (资金指标文件) for a county, fund and year."""

    county = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    fund = models.CharField(_("资金类别"), max_length=20, choices=Fund.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    document_number = models.CharField(_("指标文号"), max_length=100)
    amount = models.DecimalField(_("指标金额（元）"), max_digits=14, decimal_places=2)
    account = models.CharField(_("资金账户"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "fund", "id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "document_number"], name="payments_authority_document")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_fund_display()} {self.document_number}"


class RollStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    LOCKED = "locked", _("已锁定")
    APPROVED = "approved", _("已审批")
    ISSUED = "issued", _("已报盘")
    RETURNED = "returned", _("已回盘")
    RECONCILED = "reconciled", _("已对账")
    CLOSED = "closed", _("已关闭")


class Roll(models.Model):
    """The monthly payment roll (发放名册) of one county."""

    county = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("发放月份"))
    status = models.CharField(_("状态"), max_length=12, choices=RollStatus.choices, default=RollStatus.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField()
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the lines as locked: recomputed on every later step, so a change is detected.
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-month", "county_id"]
        constraints = [models.UniqueConstraint(fields=["county", "month"], name="payments_one_roll_a_month")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.month:%Y-%m}"


class LineKind(models.TextChoices):
    REGULAR = "regular", _("当月")
    ARREARS = "arrears", _("补发")
    ONEOFF = "oneoff", _("一次性")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("待发")
    HELD = "held", _("暂缓发放")
    # Shown, never stored: a pending line of an issued roll is in the bank's hands (RollLine.shown_status).
    # Marking a million lines sent would cost a bulk UPDATE of the whole roll for no new fact.
    SENT = "sent", _("已报盘")
    PAID = "paid", _("已发放")
    FAILED = "failed", _("发放失败")


# A live line is one that is, or may still become, a payment. At most one per month paid for.
LIVE = (LineStatus.PENDING, LineStatus.SENT, LineStatus.PAID)


class RollLine(models.Model):
    """One payment of a roll: a snapshot written in bulk (a million a month in a large county) and updated
    in bulk twice (sent, then paid or failed). Every index and foreign-key check is paid a million times
    per step, so the table keeps only the indexes a query uses (partial where the query is about failed
    or held lines), and the database checks only the reference to its roll: the others (household,
    person, item, entitlement, application, account, area) are read by the generator in the same
    transaction that writes the line, are never deleted while a line points at them (PROTECT, enforced
    by the ORM) and are checked by a test over the whole table; see the README's design notes."""

    roll = models.ForeignKey(
        Roll, on_delete=models.CASCADE, related_name="lines", db_index=False, db_constraint=False
    )
    reference = models.CharField(_("流水号"), max_length=40)
    kind = models.CharField(_("类型"), max_length=10, choices=LineKind.choices)
    programme = models.CharField(_("项目"), max_length=40)
    item = models.ForeignKey(
        "intake.AssistanceItem",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # The household for a household programme, the person for a person programme.
    subject_id = models.BigIntegerField()
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    beneficiary = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    entitlement = models.ForeignKey(
        "benefits.Entitlement", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    application = models.ForeignKey(
        "intake.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    period = models.DateField(_("所属月份"))
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    township_code = models.CharField(max_length=20)
    gross = models.DecimalField(_("应发金额"), max_digits=12, decimal_places=2)
    deduction = models.DecimalField(_("抵扣追回款"), max_digits=12, decimal_places=2, default=0)
    amount = models.DecimalField(_("实发金额"), max_digits=12, decimal_places=2)
    # Payee snapshot taken when the line was made; later registry edits change nothing here.
    beneficiary_name = models.CharField(max_length=50)
    account = models.ForeignKey(
        PayeeAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    bank = models.CharField(max_length=20, blank=True)
    account_number = models.CharField(max_length=32, blank=True)
    holder_name = models.CharField(max_length=50, blank=True)
    holder_relation = models.CharField(max_length=12, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING
    )
    hold_reason = models.CharField(_("暂缓原因"), max_length=200, blank=True)
    fail_code = models.CharField(max_length=20, blank=True)
    fail_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    # A failed or held line is owed again (as arrears) once its cause is resolved.
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    # Derived by the database from status, for the indexes: no index names `status` itself, so the one
    # update a million lines get (pending → paid, at the bank's return) changes no indexed column and
    # PostgreSQL rewrites each row in place (a HOT update) instead of touching every index.
    # (Django takes a Q as a boolean expression here; the stubs ask for an Expression)
    live = models.GeneratedField(
        expression=Q(status__in=LIVE),  # type: ignore[arg-type]
        output_field=models.BooleanField(),
        db_persist=True,
    )
    problem = models.GeneratedField(
        expression=Q(status__in=[LineStatus.FAILED, LineStatus.HELD]),  # type: ignore[arg-type]
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["roll_id", "id"]
        indexes = [
            models.Index(fields=["roll"], name="payments_line_roll"),
            models.Index(fields=["household", "period"], name="payments_line_household"),
            # scoping (one equality on the area code; no LIKE index: prefixes are matched through areas)
            models.Index(fields=["area"], name="payments_line_area"),
            # the worklist and a replaced card's failed lines: small, untouched by pending → sent → paid
            models.Index(fields=["resolved"], condition=Q(problem=True), name="payments_line_open"),
            models.Index(fields=["account"], condition=Q(problem=True), name="payments_line_problem_account"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="payments_line_reference"),
            models.UniqueConstraint(
                fields=["programme", "subject_id", "period"],
                condition=Q(kind__in=["regular", "arrears"], live=True),
                name="payments_one_live_line_a_month",
            ),
            models.UniqueConstraint(
                fields=["application", "subject_id"],
                condition=Q(kind="oneoff", live=True),
                name="payments_one_live_oneoff",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(deduction__gte=0) & Q(gross__gte=0),
                name="payments_line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def shown_status(self) -> str:
        """The status as people see it: 已报盘 (sent) for a pending line of an issued roll."""
        if self.status == LineStatus.PENDING and self.roll.status == RollStatus.ISSUED:
            return LineStatus.SENT.value
        return str(self.status)

    @property
    def shown_status_label(self) -> str:
        return str(LineStatus(self.shown_status).label)


class TownshipCheck(models.Model):
    """A township's check of its part of a draft roll before the county locks it."""

    roll = models.ForeignKey(Roll, on_delete=models.CASCADE, related_name="township_checks")
    township = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)
    line_count = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.CharField(_("核对意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["township_id"]
        constraints = [models.UniqueConstraint(fields=["roll", "township"], name="payments_one_check")]

    def __str__(self) -> str:
        return f"{self.township_id} 核对 {self.roll_id}"


class BankFile(models.Model):
    """One bank batch file (报盘文件) of a roll; the same locked roll always gives the same bytes."""

    roll = models.ForeignKey(Roll, on_delete=models.PROTECT, related_name="bank_files")
    bank = models.CharField(max_length=20)
    filename = models.CharField(max_length=100)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    line_count = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["roll_id", "bank"]
        constraints = [models.UniqueConstraint(fields=["roll", "bank"], name="payments_one_file_a_bank")]

    def __str__(self) -> str:
        return self.filename


class LockedBankFile(models.Model):
    """A bank file rendered when its roll was locked (锁定 renders every file anyway, to refuse a roll
    whose names or accounts a bank's format cannot carry). 报盘 publishes these bytes as the roll's
    BankFile instead of rendering a million lines again; 退回草稿 discards them. Never shown to users."""

    roll = models.ForeignKey(Roll, on_delete=models.CASCADE, related_name="+")
    bank = models.CharField(max_length=20)
    filename = models.CharField(max_length=100)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    line_count = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["roll_id", "bank"]
        constraints = [
            models.UniqueConstraint(fields=["roll", "bank"], name="payments_one_locked_file_a_bank")
        ]

    def __str__(self) -> str:
        return self.filename


class BankReturn(models.Model):
    """An imported bank result file (回盘), applied whole or not at all."""

    bank_file = models.OneToOneField(BankFile, on_delete=models.PROTECT, related_name="bank_return")
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    paid_count = models.PositiveIntegerField()
    paid_total = models.DecimalField(max_digits=14, decimal_places=2)
    failed_count = models.PositiveIntegerField()
    failed_total = models.DecimalField(max_digits=14, decimal_places=2)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"回盘 {self.filename}"


class RecoveryBasis(models.TextChoices):
    FRAUD = "fraud", _("虚报、隐瞒、伪造骗取救助（社会救助暂行办法 第六十八条）")
    ERROR = "error", _("核定错误或情况变化未及时调整（多发待遇）")
    STAFF = "staff", _("工作人员截留、挪用（社会救助暂行办法 第六十七条）")


class Recovery(models.Model):
    """An overpayment to be recovered (追回) from a household: deducted from later payments in
    instalments (never below zero) or repaid. Its balance is recomputed from its entries."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("追回金额（元）"), max_digits=12, decimal_places=2)
    basis = models.CharField(_("追回依据"), max_length=10, choices=RecoveryBasis.choices)
    reason = models.CharField(_("追回原因"), max_length=500)
    document_number = models.CharField(_("决定文书编号"), max_length=100, blank=True)
    instalment = models.DecimalField(_("每月抵扣上限（元）"), max_digits=12, decimal_places=2)
    application = models.ForeignKey(
        "intake.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"追回 {self.amount}"


class RecoveryEntryKind(models.TextChoices):
    DEDUCTION = "deduction", _("从发放中抵扣")
    REPAYMENT = "repayment", _("本人退回")


class RecoveryEntry(models.Model):
    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=RecoveryEntryKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    line = models.OneToOneField(
        RollLine, null=True, blank=True, on_delete=models.PROTECT, related_name="recovery_entry"
    )
    on = models.DateField()
    receipt_number = models.CharField(_("缴款凭证号"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    NO_PHONE = "no_phone", _("无手机号")


class PaymentNotice(models.Model):
    """An SMS-ready payment notice (到账短信) for a paid line, in the outbox of the county's gateway."""

    line = models.OneToOneField(
        RollLine, on_delete=models.CASCADE, related_name="notice", db_constraint=False
    )
    phone = models.CharField(max_length=20, blank=True)
    text = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "id"], name="payments_notice_status")]

    def __str__(self) -> str:
        return self.text


class PublicList(models.Model):
    """The published list (公布) of one village and month: name partly hidden, household size,
    programme, amount (审核确认办法 第二十四条). Rows are frozen when published."""

    village = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    roll = models.ForeignKey(Roll, on_delete=models.PROTECT, related_name="public_lists")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-month", "village_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "month"],
                condition=Q(withdrawn_at__isnull=True),
                name="payments_one_public_list",
            )
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.month:%Y-%m}"


class PublicListEntry(models.Model):
    public_list = models.ForeignKey(PublicList, on_delete=models.CASCADE, related_name="entries")
    masked_name = models.CharField(max_length=50)
    household_size = models.PositiveSmallIntegerField()
    programme_name = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.masked_name} {self.amount}"
