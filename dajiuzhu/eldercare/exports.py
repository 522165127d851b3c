"""Excel exports of elderly care (the same rows as the pages), each audited as an export."""

from __future__ import annotations

import io
from typing import Any

from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, months
from dajiuzhu.eldercare.selectors import CareDashboard

COLUMNS = [
    ("已评估老年人", "elders_assessed"), ("中度以上失能", "disabled"), ("应享免费服务（分钟）", "entitled_minutes"),
    ("已提供服务（分钟）", "delivered_minutes"), ("完成上门服务（次）", "visits"), ("按计划日期签到（次）", "on_time"),
    ("异常工单", "exceptions"),
]  # fmt: skip


def dashboard_xlsx(*, user: Any, board: CareDashboard, ip: str | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("养老服务统计")
    area = getattr(user, "area", None)
    sheet.append(
        [
            f"养老服务统计（{getattr(area, 'full_name', '') or getattr(area, 'name', '')}，{months.label(board.month)}）"
        ]
    )
    sheet.append([f"导出人：{user.username}；导出时间：{clock.now():%Y-%m-%d %H:%M}（UTC）"])
    sheet.append(["区域", *[h for h, _ in COLUMNS]])
    for row in [*board.rows, board.total]:
        sheet.append([row.name, *[getattr(row, f) for _, f in COLUMNS]])
    sheet.append([])
    sheet.append(["护理类型", "床位", "在住", "空床", "预留", "维修"])
    for b in board.beds:
        sheet.append([b.label, b.beds, b.occupied, b.free, b.reserved, b.maintenance])
    out = io.BytesIO()
    workbook.save(out)
    audit_record(
        actor=user, action=AuditAction.EXPORT, subject_type="eldercare.dashboard", subject_label="养老服务统计导出",
        area_code=getattr(area, "code", "") or "", note=f"导出养老服务统计：{months.label(board.month)}", ip=ip,
    )  # fmt: skip
    return out.getvalue()
