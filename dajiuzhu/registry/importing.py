"""Bulk import of households and their members from .xlsx/.csv, one row per person.

All or nothing: every row is checked first and every problem is reported with its spreadsheet row
number; only a clean file is written, in one transaction, with bulk inserts and one audit row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.areas.models import Area, AreaLevel
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, idnumber, leases
from dajiuzhu.core.errors import ErrorReport, FieldError, ValidationFailed
from dajiuzhu.registry.choices import (
    ADL_ITEMS,
    DisabilityType,
    Employment,
    HukouType,
    LabourCapacity,
    Relation,
    ResidenceType,
    SchoolStage,
)
from dajiuzhu.registry.errors import DuplicateIdNumber
from dajiuzhu.registry.models import Household, HouseholdImport, ImportStatus, Membership, Person
from dajiuzhu.registry.selectors import duplicate_id_audit, duplicate_id_message
from dajiuzhu.registry.validation import PERSON_LABELS, clean_household, clean_person

log = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = (".xlsx", ".csv")
ID_CHUNK = 1000
HEADER_SEARCH_ROWS = 10  # a title line above the header is common in hand-made sheets
REPORT_DIR_NAME = "import_reports"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    household_level: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


def _choice_help(choices: Any) -> str:
    return "、".join(str(label) for value, label in choices.choices if value != "")


COLUMNS: list[Column] = [
    Column(
        "temp_no",
        "户编号",
        True,
        True,
        ("临时户号", "户号", "家庭编号", "户编号(临时户号)"),
        "临时户号：同一户的成员填写相同的户号（如 1、2、3），导入后系统按村（社区）自动生成正式户编号",
    ),
    Column(
        "area",
        "所属区划代码",
        True,
        True,
        ("区划代码", "所属区划", "所属村(社区)/网格", "行政区划代码"),
        "村（社区）或网格的12位/15位统计用区划代码，须在您的管辖范围内",
    ),
    Column("address", "住址", True, True, ("家庭住址", "地址"), "不超过200个字"),
    Column("residence_type", "城乡类别", True, True, ("城乡",), _choice_help(ResidenceType)),
    Column("hukou_type", "户口性质", True, True, ("户籍性质",), _choice_help(HukouType)),
    Column("name", "姓名", True, aliases=("成员姓名",), help="不超过50个字"),
    Column(
        "id_number",
        "身份证号码",
        True,
        aliases=("身份证号", "公民身份号码", "证件号码"),
        help="18位（或15位旧号码），请将此列设置为“文本”格式，以免Excel把号码变成科学计数法；性别和出生日期由号码自动生成",
    ),
    Column(
        "relation",
        "与户主关系",
        True,
        aliases=("与户主的关系", "家庭关系"),
        help=f"每户必须有且只有一名户主。可选：{_choice_help(Relation)}",
    ),
    Column(
        "phone",
        "联系电话",
        False,
        aliases=("电话", "手机号", "手机号码", "联系方式"),
        help="手机号或固定电话，可不填",
    ),
    Column("disability_type", "残疾类别", False, help=f"无残疾不填。可选：{_choice_help(DisabilityType)}"),
    Column("disability_grade", "残疾等级", False, help="1、2、3、4（或一级至四级）；填写了残疾类别时必填"),
    Column(
        "labour_capacity", "劳动能力", False, help=f"不填视为有劳动能力。可选：{_choice_help(LabourCapacity)}"
    ),
    Column("employment", "就业状况", False, help=f"不填视为不适用。可选：{_choice_help(Employment)}"),
    Column("school_stage", "在读学段", False, help=f"非在校不填。可选：{_choice_help(SchoolStage)}"),
    Column("serious_illness", "患重特大疾病", False, help="是 / 否，不填视为否"),
    Column("illness_note", "病种", False, help="不超过100个字"),
    *[
        Column(
            f,
            PERSON_LABELS[f],
            False,
            aliases=(f"生活自理{label}", f"能否{label}"),
            help="能 / 不能（或 是 / 否），不填视为能",
        )
        for f, label in ADL_ITEMS
    ],
    Column("note", "家庭备注", False, True, ("备注",), "不超过500个字"),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HOUSEHOLD_KEYS = ["area", "address", "residence_type", "hukou_type", "note"]


class ImportFileInvalid(ValidationFailed):
    """The file as a whole cannot be read (size, type, encoding, layout); no row was looked at."""

    code = "import_file_invalid"


def _refuse(message: str) -> ImportFileInvalid:
    return ImportFileInvalid(message, errors=[FieldError(field="文件", message=message)])


def _norm_header(text: Any) -> str:
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = re.sub(r"\s+", "", value).replace("*", "")
    for dash in ("—", "–", "_", "－", "―"):
        value = value.replace(dash, "-")
    return value


_HEADER_INDEX: dict[str, str] = {}
for _col in COLUMNS:
    for _name in (_col.header, *_col.aliases):
        _HEADER_INDEX.setdefault(_norm_header(_name), _col.key)


def _match_header(text: Any) -> str | None:
    norm = _norm_header(text)
    if not norm:
        return None
    if norm in _HEADER_INDEX:
        return _HEADER_INDEX[norm]
    # "身份证号码(必填)", "户编号(临时户号)": ignore a trailing hint in brackets.
    stripped = re.sub(r"\(.*\)$", "", norm)
    return _HEADER_INDEX.get(stripped)


@dataclass
class ParsedRow:
    number: int  # as shown in the spreadsheet; the header is row 1 in the template
    values: dict[str, Any]
    raw: list[str]


@dataclass
class ParsedFile:
    filename: str
    header: list[str]
    columns: dict[str, int]
    rows: list[ParsedRow]


@dataclass
class ImportResult:
    ok: bool
    households: int = 0
    persons: int = 0
    numbers: list[str] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    row_values: dict[int, list[str]] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return len(self.errors)


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _decode_csv(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    else:
        # Excel on Chinese Windows saves "CSV" in GBK; GB18030 is its superset.
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise _refuse(
        "无法识别CSV文件的文字编码，请在Excel中“另存为”Excel工作簿（.xlsx）"
        "或“CSV UTF-8（逗号分隔）”后重新上传"
    )


def _csv_rows(content: bytes) -> list[list[Any]]:
    text = _decode_csv(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # some tools write a wrong <dimension>; read what is really there
            return [list(r) for r in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except Exception as exc:  # a damaged upload must give a message, never a stack trace
        log.info("unreadable xlsx upload: %r", exc)
        raise _refuse(
            "文件已损坏或不是有效的Excel工作簿（.xlsx），请用Excel打开确认后重新保存再上传"
        ) from exc


def import_parse(*, filename: str, content: bytes) -> ParsedFile:
    """Read the upload into header + rows. Raises ImportFileInvalid for a file that cannot be used."""
    limit = settings.DAJIUZHU_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise _refuse(f"文件大小超过上限（{limit / 1024 / 1024:.0f} MB），请拆分成多个文件分批导入")
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xls":
        raise _refuse("不支持旧版 .xls 文件，请在Excel中“另存为”Excel工作簿（.xlsx）后上传")
    if suffix not in ALLOWED_EXTENSIONS:
        raise _refuse("只能上传 .xlsx 或 .csv 文件，请使用导入模板")
    if not content:
        raise _refuse("文件是空的")
    table = _xlsx_rows(content) if suffix == ".xlsx" else _csv_rows(content)

    header_index = None
    for i, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        keys = {_match_header(cell) for cell in row}
        if "id_number" in keys and "name" in keys:
            header_index = i
            break
    if header_index is None:
        header_index = 0
    header_cells = table[header_index] if table else []
    columns: dict[str, int] = {}
    for position, cell in enumerate(header_cells):
        key = _match_header(cell)
        if key is not None and key not in columns:
            columns[key] = position
    missing = [c.header for c in COLUMNS if c.required and c.key not in columns]
    if missing:
        raise _refuse(f"缺少必填列：{'、'.join(missing)}。请使用导入模板，第一行为列名")

    header = [_display(c) for c in header_cells]
    rows: list[ParsedRow] = []
    for offset, cells in enumerate(table[header_index + 1 :]):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        values = {key: (cells[pos] if pos < len(cells) else None) for key, pos in columns.items()}
        rows.append(
            ParsedRow(
                number=header_index + 2 + offset,
                values=values,
                raw=[_display(c) for c in cells[: len(header)]],
            )
        )
    if not rows:
        raise _refuse("文件中没有数据行")
    return ParsedFile(filename=filename, header=header, columns=columns, rows=rows)


def _nfkc(value: Any) -> Any:
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


@dataclass
class _Group:
    temp_no: str
    first_row: int
    household: dict[str, Any]
    area_code: str
    rows: list[int] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)


def _check_household_fields(
    row: ParsedRow, group: _Group, raw_house: dict[str, Any], report: ErrorReport
) -> None:
    """Later rows of a household may leave household columns blank; what they do fill must agree."""
    for key in ("address", "residence_type", "hukou_type", "note"):
        value = raw_house.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        scratch = ErrorReport()
        cleaned = clean_household({key: value}, scratch, row=row.number, partial=True)
        if scratch:
            report.errors.extend(scratch.errors)
        elif cleaned.get(key) != group.household.get(key):
            label = COLUMN_BY_KEY[key].header
            report.add(
                label, f"与同一户（户号{group.temp_no}）第{group.first_row}行填写的不一致", row=row.number
            )
    area = str(_nfkc(raw_house.get("area")) or "").strip()
    if area and area != group.area_code:
        report.add(
            "所属区划代码",
            f"与同一户（户号{group.temp_no}）第{group.first_row}行填写的不一致",
            row=row.number,
        )


def _validate(actor: Any, parsed: ParsedFile, report: ErrorReport) -> tuple[list[_Group], dict[str, Area]]:
    groups: dict[str, _Group] = {}
    id_rows: dict[str, int] = {}
    for row in parsed.rows:
        v = {
            k: _nfkc(val) if k in ("temp_no", "area", "id_number", "phone") else val
            for k, val in row.values.items()
        }
        raw_id = v.get("id_number")
        if isinstance(raw_id, float) and raw_id >= 2**53:
            report.add(
                "身份证号码",
                "号码被Excel存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写",
                row=row.number,
            )
            v["id_number"] = None
            person = clean_person(
                {k: v.get(k) for k in PERSON_LABELS if k != "id_number"}, report, row=row.number, partial=True
            )
        else:
            if isinstance(raw_id, int | float):
                v["id_number"] = _display(raw_id)
            person = clean_person(v, report, row=row.number)
        temp_no = _display(v.get("temp_no"))
        if not temp_no:
            report.add("户编号", "不能为空（同一户的成员填写相同的临时户号）", row=row.number)
            continue
        raw_house = {k: v.get(k) for k in HOUSEHOLD_KEYS}
        group = groups.get(temp_no)
        if group is None:
            house = clean_household(raw_house, report, row=row.number)
            area_code = str(v.get("area") or "").strip()
            if not area_code:
                report.add("所属区划代码", "不能为空", row=row.number)
            group = groups[temp_no] = _Group(
                temp_no=temp_no, first_row=row.number, household=house, area_code=area_code
            )
        else:
            _check_household_fields(row, group, raw_house, report)
        number = person.get("id_number")
        if number:
            if number in id_rows:
                report.add(
                    "身份证号码", f"{number[:4]}…{number[-4:]} 与第{id_rows[number]}行重复", row=row.number
                )
            else:
                id_rows[number] = row.number
        group.rows.append(row.number)
        group.people.append(person)

    for group in groups.values():
        heads = [
            r for r, p in zip(group.rows, group.people, strict=True) if p.get("relation") == Relation.HEAD
        ]
        if not heads:
            report.add(
                "与户主关系", f"户号{group.temp_no}没有户主，一户必须有且只有一名户主", row=group.first_row
            )
        for extra in heads[1:]:
            report.add(
                "与户主关系", f"户号{group.temp_no}已在第{heads[0]}行登记户主，一户只能有一名户主", row=extra
            )

    areas = _resolve_areas(actor, groups.values(), report)
    _check_existing_ids(id_rows, report, actor)
    return list(groups.values()), areas


def _resolve_areas(actor: Any, groups: Any, report: ErrorReport) -> dict[str, Area]:
    groups = list(groups)
    codes = {g.area_code for g in groups if g.area_code}
    found = {a.code: a for a in Area.objects.filter(code__in=codes)}
    user_area = getattr(actor, "area", None)
    usable: dict[str, Area] = {}
    for group in groups:
        code = group.area_code
        if not code:
            continue
        area = found.get(code)
        if area is None:
            report.add("所属区划代码", f"区划代码“{code}”不存在", row=group.first_row)
        elif area.level < AreaLevel.VILLAGE:
            report.add(
                "所属区划代码",
                f"“{area.full_name or area.name}”不是村（社区）或网格，家庭必须登记到村（社区）",
                row=group.first_row,
            )
        elif user_area is None or not area.is_within(user_area):
            report.add(
                "所属区划代码", f"“{area.full_name or area.name}”不在您的管辖范围内", row=group.first_row
            )
        else:
            usable[code] = area
    return usable


def _check_existing_ids(id_rows: dict[str, int], report: ErrorReport, actor: Any = None) -> None:
    numbers = list(id_rows)
    registered: list[str] = []
    for start in range(0, len(numbers), ID_CHUNK):
        chunk = numbers[start : start + ID_CHUNK]
        existing = Person.objects.filter(id_number__in=chunk).values_list("id_number", flat=True)
        for number in existing:
            # Never where (household number, area): the clerk is told how to ask for a transfer.
            report.add("身份证号码", duplicate_id_message(number), row=id_rows[number])
            registered.append(number)
    if registered and actor is not None:
        duplicate_id_audit(actor, numbers=sorted(registered)[:20], context=f"批量导入（{len(registered)}人）")


def households_import(*, actor: Any, content: bytes, filename: str) -> ImportResult:
    """Validate the whole file; if clean, create every household and member in one transaction.

    The upload is recorded (HouseholdImport) while it runs: DONE in the very transaction that writes
    its rows, REJECTED with its errors, FAILED when it stops on the way; a process killed meanwhile
    leaves it RUNNING with nothing written, and `imports_recover` fails it (it can be uploaded again).
    A file this area has imported already is refused, so a clerk who re-uploads after a lost
    response is told, and nothing is imported twice."""
    user_require(actor, Capability.REGISTRY_IMPORT)
    job = _job_start(actor, filename, content)
    try:
        with leases.Heartbeat(lambda: _job_beat(job)):
            parsed = import_parse(filename=filename, content=content)
            HouseholdImport.objects.filter(pk=job.pk).update(rows=len(parsed.rows))
            result = _import_parsed(actor, parsed, job)
    except ValidationFailed as exc:
        _job_end(job, ImportStatus.FAILED, error=exc.message)
        raise
    except BaseException:
        _job_end(job, ImportStatus.FAILED, error="导入时发生内部错误，本次没有导入任何数据，请重新上传")
        raise
    if not result.ok:
        _job_end(job, ImportStatus.REJECTED, error_count=result.error_count)
    return result


def _import_parsed(actor: Any, parsed: ParsedFile, job: HouseholdImport) -> ImportResult:
    report = ErrorReport()
    groups, areas = _validate(actor, parsed, report)
    if report:
        errors = sorted(report.errors, key=lambda e: e.row or 0)
        bad_rows = {e.row for e in errors if e.row is not None}
        return ImportResult(
            ok=False,
            errors=errors,
            header=parsed.header,
            row_values={r.number: r.raw for r in parsed.rows if r.number in bad_rows},
        )
    return _insert(actor, parsed, groups, areas, job=job)


# --- the record of each upload, and recovery of one whose process was killed --------------------------

IMPORT_INTERRUPTED = (
    "导入过程中处理进程意外中断（进程被终止或服务器重启），本次没有导入任何数据，请重新上传该文件。"
)


class ImportInterrupted(ValidationFailed):
    """This import was failed by recovery while it was still being written (its lease was lost)."""

    code = "import_interrupted"


def _job_start(actor: Any, filename: str, content: bytes) -> HouseholdImport:
    imports_recover()
    digest = hashlib.sha256(content).hexdigest()
    area_code = getattr(actor, "area_id", "") or ""
    done = HouseholdImport.objects.filter(
        area_code=area_code, sha256=digest, status=ImportStatus.DONE
    ).first()
    if done is not None:
        when = timezone.localtime(done.finished_at or done.started_at).strftime("%Y-%m-%d %H:%M")
        raise _refuse(
            f"该文件已于 {when} 导入成功（{done.households}户{done.persons}人），不会重复导入；"
            "如需补充，请只上传尚未登记的家庭"
        )
    now = clock.now()
    return HouseholdImport.objects.create(
        created_by=actor, area_code=area_code, filename=(filename or "")[:200], sha256=digest,
        size=len(content), worker=leases.holder(), heartbeat_at=now,
    )  # fmt: skip


def _job_beat(job: HouseholdImport) -> None:
    HouseholdImport.objects.filter(pk=job.pk, status=ImportStatus.RUNNING, worker=job.worker).update(
        heartbeat_at=clock.now()
    )


def _job_end(job: HouseholdImport, status: str, *, error: str = "", error_count: int = 0) -> None:
    HouseholdImport.objects.filter(pk=job.pk, status=ImportStatus.RUNNING, worker=job.worker).update(
        status=status, error=error, error_count=error_count, finished_at=clock.now()
    )


def imports_recover() -> list[int]:
    """Fail every RUNNING import whose process is gone (core.leases): it wrote nothing (its rows are
    committed with its DONE), and the file can be uploaded again. Returns the ids recovered."""
    now = clock.now()
    recovered = []
    running = HouseholdImport.objects.filter(status=ImportStatus.RUNNING)
    for pk, worker, heartbeat_at in running.values_list("pk", "worker", "heartbeat_at"):
        if leases.holder_gone(worker, heartbeat_at, now=now) and HouseholdImport.objects.filter(
            pk=pk, status=ImportStatus.RUNNING, worker=worker, heartbeat_at=heartbeat_at
        ).update(status=ImportStatus.FAILED, error=IMPORT_INTERRUPTED, finished_at=now):
            recovered.append(pk)
            log.warning("household import %s recovered: its process is gone", pk)
    return recovered


def imports_recent(*, user: Any, limit: int = 5) -> list[HouseholdImport]:
    """The user's own last uploads, for the import page (an interrupted one shows as such)."""
    return list(HouseholdImport.objects.filter(created_by=user).order_by("-pk")[:limit])


