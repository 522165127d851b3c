"""The data of the authorisation matrix (test_authz_matrix.py): three areas far enough apart that each
user of the matrix has one it must not see, and in each area one object of every kind a URL can name.

- home (A): 临邑县 371424 in 德州市 3714, Shandong 37 — where every probing user works;
- B: 齐河县 371425, the neighbouring county of the same city — foreign to users at county level and below;
- C: a county of another province (41) — foreign to city- and province-level users as well.

Objects are made with the ORM (not the services), with fixed primary keys per area (A 6xxxxx, B 7xxxxx,
C 8xxxxx), so that a probe can name them and an answer that echoes an id can be normalised. Every text a
page could show of a foreign object carries a sentinel (乙/丙 markers, numbers with B-/C- prefixes), and
the matrix fails if a sentinel of a foreign area appears in any answer to a user of another area.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dajiuzhu.core import clock, idnumber

MISSING_ID = 987654321

AREAS = {
    # key: (code, name, level, parent key)
    "A": [
        ("37", "山东省", 1, None),
        ("3714", "德州市", 2, "37"),
        ("371424", "临邑县", 3, "3714"),
        ("371424100", "临邑镇", 4, "371424"),
        ("371424100201", "东关村委会", 5, "371424100"),
        ("371424100201001", "东关村第一网格", 6, "371424100201"),
    ],
    "B": [
        ("371425", "哨兵乙县", 3, "3714"),
        ("371425100", "哨兵乙镇", 4, "371425"),
        ("371425100001", "哨兵乙村", 5, "371425100"),
        ("371425100001001", "哨兵乙网格", 6, "371425100001"),
    ],
    "C": [
        ("41", "哨兵丙省", 1, None),
        ("4101", "哨兵丙市", 2, "41"),
        ("410102", "哨兵丙县", 3, "4101"),
        ("410102001", "哨兵丙镇", 4, "410102"),
        ("410102001001", "哨兵丙村", 5, "410102001"),
        ("410102001001001", "哨兵丙网格", 6, "410102001001"),
    ],
}
COUNTY = {"A": "371424", "B": "371425", "C": "410102"}
PK_BASE = {"A": 600000, "B": 700000, "C": 800000}
MARK = {"A": "甲", "B": "乙", "C": "丙"}


@dataclass
class World:
    """One area's objects: `obj[kind]` is the model instance a URL parameter of that kind names."""

    key: str
    areas: dict[str, Any]
    obj: dict[str, Any] = field(default_factory=dict)
    sentinels: list[str] = field(default_factory=list)

    @property
    def county(self) -> Any:
        return self.areas[COUNTY[self.key]]

    @property
    def village(self) -> Any:
        return next(a for a in self.areas.values() if a.level == 5)

    @property
    def township(self) -> Any:
        return next(a for a in self.areas.values() if a.level == 4)

    @property
    def grid(self) -> Any:
        return next(a for a in self.areas.values() if a.level == 6)

    def pk(self, kind: str) -> int:
        return int(self.obj[kind].pk)


def _make_area(code: str, name: str, level: int, parent: Any) -> Any:
    from dajiuzhu.areas.models import LEVEL_COLUMN, Area, AreaLevel

    cols: dict[str, Any] = {}
    if parent is not None:
        for col in ("province_code", "city_code", "county_code", "township_code", "village_code"):
            cols[col] = getattr(parent, col)
    col = LEVEL_COLUMN[AreaLevel(level)]
    if col != "code":
        cols[col] = code
    full = f"{parent.full_name}{name}" if parent is not None else name
    area, _ = Area.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "full_name": full, **cols}
    )
    return area


def make_areas() -> dict[str, dict[str, Any]]:
    made: dict[str, Any] = {}
    out: dict[str, dict[str, Any]] = {}
    for key, rows in AREAS.items():
        out[key] = {}
        for code, name, level, parent in rows:
            made[code] = _make_area(code, name, level, made.get(parent) if parent else None)
            out[key][code] = made[code]
    # Users of the city and the province (home) see A and B: keep the ancestors in A's dict too.
    return out


