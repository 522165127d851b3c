"""Elderly care (养老服务) on the registry's people: the capability assessment (老年人能力评估,
GB/T 42195-2022) first; institutions, beds, home-care orders and canteens build on it.

An assessment keeps everything it was decided from — the instrument edition, every item score, the
conditions (diagnoses, coma, risk events), the level before and after the raise-one-level rules and the
explanation with its references — so a later change of the parameters or of the instrument never
rewrites a past result.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AssessmentReason(models.TextChoices):
    INITIAL = "initial", _("首次评估")
    ROUTINE = "routine", _("常规评估")
    IMMEDIATE = "immediate", _("即时评估")
    REVIEW = "review", _("因对结果有疑问的复评")
    OTHER = "other", _("其他")


class AbilityLevel(models.IntegerChoices):
    INTACT = 0, _("能力完好")
    MILD = 1, _("轻度失能")
    MODERATE = 2, _("中度失能")
    SEVERE = 3, _("重度失能")
    COMPLETE = 4, _("完全失能")


class CareZone(models.TextChoices):
    SELF_CARE = "self_care", _("自理")
    ASSISTED = "assisted", _("介助")
    NURSING = "nursing", _("介护")


class AbilityAssessment(models.Model):
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="ability_assessments"
    )
    # The person's area when assessed: reads are scoped by it like every other record.
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    instrument_version = models.CharField(_("评估量表"), max_length=40)
    reason = models.CharField(_("评估原因"), max_length=10, choices=AssessmentReason.choices)
    assessed_on = models.DateField(_("评估日期"))
    organisation = models.CharField(_("评估机构"), max_length=100)
    assessor_1 = models.CharField(_("评估员一"), max_length=50)
    assessor_2 = models.CharField(_("评估员二"), max_length=50)
    scores = models.JSONField(_("各项得分"))
    self_care_score = models.PositiveSmallIntegerField(_("自理能力得分"))
    motor_score = models.PositiveSmallIntegerField(_("基础运动能力得分"))
    mental_score = models.PositiveSmallIntegerField(_("精神状态得分"))
    perception_score = models.PositiveSmallIntegerField(_("感知觉与社会参与得分"))
    total = models.PositiveSmallIntegerField(_("总分"))
    dementia = models.BooleanField(_("确诊痴呆"), default=False)
    mental_disorder = models.BooleanField(_("确诊其他精神和行为障碍"), default=False)
    coma = models.BooleanField(_("昏迷"), default=False)
    risk_events = models.JSONField(_("近30天照护风险事件"), default=dict, blank=True)
    base_level = models.PositiveSmallIntegerField(_("按总分的等级"), choices=AbilityLevel.choices)
    level = models.PositiveSmallIntegerField(_("能力等级"), choices=AbilityLevel.choices)
    care_zone = models.CharField(_("对应护理分区"), max_length=10, choices=CareZone.choices)
    explanation = models.JSONField(_("评定依据"))
    next_due_on = models.DateField(_("下次复评日期"))
    # The registry's six-item self-care test (特困 ADL) when assessed: a later change of it calls for a new
    # assessment within eldercare.ability.trigger_working_days (S2 art. 23).
    adl_failures_at = models.PositiveSmallIntegerField(_("评估时生活自理六项未达到项数"), default=0)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"))

    class Meta:
        ordering = ["-assessed_on", "-id"]
        indexes = [
            models.Index(fields=["person", "-assessed_on"], name="eldercare_assess_person"),
            models.Index(fields=["area", "level"], name="eldercare_assess_area_level"),
        ]
        constraints = [
            # A second result for the same person and day is a double submission, not a new assessment.
            models.UniqueConstraint(fields=["person", "assessed_on"], name="eldercare_one_assessment_a_day"),
            models.CheckConstraint(
                condition=Q(level__lte=4) & Q(base_level__lte=4), name="eldercare_level_range"
            ),
            models.CheckConstraint(condition=Q(total__lte=90), name="eldercare_total_range"),
            models.CheckConstraint(
                condition=~Q(assessor_1=models.F("assessor_2")), name="eldercare_two_assessors"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.assessed_on} {self.get_level_display()}"


# ---- institutions and beds (养老机构、床位) --------------------------------------------------------------


class InstitutionKind(models.TextChoices):
    WELFARE_HOME = "welfare_home", _("社会福利院（特困人员供养服务机构）")
    REGIONAL_CENTRE = "regional_centre", _("区域性养老服务中心")
    DAY_CARE = "day_care", _("日间照料中心")
    RURAL_HOME = "rural_home", _("农村幸福院")
    PRIVATE_HOME = "private_home", _("民办养老机构")


class OperationMode(models.TextChoices):
    PUBLIC = "public", _("公办公营")
    PUBLIC_PRIVATE = "public_private", _("公建民营")
    PRIVATE = "private", _("民办")


class Institution(models.Model):
    name = models.CharField(_("机构名称"), max_length=100)
    kind = models.CharField(_("机构类型"), max_length=20, choices=InstitutionKind.choices)
    mode = models.CharField(_("运营方式"), max_length=20, choices=OperationMode.choices)
    operator = models.CharField(_("运营方"), max_length=100, blank=True)
    # Where it stands: scoping (a county sees its institutions, a township those in it).
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    licence = models.CharField(_("备案/许可编号"), max_length=60, blank=True)
    licensed_carers = models.PositiveIntegerField(_("持证护理员人数"), default=0)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["area_id", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="eldercare_institution_name")]

    def __str__(self) -> str:
        return self.name


class Zone(models.Model):
    """A floor or wing of an institution, kept for one care type (临邑兴隆: 1F 介助, 2–3F 自理, 4F 介护)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(_("楼层/区域"), max_length=40)
    care_zone = models.CharField(_("护理类型"), max_length=10, choices=CareZone.choices)

    class Meta:
        ordering = ["institution_id", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="eldercare_zone_name")]

    def __str__(self) -> str:
        return f"{self.institution.name} {self.name}"


