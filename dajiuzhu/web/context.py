"""Template context shared by every page: the navigation the current user may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if user.can("care_visit") and not user.can("registry_read"):
        return {"nav_items": [("eldercare:carer_today", "今日上门服务")]}  # a provider's carer: nothing else
    items = [("web:home", "工作台"), ("registry:household_list", "困难群众数据库")]
    if user.can("intake_file"):
        items.append(("intake:start", "一窗受理"))
    if user.can("intake_process"):
        items.append(("intake:queue", "待办"))
        items.append(("intake:applications", "申请查询"))
        items.append(("intake_dynamic:index", "动态管理"))
    if user.can("assess_check"):
        items.append(("assessment:check", "即时核对"))
    if user.can("registry_import"):
        items.append(("registry:import", "批量导入"))
    if user.can("assess_run") or user.can("assess_whatif"):
        items.append(("assessment:runs", "批量研判"))
    items.append(("notices:browse", "公示公告"))
    # Every logged-in user may read the standards in force for their area.
    items.append(("parameters:list", "政策参数"))
    if user.can("monitor_visit"):
        items.append(("monitoring:tasks", "走访任务"))
    if user.can("monitor_read"):
        items.append(("monitoring:dashboard", "动态监测"))
    if user.can("pay_read"):
        items.append(("payments:rolls", "资金发放"))
    if user.can("pay_account") and not user.can("pay_prepare"):
        items.append(("payments:worklist", "发放问题"))
    if user.can("elder_read"):
        items.append(("eldercare:institutions", "养老服务"))
    if user.can("elder_order"):
        items.append(("eldercare:orders", "居家服务工单"))
    if user.can("care_visit"):
        items.append(("eldercare:carer_today", "今日上门服务"))
    if user.can("verify_request") or user.can("verify_admin"):
        items.append(("verification:index", "经济状况核对"))
    if user.can("catalogue_admin"):
        items.append(("intake:catalogue", "事项目录"))
    if user.can("audit_read"):
        items.append(("audit:search", "审计日志"))
    if user.can("user_admin"):
        items.append(("manage:users", "用户管理"))
    return {"nav_items": items}