def _allocate_numbers(groups: list[_Group], areas: dict[str, Area]) -> list[str]:
    village_of = {code: (a.village_code or a.code) for code, a in areas.items()}
    villages = sorted(set(village_of.values()))
    # Lock the village rows (fixed order) so a clerk adding a household meanwhile cannot take a number.
    list(
        Area.objects.select_for_update()
        .filter(code__in=villages)
        .order_by("code")
        .values_list("code", flat=True)
    )
    next_seq: dict[str, int] = {}
    for village in villages:
        last = Household.objects.filter(number__startswith=village).aggregate(m=Max("number"))["m"]
        next_seq[village] = int(last[len(village) :]) + 1 if last else 1
    numbers = []
    for group in groups:
        village = village_of[group.area_code]
        numbers.append(f"{village}{next_seq[village]:05d}")
        next_seq[village] += 1
    return numbers


@transaction.atomic
def _insert(
    actor: Any, parsed: ParsedFile, groups: list[_Group], areas: dict[str, Area], *, job: HouseholdImport
) -> ImportResult:
    today = clock.today()
    numbers = _allocate_numbers(groups, areas)
    households = [
        Household(number=number, area=areas[g.area_code], member_count=len(g.people), **g.household)
        for number, g in zip(numbers, groups, strict=True)
    ]
    Household.objects.bulk_create(households, batch_size=1000)
    if any(h.pk is None for h in households):  # backends that cannot return ids from a bulk insert
        ids = dict(Household.objects.filter(number__in=numbers).values_list("number", "pk"))
        for h in households:
            h.pk = ids[h.number]
    placed = [
        (h, Person(household=h, **p)) for h, g in zip(households, groups, strict=True) for p in g.people
    ]
    persons = [p for _h, p in placed]
    try:
        with transaction.atomic():
            Person.objects.bulk_create(persons, batch_size=1000)
    except IntegrityError as exc:
        # Someone registered one of these people between the check and the insert.
        raise DuplicateIdNumber.single(
            "身份证号码", "文件中有人刚刚被他人登记，请重新导入以查看详情"
        ) from exc
    if any(p.pk is None for p in persons):
        ids = dict(
            Person.objects.filter(id_number__in=[p.id_number for p in persons]).values_list("id_number", "pk")
        )
        for p in persons:
            p.pk = ids[p.id_number]
    Membership.objects.bulk_create(
        [
            Membership(
                person=p,
                household=h,
                relation=p.relation,
                start_date=today,
                reason="批量导入",
            )
            for h, p in placed
        ],
        batch_size=1000,
    )
    # One set-based UPDATE per chunk is much faster than bulk_update's CASE over thousands of rows.
    head_of = Person.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).values("pk")[:1]
    household_ids = [h.pk for h in households]
    for start in range(0, len(household_ids), ID_CHUNK):
        chunk = household_ids[start : start + ID_CHUNK]
        Household.objects.filter(pk__in=chunk).update(head=Subquery(head_of))
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        subject_type="household",
        subject_label=f"批量导入 {parsed.filename}"[:200],
        area_code=getattr(actor, "area_id", "") or "",
        after={
            "filename": parsed.filename,
            "households": len(households),
            "persons": len(persons),
            "numbers": numbers,
        },
        note=f"批量导入 {parsed.filename}：{len(households)}户{len(persons)}人",
    )
    # DONE in this transaction: an import is done with all its rows, or not done with none of them.
    if not HouseholdImport.objects.filter(pk=job.pk, status=ImportStatus.RUNNING, worker=job.worker).update(
        status=ImportStatus.DONE, households=len(households), persons=len(persons), finished_at=clock.now()
    ):
        raise ImportInterrupted.single("文件", IMPORT_INTERRUPTED)
    return ImportResult(
        ok=True, households=len(households), persons=len(persons), numbers=numbers, header=parsed.header
    )