class BedState(models.TextChoices):
    IN_SERVICE = "in_service", _("可用")
    RESERVED = "reserved", _("预留")
    MAINTENANCE = "maintenance", _("维修")


class Bed(models.Model):
    """A bed. Whether it is occupied is not stored here: an open stay on it says so (one at most)."""

    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="beds")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="beds")
    number = models.CharField(_("床位号"), max_length=20)
    state = models.CharField(_("状态"), max_length=12, choices=BedState.choices, default=BedState.IN_SERVICE)

    class Meta:
        ordering = ["institution_id", "zone_id", "number"]
        constraints = [models.UniqueConstraint(fields=["institution", "number"], name="eldercare_bed_number")]

    def __str__(self) -> str:
        return f"{self.zone} {self.number}"


class ResidentKind(models.TextChoices):
    TEKUN = "tekun", _("特困人员集中供养")
    SOCIAL = "social", _("社会老人")


class LeaveReason(models.TextChoices):
    TRANSFER = "transfer", _("转床/转院")
    DISCHARGE = "discharge", _("出院（回家或其他）")
    DEATH = "death", _("去世")


class Stay(models.Model):
    """One person on one bed from admission (or a transfer in) to leaving it. A transfer closes one stay
    and opens the next, so a person's history is the list of their stays."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="stays")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="stays")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="stays")
    kind = models.CharField(_("入住类别"), max_length=10, choices=ResidentKind.choices)
    started_on = models.DateField(_("入住日期"))
    ended_on = models.DateField(_("离开日期"), null=True, blank=True)
    leave_reason = models.CharField(_("离开原因"), max_length=10, choices=LeaveReason.choices, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            # One bed holds one person and one person lies in one bed, at any time (database-enforced).
            models.UniqueConstraint(
                fields=["bed"], condition=Q(ended_on__isnull=True), name="eldercare_one_stay_a_bed"
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_on__isnull=True), name="eldercare_one_stay_a_person"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="eldercare_stay_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.bed_id}"


class WaitStatus(models.TextChoices):
    WAITING = "waiting", _("轮候中")
    ADMITTED = "admitted", _("已入住")
    WITHDRAWN = "withdrawn", _("已撤回")


class WaitingEntry(models.Model):
    """A request for a place. The queue is ordered by need (特困 completely or partly unable to look after
    themselves first, then by ability level) and then by date; see selectors.waiting_list."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="waiting")
    kind = models.CharField(_("入住类别"), max_length=10, choices=ResidentKind.choices)
    applied_on = models.DateField(_("申请日期"))
    status = models.CharField(max_length=10, choices=WaitStatus.choices, default=WaitStatus.WAITING)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["applied_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "institution"],
                condition=Q(status="waiting"),
                name="eldercare_one_wait_a_place",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.institution_id} ({self.status})"