def _id_number(region: str, birth: dt.date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + idnumber.check_char(body)


def departments() -> dict[str, Any]:
    from dajiuzhu.accounts.models import Department

    return {
        code: Department.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in (("minzheng", "民政"), ("yibao", "医保"))
    }


def catalogue(depts: dict[str, Any]) -> dict[str, Any]:
    """The global catalogue rows the applications refer to (the catalogue is shared, not per area)."""
    from dajiuzhu.intake.models import AssistanceItem

    dibao, _ = AssistanceItem.objects.get_or_create(
        code="dibao",
        defaults={"name": "最低生活保障", "department": depts["minzheng"], "programme": "dibao",
                  "accept_level": "township", "decide_level": "county", "publish_after": True},
    )  # fmt: skip
    medical, _ = AssistanceItem.objects.get_or_create(
        code="medical",
        defaults={"name": "医疗救助", "department": depts["yibao"], "programme": "medical",
                  "accept_level": "township", "decide_level": "department", "needs_investigation": False,
                  "needs_check": False, "needs_opinion": False, "public_notice": False},
    )  # fmt: skip
    return {"dibao": dibao, "medical": medical}


def build_world(key: str, areas: dict[str, Any], depts: dict[str, Any], items: dict[str, Any]) -> World:
    """One object of every kind in the area `key` (A, B or C)."""
    from dajiuzhu.accounts.models import ApiToken, User
    from dajiuzhu.assessment.models import AssessmentRun, HouseholdResult
    from dajiuzhu.benefits.models import Entitlement, EntitlementAmount
    from dajiuzhu.intake.models import (
        Application,
        ApplicationEvent,
        Investigation,
        InvestigationPhoto,
        Objection,
        PublicNotice,
        Receipt,
    )
    from dajiuzhu.monitoring.models import (
        Alert,
        DiscoveryReport,
        FeedDelivery,
        FeedIssue,
        HouseholdCategory,
        Visit,
        VisitTask,
    )
    from dajiuzhu.parameters.models import ParameterChange
    from dajiuzhu.payments.models import (
        BankFile,
        BankReturn,
        BudgetAuthority,
        PayeeAccount,
        PaymentNotice,
        PublicList,
        PublicListEntry,
        Recovery,
        RecoveryEntry,
        Roll,
        RollLine,
        TownshipCheck,
    )
    from dajiuzhu.registry.models import (
        Asset,
        Expenditure,
        Household,
        Income,
        Membership,
        OutsideSupporter,
        Person,
    )
    from dajiuzhu.verification.models import (
        Authorisation,
        ExchangeBatch,
        ExchangeRecord,
        QuarantinedRow,
        VerificationRequest,
    )

    w = World(key=key, areas=areas)
    base, m = PK_BASE[key], MARK[key]
    today = clock.today()
    now = clock.now()
    month = today.replace(day=1)
    county, town, village, grid = w.county, w.township, w.village, w.grid
    region = COUNTY[key]
    o = w.obj

    def pk(n: int) -> int:
        return base + n

    o["user"] = User.objects.create(
        pk=pk(1), username=f"owner_{key}", role="county_approver", area=county, full_name=f"哨兵{m}审批员"
    )
    owner = o["user"]
    o["user_village"] = User.objects.create(
        pk=pk(2), username=f"owner_village_{key}", role="village_assistant", area=village, full_name=f"哨兵{m}协理员"
    )  # fmt: skip
    o["token"] = ApiToken.objects.create(
        pk=pk(1), user=owner, name=f"哨兵{m}令牌", key_hash=ApiToken.hash_key(f"djz_owner_{key}"), prefix=f"{key}own"
    )  # fmt: skip

    # ---- registry
    hh = o["household"] = Household.objects.create(
        pk=pk(1), number=f"{key}-HH-{base}", area=grid, address=f"哨兵{m}地址1号", residence_type="rural",
        hukou_type="agricultural",
    )  # fmt: skip
    head_id = _id_number(region, dt.date(1960, 3, 4), 11)
    head = o["person"] = Person.objects.create(
        pk=pk(1), id_number=head_id, name=f"哨兵{m}户主", sex="M", birth_date=dt.date(1960, 3, 4),
        phone=f"139{base // 1000:03d}1{base % 10000:04d}", household=hh, relation="head",
    )  # fmt: skip
    o["person2"] = Person.objects.create(
        pk=pk(2), id_number=_id_number(region, dt.date(1962, 5, 6), 22), name=f"哨兵{m}配偶", sex="F",
        birth_date=dt.date(1962, 5, 6), household=hh, relation="spouse",
    )  # fmt: skip
    hh.head = head
    hh.member_count = 2
    hh.save(update_fields=["head", "member_count"])
    for n, p in enumerate((head, o["person2"]), 1):
        Membership.objects.create(
            pk=pk(n), person=p, household=hh, relation=p.relation, start_date=dt.date(2020, 1, 1)
        )
    o["income"] = Income.objects.create(
        pk=pk(1), household=hh, person=head, income_type="transfer", amount=Decimal("1200.00"),
        period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31), note=f"哨兵{m}收入",
    )  # fmt: skip
    o["asset"] = Asset.objects.create(
        pk=pk(1), household=hh, person=head, asset_type="deposit", value=Decimal("500.00"), recorded_on=today,
        description=f"哨兵{m}存款",
    )  # fmt: skip
    o["expenditure"] = Expenditure.objects.create(
        pk=pk(1), household=hh, person=head, kind="medical", amount=Decimal("300.00"),
        period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31), note=f"哨兵{m}支出",
    )  # fmt: skip
    o["supporter"] = OutsideSupporter.objects.create(
        pk=pk(1), household=hh, relation="child", id_number=_id_number(region, dt.date(1985, 7, 8), 33),
        name=f"哨兵{m}赡养人", birth_date=dt.date(1985, 7, 8), recorded_on=today,
    )  # fmt: skip

    # ---- intake and benefits
    o["receipt"] = Receipt.objects.create(
        pk=pk(1), number=f"{key}-RC-{base}", household=hh, applicant=head, filed_by=owner, window_area=county,
        area=grid,
    )  # fmt: skip
    o["application"] = Application.objects.create(
        pk=pk(1), number=f"{key}-SQ-{base}", receipt=o["receipt"], item=items["dibao"], household=hh,
        applicant=head, area=grid, department=depts["minzheng"], status="notice", filed_by=owner,
        accepted_on=today, reason=f"哨兵{m}申请理由",
    )  # fmt: skip
    o["application_decided"] = Application.objects.create(
        pk=pk(2), number=f"{key}-SQ-{base + 2}", item=items["dibao"], household=hh, applicant=head, area=grid,
        department=depts["minzheng"], status="approved", decision="approve", decided_amount=Decimal("650.00"),
        decided_at=now, decided_by=owner, filed_by=owner,
    )  # fmt: skip
    o["application_medical"] = Application.objects.create(
        pk=pk(3), number=f"{key}-SQ-{base + 3}", item=items["medical"], household=hh, applicant=head, area=grid,
        department=depts["yibao"], status="decision", filed_by=owner,
    )  # fmt: skip
    ApplicationEvent.objects.create(
        pk=pk(1), application=o["application"], action="file", label="受理", actor=owner, comment=f"哨兵{m}"
    )
    inv = o["investigation"] = Investigation.objects.create(
        pk=pk(1), application=o["application"], visited_on=today, present_members=f"哨兵{m}户主",
        findings=f"哨兵{m}调查结论", recorded_by=owner,
    )  # fmt: skip
    o["photo"] = InvestigationPhoto.objects.create(
        pk=pk(1), investigation=inv, image=f"intake/{key}-photo.jpg"
    )
    o["notice"] = PublicNotice.objects.create(
        pk=pk(1), application=o["application"], village=village, starts_on=today, ends_on=today + dt.timedelta(7),
        masked_name=f"哨*{m}", household_size=2, item_name="最低生活保障", amount=Decimal("650.00"),
    )  # fmt: skip
    o["objection"] = Objection.objects.create(
        pk=pk(1), notice=o["notice"], name=f"哨兵{m}异议人", content=f"哨兵{m}异议内容"
    )
    ent = o["entitlement"] = Entitlement.objects.create(
        pk=pk(1), household=hh, beneficiary=head, item=items["dibao"], application=o["application_decided"],
        area=grid, monthly_amount=Decimal("650.00"), start_month=month, next_review_on=today + dt.timedelta(300),
    )  # fmt: skip
    EntitlementAmount.objects.create(pk=pk(1), entitlement=ent, from_month=month, amount=Decimal("650.00"))
    o["application_review"] = Application.objects.create(
        pk=pk(4), number=f"{key}-SQ-{base + 4}", kind="review", item=items["dibao"], household=hh, applicant=head,
        area=grid, department=depts["minzheng"], status="opinion", entitlement=ent, filed_by=owner,
    )  # fmt: skip

    # ---- assessment and parameters
    o["run"] = AssessmentRun.objects.create(
        pk=pk(1), area=county, on=today, created_by=owner, status="done", stage=f"哨兵{m}"
    )
    HouseholdResult.objects.create(
        pk=pk(1), run=o["run"], household=hh, township_code=town.code, village_code=village.code, members=2,
        dibao_status=1, dibao_amount=Decimal("650.00"), edge_status=0, rigid_status=0, n_tekun=0,
        tekun_total=Decimal("0"), monthly_total=Decimal("650.00"),
    )  # fmt: skip
    o["parameter_change"] = ParameterChange.objects.create(
        pk=pk(1), name="dibao.standard.rural", jurisdiction=region, start=month, value="800",
        reference=f"哨兵{m}文号〔2026〕1号", created_by=owner,
    )  # fmt: skip

    # ---- verification
    o["batch"] = ExchangeBatch.objects.create(
        pk=pk(1), source="BANK_DEPOSIT", channel="file", file_name=f"{key}-batch.csv", sha256=f"{key}" * 64,
        delivered_at=now, created_by=owner, area=county, rows_total=1, rows_inserted=1,
    )  # fmt: skip
    ExchangeRecord.objects.create(
        pk=pk(1), source="BANK_DEPOSIT", record_key=f"{key}-rec", id_number=head_id,
        payload={"balance": "1000.00", "note": f"哨兵{m}"}, payload_hash=f"{key}" * 40, batch=o["batch"],
        updated_at=now,
    )  # fmt: skip
    QuarantinedRow.objects.create(
        pk=pk(1), batch=o["batch"], row_number=2, raw={"姓名": f"哨兵{m}"}, reasons=["x"]
    )
    o["authorisation"] = Authorisation.objects.create(
        pk=pk(1), household=hh, id_numbers=[head_id], signed_on=today, valid_until=today + dt.timedelta(365),
        scan=f"verification/{key}-scan.pdf", recorded_by=owner, note=f"哨兵{m}授权",
    )  # fmt: skip
    o["verification_request"] = VerificationRequest.objects.create(
        pk=pk(1), household=hh, requested_by=owner, status="done", conclusion="ELIGIBLE",
        report={"summary": f"哨兵{m}核对报告"},
    )  # fmt: skip

    # ---- monitoring
    o["delivery"] = FeedDelivery.objects.create(
        pk=pk(1), source="MEDICAL_SETTLEMENT", file_name=f"{key}-feed.csv", file_hash=f"{key}" * 64, on=today,
        received_by=owner, message=f"哨兵{m}数据",
    )  # fmt: skip
    FeedIssue.objects.create(
        pk=pk(1), delivery=o["delivery"], kind="unknown", row_number=1, id_number=head_id, raw=f"哨兵{m}"
    )
    o["alert"] = Alert.objects.create(
        pk=pk(1), household=hh, person=head, area=grid, rule="medical_selfpay", cause_key=f"{key}-cause",
        signal={"note": f"哨兵{m}"}, delivery=o["delivery"], raised_on=today, created_at=now,
    )  # fmt: skip
    o["task"] = VisitTask.objects.create(
        pk=pk(1), alert=o["alert"], area=grid, created_on=today, triage_due=today + dt.timedelta(3),
        visit_due=today + dt.timedelta(7),
    )  # fmt: skip
    Visit.objects.create(
        pk=pk(1),
        task=o["task"],
        visited_on=today,
        findings=f"哨兵{m}走访",
        outcome="no_need",
        recorded_by=owner,
    )
    HouseholdCategory.objects.create(
        pk=pk(1), household=hh, category="dibao", bit=1, source="entitlement", start_date=month
    )
    DiscoveryReport.objects.create(
        pk=pk(1), channel="hotline", reported_on=today, household=hh, person=head, content=f"哨兵{m}来电",
        created_by=owner,
    )  # fmt: skip

    # ---- payments
    o["account"] = PayeeAccount.objects.create(
        pk=pk(1), person=head, area=grid, bank="sdrcu", account_number=f"62146200{base:010d}",
        holder_name=f"哨兵{m}户主", created_by=owner,
    )  # fmt: skip
    o["authority"] = BudgetAuthority.objects.create(
        pk=pk(1), county=county, fund="assistance", year=today.year, document_number=f"哨兵{m}财〔2026〕1号",
        amount=Decimal("1000000"), created_by=owner,
    )  # fmt: skip
    roll = o["roll"] = Roll.objects.create(
        pk=pk(1), county=county, month=month, status="issued", prepared_by=owner, prepared_at=now
    )
    o["line"] = RollLine.objects.create(
        pk=pk(1), roll=roll, reference=f"{key}-L1", kind="regular", programme="dibao", item=items["dibao"],
        subject_id=ent.pk, household=hh, beneficiary=head, entitlement=ent, period=month, area=grid,
        township_code=town.code, gross=Decimal("650.00"), amount=Decimal("650.00"), beneficiary_name=f"哨兵{m}户主",
        account=o["account"], bank="sdrcu", account_number=o["account"].account_number, status="failed",
        fail_code="E01", fail_reason=f"哨兵{m}失败", live=True, problem=True,
    )  # fmt: skip
    TownshipCheck.objects.create(
        pk=pk(1), roll=roll, township=town, checked_by=owner, line_count=1, total=Decimal("650.00")
    )
    o["bank_file"] = BankFile.objects.create(
        pk=pk(1), roll=roll, bank="sdrcu", filename=f"{key}-bank.txt", content=f"哨兵{m}".encode(),
        sha256=f"{key}" * 64, line_count=1, total=Decimal("650.00"), issued_by=owner,
    )  # fmt: skip
    BankReturn.objects.create(
        pk=pk(1), bank_file=o["bank_file"], filename=f"{key}-ret.txt", sha256=f"{key}" * 64, paid_count=0,
        paid_total=Decimal("0"), failed_count=1, failed_total=Decimal("650.00"), imported_by=owner,
    )  # fmt: skip
    o["recovery"] = Recovery.objects.create(
        pk=pk(1), household=hh, area=grid, amount=Decimal("300.00"), basis="error", reason=f"哨兵{m}追回",
        instalment=Decimal("100.00"), decided_by=owner,
    )  # fmt: skip
    RecoveryEntry.objects.create(
        pk=pk(1),
        recovery=o["recovery"],
        kind="repayment",
        amount=Decimal("50.00"),
        on=today,
        recorded_by=owner,
    )
    PaymentNotice.objects.create(pk=pk(1), line=o["line"], phone=head.phone, text=f"哨兵{m}短信")
    o["public_list"] = PublicList.objects.create(
        pk=pk(1), village=village, month=month, roll=roll, published_by=owner
    )
    PublicListEntry.objects.create(
        pk=pk(1), public_list=o["public_list"], masked_name=f"哨*{m}", household_size=2, programme_name="低保",
        amount=Decimal("650.00"),
    )  # fmt: skip

    # ---- the catalogue's local layer (per county edits of a shared item), where the app has one
    try:
        from dajiuzhu.intake.models import ItemLocalChange
    except ImportError:  # pragma: no cover - the layer is new; older trees have none
        ItemLocalChange = None
    if ItemLocalChange is not None:
        o["item_change"] = ItemLocalChange.objects.create(
            pk=pk(1), item=items["dibao"], jurisdiction=region, start=month, values={"name": f"哨兵{m}低保"},
            version=1, reference=f"哨兵{m}目录文号", created_by=owner,
        )  # fmt: skip

    # ---- eldercare (老年人能力评估), where the app is installed
    from django.apps import apps as django_apps

    if django_apps.is_installed("dajiuzhu.eldercare"):
        from dajiuzhu.eldercare.models import AbilityAssessment

        o["ability_assessment"] = AbilityAssessment.objects.create(
            pk=pk(1), person=head, area=grid, instrument_version="GB/T 42195-2022", reason="first",
            assessed_on=today, organisation=f"哨兵{m}评估机构", assessor_1="甲", assessor_2="乙", scores={},
            self_care_score=10, motor_score=10, mental_score=10, perception_score=10, total=40, base_level=2,
            level=2, care_zone="b", explanation={}, next_due_on=today + dt.timedelta(365), recorded_by=owner,
            recorded_at=now,
        )  # fmt: skip

    if django_apps.is_installed("dajiuzhu.eldercare"):
        from dajiuzhu.eldercare import models as care

        if hasattr(care, "Institution"):
            inst = o["institution"] = care.Institution.objects.create(
                pk=pk(1), name=f"哨兵{m}敬老院", kind="rural_home", mode="public", area=town,
                address=f"哨兵{m}机构地址",
            )  # fmt: skip
            zone = care.Zone.objects.create(pk=pk(1), institution=inst, name="1层", care_zone="self_care")
            o["bed"] = care.Bed.objects.create(pk=pk(1), zone=zone, institution=inst, number=f"{key}-101")
            o["bed2"] = care.Bed.objects.create(pk=pk(2), zone=zone, institution=inst, number=f"{key}-102")
            o["stay"] = care.Stay.objects.create(
                pk=pk(1), person=o["person2"], bed=o["bed"], institution=inst, kind="tekun", started_on=today,
                recorded_by=owner,
            )  # fmt: skip
            care.WaitingEntry.objects.create(
                pk=pk(1), person=head, institution=inst, kind="tekun", applied_on=today, recorded_by=owner,
                note=f"哨兵{m}轮候",
            )  # fmt: skip
        if hasattr(care, "Provider"):
            provider = o["provider"] = care.Provider.objects.create(
                pk=pk(1), name=f"哨兵{m}居家服务", area=county, contract_number=f"哨兵{m}合同",
                contract_from=month, contract_to=today + dt.timedelta(days=365),
            )  # fmt: skip
            carer_user = User.objects.create(pk=pk(90), username=f"carer_{key}", role="carer", area=county)
            carer = o["carer"] = care.Carer.objects.create(
                pk=pk(1), provider=provider, name=f"哨兵{m}护理员", phone="13700000000", user=carer_user
            )
            o["order"] = care.CareOrder.objects.create(
                pk=pk(1), person=head, area=grid, provider=provider, carer=carer, items=["laundry"], kind="cleaning",
                planned_on=today, planned_minutes=60, month=month, source="hotline", status="assigned",
                note=f"哨兵{m}工单", created_by=owner, created_at=now,
            )  # fmt: skip
            o["statement"] = care.ProviderStatement.objects.create(
                pk=pk(1), provider=provider, area=county, month=month, prepared_by=owner, prepared_at=now
            )
            o["canteen"] = care.Canteen.objects.create(pk=pk(1), name=f"哨兵{m}助老食堂", area=village)

    # What a page must never show to someone outside this area.
    from dajiuzhu.core.masking import mask_id_number

    w.sentinels = [
        f"哨兵{m}",
        hh.number,
        o["receipt"].number,
        o["application"].number,
        mask_id_number(head_id),
        head_id,
        o["account"].account_number,
    ]
    w.sentinels = [s for s in w.sentinels if len(s) >= 4]
    return w