# --- spreadsheets we hand out: the error report and the template -----------------------------------------


def _text_cell(sheet: Any, value: Any) -> Any:
    """User-supplied text that starts with '=' must stay text, never become a formula."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def error_report_xlsx(result: ImportResult) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误清单")
    sheet.append(["行号", "字段", "问题", *[f"原值：{h}" for h in result.header]])
    for error in result.errors:
        values = result.row_values.get(error.row, []) if error.row is not None else []
        sheet.append([error.row, error.field, error.message, *[_text_cell(sheet, v) for v in values]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _report_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / REPORT_DIR_NAME


def error_report_store(*, user: Any, result: ImportResult) -> str:
    """Keep the user's last failed report (older ones are removed); returns the token for the download."""
    folder = _report_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{user.pk}_*.xlsx"):
        old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    # The owner's id is part of the file name, so another user's lookup never reaches this file.
    (folder / f"{user.pk}_{token}.xlsx").write_bytes(error_report_xlsx(result))
    return token


def error_report_path(*, user: Any, token: str) -> Path | None:
    if not getattr(user, "pk", None) or not _TOKEN_RE.match(token or ""):
        return None
    path = _report_dir() / f"{user.pk}_{token}.xlsx"
    return path if path.is_file() else None


def import_template_xlsx() -> bytes:
    """The upload template: headers, one example household, and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "导入数据"
    headers = [c.header for c in COLUMNS]
    sheet.append(headers)
    head_id = idnumber.make("371424", dt.date(1968, 3, 15), 11)
    spouse_id = idnumber.make("371424", dt.date(1970, 8, 2), 22)
    example = {
        "temp_no": "1", "area": "371424100201", "address": "某某村3组12号", "residence_type": "农村",
        "hukou_type": "农业户口", "name": "张三", "id_number": head_id, "relation": "户主",
        "phone": "13800000000", "disability_type": "肢体", "disability_grade": "2",
        "labour_capacity": "部分丧失劳动能力", "employment": "务农", "serious_illness": "否",
        "note": "示例行，导入前请删除",
    }  # fmt: skip
    example2 = {
        "temp_no": "1",
        "name": "李四",
        "id_number": spouse_id,
        "relation": "配偶",
        "employment": "务农",
    }
    sheet.append([example.get(c.key, "") for c in COLUMNS])
    sheet.append([example2.get(c.key, "") for c in COLUMNS])
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for position, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=1, column=position)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        sheet.column_dimensions[letter].width = max(10, len(column.header) * 2 + 2)
        if column.key in ("temp_no", "area", "id_number", "phone"):
            # Text format keeps Excel from turning an 18-digit ID into 3.71424E+17.
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, 4):
                sheet.cell(row=row, column=position).number_format = "@"
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "填写说明 / 可选值"])
    for column in COLUMNS:
        guide.append([column.header, "必填" if column.required else "选填", column.help])
    guide.append([])
    for line in (
        "每行填写一名家庭成员；同一户的成员填写相同的“户编号”（临时户号），系统导入时自动生成正式户编号。",
        "住址、城乡类别、户口性质、所属区划代码、家庭备注为户级信息，可只在该户第一行填写；其他行如填写须与第一行一致。",
        "选择项可填写中文（如“农村”）或代码（如 rural）。",
        "导入是“全部成功或全部不导入”：只要有一行有误，整个文件都不会保存，请按错误清单修改后重新上传。",
        "“导入数据”表中的示例行仅供参考，导入前请删除。",
    ):
        guide.append([line])
    for cell in guide[1]:
        cell.font = bold
    guide.column_dimensions["A"].width = 20
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 90
    for row in guide.iter_rows(min_row=2):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