class CareEntitlement(models.Model):
    """An elder's elderly-care entitlement for one month, as the rules engine (rules.care) computed it for
    the whole county: status, assessed level, free home-care hours, the government's share of an
    institutional place. Recomputing a month replaces that month's rows of the area it was run for."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    month = models.DateField(_("月份"))
    status = models.PositiveSmallIntegerField(_("身份类别"))
    ability_level = models.SmallIntegerField(_("能力等级"))  # -1: never assessed
    in_institution = models.BooleanField(_("入住机构"))
    hours = models.PositiveIntegerField(_("免费居家服务时长（小时）"))
    gov_share = models.PositiveIntegerField(_("机构费用政府承担比例（‰）"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["month", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="eldercare_one_entitlement_a_month")
        ]
        indexes = [models.Index(fields=["area", "month"], name="eldercare_entitlement_area")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m} {self.hours}h"


# ---- home care (居家上门服务, 六助): providers, carers, orders and verified visits -----------------------------


class Provider(models.Model):
    """A home-care provider under contract with the county (政府购买服务)."""

    name = models.CharField(_("服务机构"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+"
    )  # the contracting county
    contract_number = models.CharField(_("合同编号"), max_length=60)
    contract_from = models.DateField(_("合同起始日期"))
    contract_to = models.DateField(_("合同截止日期"))
    # Township (or village) codes it serves; empty = the whole county.
    service_areas = models.JSONField(_("服务区域"), default=list, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["area_id", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="eldercare_provider_name")]

    def __str__(self) -> str:
        return self.name


class Carer(models.Model):
    """A provider's carer (护理员). With a login (role 护理员) the carer sees their own visits on a phone."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="carers")
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20)
    certificate = models.CharField(_("职业资格证书编号"), max_length=60, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="carer"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["provider_id", "name"]

    def __str__(self) -> str:
        return self.name


class OrderSource(models.TextChoices):
    HOTLINE = "hotline", _("12349热线")
    GRID = "grid", _("网格员")
    FAMILY = "family", _("老人或家属")
    PLAN = "plan", _("服务计划")


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("待派单")
    ASSIGNED = "assigned", _("已派单")
    IN_SERVICE = "in_service", _("服务中")
    DONE = "done", _("已完成")
    EXCEPTION = "exception", _("异常待审核")
    REFUSED = "refused", _("审核不通过")
    CANCELLED = "cancelled", _("已取消")


# Statuses in which an order's hours count against the elder's month.
HOURS_COUNTED = (
    OrderStatus.PLACED, OrderStatus.ASSIGNED, OrderStatus.IN_SERVICE, OrderStatus.DONE, OrderStatus.EXCEPTION,
)  # fmt: skip


class CareOrder(models.Model):
    """A home-care visit ordered for an elder (派单 → 签到 → 签退 → 审核/确认). Its minutes come out of the
    elder's free hours of the month (CareEntitlement)."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="care_orders")
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+"
    )  # the elder's household's
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="orders")
    carer = models.ForeignKey(Carer, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    items = models.JSONField(_("服务项目"))  # item codes of policy/eldercare/home-care-items.yaml
    kind = models.CharField(_("服务类别"), max_length=12)  # the 六助 kind the price is read for
    planned_on = models.DateField(_("服务日期"))
    planned_minutes = models.PositiveIntegerField(_("计划时长（分钟）"))
    month = models.DateField(_("计入月份"))
    source = models.CharField(_("来源"), max_length=10, choices=OrderSource.choices)
    caller_phone = models.CharField(_("来电号码"), max_length=20, blank=True)
    note = models.CharField(_("需求说明"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("下单时间"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-planned_on", "-id"]
        indexes = [
            models.Index(fields=["person", "month"], name="eldercare_order_person_month"),
            models.Index(fields=["carer", "planned_on"], name="eldercare_order_carer_day"),
            models.Index(fields=["area", "status"], name="eldercare_order_area_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person_id} {self.planned_on}"


class VisitException(models.TextChoices):
    NO_SHOW = "no_show", _("未上门（未签到）")
    WRONG_PLACE = "wrong_place", _("签到/签退位置与住址不符")
    TOO_SHORT = "too_short", _("服务时长明显不足")
    NO_LOCATION = "no_location", _("未能获取位置")


class Decision(models.TextChoices):
    APPROVED = "approved", _("审核通过")
    REFUSED = "refused", _("审核不通过")


class Visit(models.Model):
    """What happened at one order: the six EVV elements (service, elder, date, place, carer, start and end),
    located only at check-in and check-out — never tracked in between. One visit per order (a unique
    constraint), so a visit can never be settled twice."""

    order = models.OneToOneField(CareOrder, on_delete=models.PROTECT, related_name="visit")
    carer = models.ForeignKey(Carer, on_delete=models.PROTECT, related_name="visits")
    check_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)  # none: reported as not served
    check_in_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    check_in_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    check_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    check_out_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    check_out_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    items_done = models.JSONField(_("完成项目"), default=list, blank=True)
    minutes = models.PositiveIntegerField(_("实际时长（分钟）"), null=True, blank=True)
    exceptions = models.JSONField(_("异常"), default=list, blank=True)
    exception_reason = models.CharField(_("异常说明"), max_length=300, blank=True)
    decision = models.CharField(_("审核结果"), max_length=10, choices=Decision.choices, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    confirmed = models.BooleanField(_("老人或家属确认"), null=True, blank=True)
    complaint = models.CharField(_("投诉或意见"), max_length=300, blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)

    class Meta:
        ordering = ["-check_in_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_out_at__isnull=True) | Q(check_out_at__gte=models.F("check_in_at")),
                name="eldercare_visit_out_after_in",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="eldercare_visit_rating",
            ),
        ]

    def __str__(self) -> str:
        return f"visit of order {self.order_id}"


class HomeLocation(models.Model):
    """Where an elder lives, for the check-in/out distance test: set by the county (or taken from the first
    approved visit). Only this point is kept, not the carers' tracks."""

    person = models.OneToOneField("registry.Person", on_delete=models.CASCADE, related_name="+")
    lat = models.DecimalField(max_digits=9, decimal_places=6)
    lng = models.DecimalField(max_digits=9, decimal_places=6)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.person_id} ({self.lat}, {self.lng})"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    APPROVED = "approved", _("已审核")


