"""Roles and what each may do. Capabilities are checked in services and selectors, never in templates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_ASSISTANT = "village_assistant", _("村（社区）协理员")
    GRID_WORKER = "grid_worker", _("网格员")
    TOWNSHIP_REVIEWER = "township_reviewer", _("乡镇（街道）审核员")
    COUNTY_APPROVER = "county_approver", _("县级审批员")
    DEPARTMENT_WINDOW = "department_window", _("部门窗口")
    CITY_ANALYST = "city_analyst", _("市级分析员")
    AUDITOR = "auditor", _("审计员")
    SYSADMIN = "sysadmin", _("系统管理员")
    CARER = "carer", _("护理员")


class Capability(models.TextChoices):
    REGISTRY_READ = "registry_read", _("查看困难群众数据库")
    REGISTRY_WRITE = "registry_write", _("维护家庭和成员信息")
    REGISTRY_IMPORT = "registry_import", _("批量导入")
    REGISTRY_EXPORT = "registry_export", _("导出")
    REVEAL_PII = "reveal_pii", _("查看完整身份证号和电话")
    AUDIT_READ = "audit_read", _("查看审计日志")
    USER_ADMIN = "user_admin", _("管理用户")
    PARAMETER_ADMIN = "parameter_admin", _("维护政策参数")
    ASSESS_CHECK = "assess_check", _("即时核对")
    ASSESS_RUN = "assess_run", _("全量研判")
    ASSESS_WHATIF = "assess_whatif", _("标准调整模拟")
    INTAKE_FILE = "intake_file", _("受理/申报救助申请")
    INTAKE_PROCESS = "intake_process", _("办理审核审批环节")
    CATALOGUE_ADMIN = "catalogue_admin", _("维护救助事项目录")
    VERIFY_REQUEST = "verify_request", _("发起家庭经济状况核对")
    VERIFY_ADMIN = "verify_admin", _("管理核对数据源和数据交换")
    MONITOR_READ = "monitor_read", _("查看动态监测预警")
    MONITOR_VISIT = "monitor_visit", _("办理预警走访任务")
    MONITOR_ADMIN = "monitor_admin", _("维护预警规则和数据接入")
    PAY_READ = "pay_read", _("查看资金发放")
    PAY_ACCOUNT = "pay_account", _("维护收款账户")
    REVEAL_ACCOUNT = "reveal_account", _("查看完整银行账号")
    PAY_CHECK = "pay_check", _("乡镇核对发放名册")
    PAY_PREPARE = "pay_prepare", _("编制、锁定发放名册，报盘和回盘")
    PAY_APPROVE = "pay_approve", _("审批发放名册（复核人）")
    PAY_ADMIN = "pay_admin", _("维护资金指标、追回和公布")
    ELDER_READ = "elder_read", _("查看养老服务")
    ELDER_ASSESS = "elder_assess", _("录入和查看老年人能力评估")
    ELDER_ADMIN = "elder_admin", _("维护养老机构、床位和入住")
    ELDER_ORDER = "elder_order", _("受理居家上门服务（12349）和回访")
    CARE_VISIT = "care_visit", _("护理员上门服务签到签退")


_C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.VILLAGE_ASSISTANT: frozenset(
        {_C.REGISTRY_READ, _C.REGISTRY_WRITE, _C.REGISTRY_EXPORT, _C.REVEAL_PII}
    ),
    Role.GRID_WORKER: frozenset({_C.REGISTRY_READ, _C.REGISTRY_WRITE, _C.REVEAL_PII}),
    Role.TOWNSHIP_REVIEWER: frozenset(
        {_C.REGISTRY_READ, _C.REGISTRY_WRITE, _C.REGISTRY_IMPORT, _C.REGISTRY_EXPORT, _C.REVEAL_PII}
    ),
    Role.COUNTY_APPROVER: frozenset(
        {
            _C.REGISTRY_READ,
            _C.REGISTRY_WRITE,
            _C.REGISTRY_IMPORT,
            _C.REGISTRY_EXPORT,
            _C.REVEAL_PII,
            _C.PARAMETER_ADMIN,
        }
    ),
    Role.DEPARTMENT_WINDOW: frozenset({_C.REGISTRY_READ, _C.REVEAL_PII}),
    # Analysts work on aggregates; they see masked records and never reveal.
    Role.CITY_ANALYST: frozenset({_C.REGISTRY_READ, _C.REGISTRY_EXPORT}),
    Role.AUDITOR: frozenset({_C.REGISTRY_READ, _C.AUDIT_READ}),
    Role.SYSADMIN: frozenset(
        {
            _C.REGISTRY_READ,
            _C.REGISTRY_WRITE,
            _C.REGISTRY_IMPORT,
            _C.REGISTRY_EXPORT,
            _C.AUDIT_READ,
            _C.USER_ADMIN,
            _C.PARAMETER_ADMIN,
        }
    ),
}


# The instant check serves everyone who receives applicants; the registry-wide run is the county's;
# what-if simulations are for county approvers and the city's analysts (they change no live data).
_ASSESSMENT: dict[str, set[str]] = {
    Role.VILLAGE_ASSISTANT: {_C.ASSESS_CHECK},
    Role.GRID_WORKER: {_C.ASSESS_CHECK},
    Role.TOWNSHIP_REVIEWER: {_C.ASSESS_CHECK},
    Role.COUNTY_APPROVER: {_C.ASSESS_CHECK, _C.ASSESS_RUN, _C.ASSESS_WHATIF},
    Role.DEPARTMENT_WINDOW: {_C.ASSESS_CHECK},
    Role.CITY_ANALYST: {_C.ASSESS_WHATIF},
    Role.SYSADMIN: {_C.ASSESS_RUN, _C.ASSESS_WHATIF},
}
for _role, _caps in _ASSESSMENT.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)


# One window (一窗受理): everyone who receives people files applications; each workflow step is then
# taken by the level the step belongs to (intake.workflow decides which), the county keeps the catalogue.
_INTAKE: dict[str, set[str]] = {
    Role.VILLAGE_ASSISTANT: {_C.INTAKE_FILE, _C.INTAKE_PROCESS},
    Role.GRID_WORKER: {_C.INTAKE_FILE, _C.INTAKE_PROCESS},
    Role.TOWNSHIP_REVIEWER: {_C.INTAKE_FILE, _C.INTAKE_PROCESS},
    Role.COUNTY_APPROVER: {_C.INTAKE_FILE, _C.INTAKE_PROCESS, _C.CATALOGUE_ADMIN},
    Role.DEPARTMENT_WINDOW: {_C.INTAKE_FILE, _C.INTAKE_PROCESS},
    Role.SYSADMIN: {_C.CATALOGUE_ADMIN},
}
for _role, _caps in _INTAKE.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)


# Verification (核对) is requested by townships and run by the county's checking centre; monitoring
# warnings are visited by grid and village workers, triaged by townships, configured by the county.
_VERIFY_MONITOR: dict[str, set[str]] = {
    Role.VILLAGE_ASSISTANT: {_C.MONITOR_READ, _C.MONITOR_VISIT},
    Role.GRID_WORKER: {_C.MONITOR_READ, _C.MONITOR_VISIT},
    Role.TOWNSHIP_REVIEWER: {_C.VERIFY_REQUEST, _C.MONITOR_READ, _C.MONITOR_VISIT},
    Role.COUNTY_APPROVER: {_C.VERIFY_REQUEST, _C.VERIFY_ADMIN, _C.MONITOR_READ, _C.MONITOR_ADMIN},
    Role.CITY_ANALYST: {_C.MONITOR_READ},
    Role.SYSADMIN: {_C.VERIFY_ADMIN, _C.MONITOR_ADMIN},
}
for _role, _caps in _VERIFY_MONITOR.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)


def role_has(role: str, capability: str) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())


# Payments (资金发放): villages keep the payees' accounts and fix failed ones, townships check their part
# of a draft roll, the county prepares, approves (a second person), issues and reconciles; auditors and
# the city's analysts read. Approving needs a different user from the one who prepared (services).
_PAYMENTS: dict[str, set[str]] = {
    Role.VILLAGE_ASSISTANT: {_C.PAY_READ, _C.PAY_ACCOUNT, _C.REVEAL_ACCOUNT},
    Role.GRID_WORKER: {_C.PAY_READ},
    Role.TOWNSHIP_REVIEWER: {_C.PAY_READ, _C.PAY_ACCOUNT, _C.REVEAL_ACCOUNT, _C.PAY_CHECK},
    Role.COUNTY_APPROVER: {
        _C.PAY_READ,
        _C.PAY_ACCOUNT,
        _C.REVEAL_ACCOUNT,
        _C.PAY_PREPARE,
        _C.PAY_APPROVE,
        _C.PAY_ADMIN,
    },
    Role.CITY_ANALYST: {_C.PAY_READ},
    Role.AUDITOR: {_C.PAY_READ},
}
for _role, _caps in _PAYMENTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)


# Elderly care (养老服务): everyone who serves elders sees their level and care zone; assessments are
# recorded by the township and the county (or the third-party assessors they commission, as users of
# those levels), who alone see the item scores and diagnoses behind a level. The county's 养老 section
# keeps its institutions, beds and admissions.
_ELDERCARE: dict[str, set[str]] = {
    Role.VILLAGE_ASSISTANT: {_C.ELDER_READ, _C.ELDER_ORDER},
    Role.GRID_WORKER: {_C.ELDER_READ, _C.ELDER_ORDER},
    Role.TOWNSHIP_REVIEWER: {_C.ELDER_READ, _C.ELDER_ASSESS, _C.ELDER_ORDER},
    Role.COUNTY_APPROVER: {_C.ELDER_READ, _C.ELDER_ASSESS, _C.ELDER_ADMIN, _C.ELDER_ORDER},
    Role.CITY_ANALYST: {_C.ELDER_READ},
    Role.AUDITOR: {_C.ELDER_READ},
}
# A provider's carer sees only the visits assigned to them (eldercare.homecare), nothing of the registry.
ROLE_CAPABILITIES[Role.CARER] = frozenset({_C.CARE_VISIT})
for _role, _caps in _ELDERCARE.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | frozenset(_caps)
