"""Errors of the payments app: stable codes (clients match on `code`), Chinese messages."""

from dajiuzhu.core.errors import Conflict, ValidationFailed


class RollNotInStatus(Conflict):
    code = "roll_wrong_status"
    default_message = "发放名册当前状态不允许此操作"


class RollMonthClosed(Conflict):
    code = "roll_month_closed"
    default_message = "该月发放名册已锁定或关闭，不能重新生成"


class RollOrder(Conflict):
    code = "roll_order"
    default_message = "发放名册须按月份顺序编制"


class SameApprover(ValidationFailed):
    code = "roll_same_person"
    default_message = "复核（审批）人不能是名册的编制人或锁定人"


class BudgetExceeded(ValidationFailed):
    code = "budget_exceeded"
    default_message = "本名册金额超出剩余资金指标"


class SnapshotChanged(Conflict):
    code = "roll_snapshot_changed"
    default_message = "名册锁定后的内容被改动，已拒绝操作，请联系系统管理员"


class ReturnRefused(ValidationFailed):
    code = "bank_return_refused"
    default_message = "回盘文件有误，未导入任何记录"


class ReturnAlreadyImported(Conflict):
    code = "bank_return_duplicate"
    default_message = "该报盘文件的回盘已经导入"


class AccountNotFound(ValidationFailed):
    code = "account_missing"
    default_message = "未登记收款账户"