class ProviderStatement(models.Model):
    """What the county owes a home-care provider for a month: verified visits × the hourly price of their
    kind (eldercare.home_care.price.*). Its total is always recomputed from its lines."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="statements")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")  # the county
    month = models.DateField(_("结算月份"))
    status = models.CharField(
        _("状态"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-month", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="eldercare_one_statement_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.month:%Y-%m}"


class StatementLine(models.Model):
    """One verified visit on a statement. A visit is settled once, ever (unique order)."""

    statement = models.ForeignKey(ProviderStatement, on_delete=models.CASCADE, related_name="lines")
    order = models.OneToOneField(CareOrder, on_delete=models.PROTECT, related_name="statement_line")
    kind = models.CharField(max_length=12)
    minutes = models.PositiveIntegerField()
    hour_price = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["statement_id", "order_id"]

    def __str__(self) -> str:
        return f"{self.statement_id}/{self.order_id}"


# ---- canteens (助老食堂) --------------------------------------------------------------------------------------


class Canteen(models.Model):
    name = models.CharField(_("食堂名称"), max_length=100)
    operator = models.CharField(_("运营方"), max_length=100, blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")  # where it stands
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["area_id", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="eldercare_canteen_name")]

    def __str__(self) -> str:
        return self.name


class MealMethod(models.TextChoices):
    ID_CARD = "id_card", _("身份证")
    LIST = "list", _("名单勾选")


class Meal(models.Model):
    """One subsidised meal of an elder at a canteen. One a day per elder whatever the canteen (a unique
    constraint), so nobody is subsidised twice a day; the amounts are the rules' at the till."""

    canteen = models.ForeignKey(Canteen, on_delete=models.PROTECT, related_name="meals")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")  # the elder's
    day = models.DateField(_("用餐日期"))
    method = models.CharField(_("核验方式"), max_length=10, choices=MealMethod.choices)
    price = models.DecimalField(_("餐价"), max_digits=8, decimal_places=2)
    subsidy = models.DecimalField(_("补贴"), max_digits=8, decimal_places=2)
    self_pay = models.DecimalField(_("本人支付"), max_digits=8, decimal_places=2)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "day"], name="eldercare_one_meal_a_day")]
        indexes = [models.Index(fields=["canteen", "day"], name="eldercare_meal_canteen_day")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.day}"


