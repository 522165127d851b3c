"""Export of a household search to .xlsx, one row per member, with ID numbers and phones always masked.

Streams: openpyxl write-only mode and one values() query iterated in chunks, so 100,000 rows need
neither the ORM objects nor the whole sheet in memory.
"""

from __future__ import annotations

import io
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core.masking import mask_id_number, mask_phone
from dajiuzhu.registry.choices import (
    ADL_ITEMS,
    DisabilityType,
    Employment,
    HukouType,
    LabourCapacity,
    Relation,
    ResidenceType,
    SchoolStage,
    Sex,
)
from dajiuzhu.registry.models import Household, Person
from dajiuzhu.registry.selectors import household_search

CHUNK = 2000
MASK_NOTE = "说明：身份证号码、电话已脱敏"


def _labels(choices: Any) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices.choices}


def _choice(choices: Any) -> Any:
    labels = _labels(choices)
    return lambda v: labels.get(v, v or "")


def _yes_no(v: Any) -> str:
    return "是" if v else "否"


def _can(v: Any) -> str:
    return "能" if v else "不能"


def _text(v: Any) -> Any:
    return v if v is not None else ""


# (header, values() field, how to turn the value into a cell)
COLUMNS: list[tuple[str, str, Any]] = [
    ("户编号", "household__number", _text),
    ("区划代码", "household__area_id", _text),
    ("区划", "household__area__full_name", _text),
    ("住址", "household__address", _text),
    ("城乡类别", "household__residence_type", _choice(ResidenceType)),
    ("户口性质", "household__hukou_type", _choice(HukouType)),
    ("人口数", "household__member_count", lambda v: v),
    ("姓名", "name", _text),
    ("身份证号码", "id_number", mask_id_number),
    ("性别", "sex", _choice(Sex)),
    ("出生日期", "birth_date", lambda v: v.isoformat() if v else ""),
    ("与户主关系", "relation", _choice(Relation)),
    ("联系电话", "phone", mask_phone),
    ("残疾类别", "disability_type", _choice(DisabilityType)),
    ("残疾等级", "disability_grade", lambda v: f"{v}级" if v else ""),
    ("劳动能力", "labour_capacity", _choice(LabourCapacity)),
    ("就业状况", "employment", _choice(Employment)),
    ("在读学段", "school_stage", _choice(SchoolStage)),
    ("患重特大疾病", "serious_illness", _yes_no),
    ("病种", "illness_note", _text),
    *[(f"生活自理-{label}", f, _can) for f, label in ADL_ITEMS],
    ("已死亡", "is_deceased", _yes_no),
]


def _households(
    actor: Any, queryset_or_filters: QuerySet[Household] | dict[str, Any] | None
) -> QuerySet[Household]:
    if isinstance(queryset_or_filters, QuerySet):
        # Whatever the caller built, never let it reach past the actor's area.
        return queryset_or_filters.filter(user_scope_q(actor))
    filters = queryset_or_filters or {}
    return household_search(
        user=actor,
        q=str(filters.get("q") or ""),
        area_code=str(filters.get("area") or ""),
        residence_type=str(filters.get("residence_type") or ""),
    )


def _describe(queryset_or_filters: Any) -> str:
    if isinstance(queryset_or_filters, QuerySet):
        return "自定义查询"
    filters = queryset_or_filters or {}
    parts = [
        f"{label}={filters[key]}"
        for key, label in (("q", "关键词"), ("area", "区划"), ("residence_type", "城乡类别"))
        if filters.get(key)
    ]
    return "；".join(parts) or "全部"


def _inert(sheet: Any, value: Any) -> Any:
    """Text starting with '=' would be written as a formula by openpyxl; keep it plain text."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def households_export(
    *, actor: Any, queryset_or_filters: QuerySet[Household] | dict[str, Any] | None
) -> bytes:
    """All members of the households matched, as .xlsx bytes. Audited (filters and row count)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    user_require(actor, Capability.REGISTRY_EXPORT)
    households = _households(actor, queryset_or_filters)
    members = (
        Person.objects.filter(household_id__in=households.order_by().values("pk"))
        .order_by("household__number", "id")
        .values_list(*[f for _h, f, _c in COLUMNS])
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("家庭成员")
    for position, (header, _f, _c) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = max(8, len(header) * 2 + 2)
    now = timezone.localtime()
    sheet.append(
        [
            f"{MASK_NOTE}。导出人：{actor.username}；导出时间：{now:%Y-%m-%d %H:%M}；"
            f"条件：{_describe(queryset_or_filters)}"
        ]
    )
    sheet.append([h for h, _f, _c in COLUMNS])
    converters = [c for _h, _f, c in COLUMNS]
    count = 0
    for row in members.iterator(chunk_size=CHUNK):
        cells = [convert(value) for convert, value in zip(converters, row, strict=True)]
        sheet.append([_inert(sheet, c) for c in cells])
        count += 1
    out = io.BytesIO()
    workbook.save(out)
    description = _describe(queryset_or_filters)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        subject_type="household",
        subject_label="家庭成员导出",
        area_code=getattr(actor, "area_id", "") or "",
        after={"filters": description, "rows": count},
        note=f"导出家庭成员：条件 {description}；共{count}行"[:500],
    )
    return out.getvalue()