# ---- volunteer care visits (精神慰藉) and home adaptation (适老化改造) -----------------------------------------


class VolunteerVisit(models.Model):
    """A volunteer's visit to an elder (精神慰藉: chatting, reading, a walk …), with its minutes, counted
    against the county's monthly target for elders of 80 and over in special hardship."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    volunteer = models.CharField(_("志愿者"), max_length=50)
    organisation = models.CharField(_("志愿服务组织"), max_length=100, blank=True)
    visited_on = models.DateField(_("探访日期"))
    minutes = models.PositiveIntegerField(_("时长（分钟）"))
    content = models.CharField(_("服务内容"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["area", "visited_on"], name="eldercare_volunteer_area_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "volunteer", "visited_on"], name="eldercare_one_volunteer_visit_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.visited_on} {self.minutes}min"


class AdaptationStatus(models.TextChoices):
    PLANNED = "planned", _("已评估待施工")
    ACCEPTED = "accepted", _("已验收")


class AdaptationProject(models.Model):
    """适老化改造 of one elder's home: what the assessment found, the items, the contractor and the cost, and
    the acceptance with photos. The subsidy is the cost up to the household cap (a dated parameter)."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")  # the elder
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField(_("入户评估日期"))
    findings = models.CharField(_("评估意见"), max_length=500)
    items = models.JSONField(_("改造项目"))  # codes of policy/eldercare/adaptation-items.yaml
    contractor = models.CharField(_("施工单位"), max_length=100)
    cost = models.DecimalField(_("改造费用"), max_digits=10, decimal_places=2)
    subsidy = models.DecimalField(_("政府补贴"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=10, choices=AdaptationStatus.choices, default=AdaptationStatus.PLANNED
    )
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    acceptance_note = models.CharField(_("验收意见"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.assessed_on}"


class AdaptationPhoto(models.Model):
    project = models.ForeignKey(AdaptationProject, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="eldercare/adaptation/%Y/%m/")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.image.name or ""
