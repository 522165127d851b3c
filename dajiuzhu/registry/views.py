"""Registry pages (thin: parse the request, call a selector or service, render).

Django forms are used here only to render widgets and to carry the user's input and the service's
error messages back to the page; every value is judged by registry.validation inside the services,
so a page, the API and the Excel import give the same Chinese messages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.areas.models import AreaLevel
from dajiuzhu.areas.selectors import area_children, area_descendants
from dajiuzhu.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from dajiuzhu.core.masking import mask_id_number, mask_phone
from dajiuzhu.core.net import client_ip
from dajiuzhu.registry import choices as ch
from dajiuzhu.registry import selectors, services
from dajiuzhu.registry.models import Household, OutsideSupporter, Person
from dajiuzhu.registry.validation import HOUSEHOLD_LABELS, PERSON_LABELS

PAGE_SIZE = 50
RECORD_KINDS = {"income": "收入", "asset": "财产", "expenditure": "刚性支出"}
BLANK = [("", "请选择")]
GRADE_CHOICES = [("", "无"), ("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级")]


def _can(request: HttpRequest, capability: str) -> bool:
    return bool(request.user.can(capability))  # type: ignore[union-attr]


# --- render-only forms ------------------------------------------------------------------------------


def _text(label: str, *, input_type: str = "text", help_text: str = "", **attrs: Any) -> forms.CharField:
    widget = forms.TextInput(attrs=attrs)
    widget.input_type = input_type
    return forms.CharField(label=label, required=False, help_text=help_text, widget=widget)


def _select(label: str, choices: Any, *, blank: bool = True) -> forms.CharField:
    options = list(choices)
    if blank and not any(value == "" for value, _label in options):
        options = BLANK + options
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=options))


def _check(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


class ServiceForm(forms.Form):
    """A form whose only job is to render fields and show the errors a service raised."""

    # Validation labels (as in registry.validation) that name a field with a different label here.
    error_labels: dict[str, str] = {}

    def service_data(self) -> dict[str, Any]:
        """The raw input for the service: text as typed, checkboxes as 是/否 (absent means unticked)."""
        data: dict[str, Any] = {}
        for name, field in self.fields.items():
            key = self.add_prefix(name)
            if isinstance(field, forms.BooleanField):
                data[name] = "是" if self.data.get(key) else "否"
            else:
                data[name] = (self.data.get(key) or "").strip()
        return data

    def attach(self, errors: list[FieldError]) -> list[FieldError]:
        """Put errors next to the fields they name; return those that name no field of this form."""
        by_label = {field.label: name for name, field in self.fields.items()}
        by_label.update({label: name for label, name in self.error_labels.items() if name in self.fields})
        rest = []
        for err in errors:
            name = by_label.get(err.field)
            if name is None:
                rest.append(err)
            else:
                self.add_error(name, err.message)
        return rest


class HouseholdForm(ServiceForm):
    area = _text(
        "所属村（社区）/网格",
        help_text="填写村（社区）或网格的12位或15位区划代码",
        list="area-options",
        inputmode="numeric",
        autocomplete="off",
    )
    address = _text("住址")
    residence_type = _select("城乡类别", ch.ResidenceType.choices)
    hukou_type = _select("户口性质", ch.HukouType.choices)
    note = _text("备注")

    error_labels = {v: k for k, v in HOUSEHOLD_LABELS.items()}


ADL_FIELDS = [name for name, _label in ch.ADL_ITEMS]


class PersonForm(ServiceForm):
    name = _text("姓名", autocomplete="off")
    id_number = _text("身份证号码", maxlength="18", autocomplete="off", autocapitalize="characters")
    phone = _text("联系电话", input_type="tel", autocomplete="off")
    relation = _select("与户主关系", ch.Relation.choices)
    labour_capacity = _select("劳动能力", ch.LabourCapacity.choices, blank=False)
    employment = _select("就业状况", ch.Employment.choices, blank=False)
    school_stage = _select("在读学段", ch.SchoolStage.choices, blank=False)
    disability_type = _select("残疾类别", ch.DisabilityType.choices, blank=False)
    disability_grade = _select("残疾等级", GRADE_CHOICES)
    serious_illness = _check("患重特大疾病")
    illness_note = _text("病种")
    adl_eating = _check("能自主进食")
    adl_dressing = _check("能自主穿衣")
    adl_transfer = _check("能自主上下床")
    adl_toileting = _check("能自主如厕")
    adl_walking = _check("能室内行走")
    adl_bathing = _check("能自主洗澡")
    is_deceased = _check("已死亡（登记后将触发家庭救助复核）")

    error_labels = {v: k for k, v in PERSON_LABELS.items()}
    initial_new = {"labour_capacity": "full", "employment": "na", **dict.fromkeys(ADL_FIELDS, True)}

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        names = {
            "基本信息": ["name", "id_number", "phone", "relation"],
            "劳动就业与就学": ["labour_capacity", "employment", "school_stage"],
            "残疾与疾病": ["disability_type", "disability_grade", "serious_illness", "illness_note"],
            "生活自理能力（不能做到的请取消勾选）": ADL_FIELDS,
            "人员状态": ["is_deceased"],
        }
        return [(title, [self[n] for n in group if n in self.fields]) for title, group in names.items()]


class HeadForm(PersonForm):
    """The head's fields on the new-household page (the relation is fixed)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["relation"]

    def service_data(self) -> dict[str, Any]:
        return {**super().service_data(), "relation": ch.Relation.HEAD}


class IncomeForm(ServiceForm):
    income_type = _select("收入类型", ch.IncomeType.choices)
    amount = _text("金额（元）", inputmode="decimal")
    period_start = _text("起始日期", input_type="date")
    period_end = _text("截止日期", input_type="date")
    person = _select("成员", [])
    source = _select("来源", ch.DataSource.choices, blank=False)
    note = _text("说明")


class AssetForm(ServiceForm):
    asset_type = _select("财产类型", ch.AssetType.choices)
    vehicle_kind = _select("车辆类型（机动车辆必填）", ch.VehicleKind.choices)
    description = _text("描述")
    value = _text("价值（元）", inputmode="decimal")
    quantity = _text("数量/面积", inputmode="decimal")
    recorded_on = _text("登记日期", input_type="date")
    person = _select("成员", [])
    source = _select("来源", ch.DataSource.choices, blank=False)
    exempt = _check("生活生产必需（豁免）")


class ExpenditureForm(ServiceForm):
    kind = _select("支出类型", ch.ExpenditureType.choices)
    amount = _text("金额（元）", inputmode="decimal")
    period_start = _text("起始日期", input_type="date")
    period_end = _text("截止日期", input_type="date")
    person = _select("成员", [])
    source = _select("来源", ch.DataSource.choices, blank=False)
    note = _text("说明")


RECORD_FORMS: dict[str, type[ServiceForm]] = {
    "income": IncomeForm,
    "asset": AssetForm,
    "expenditure": ExpenditureForm,
}


def _record_form(kind: str, members: list[Person], data: Any = None) -> ServiceForm:
    form = RECORD_FORMS[kind](data, prefix=kind)
    form.fields["person"].widget.choices = [("", "全户")] + [(str(p.pk), p.name) for p in members]  # type: ignore[attr-defined]
    return form


SUPPORTERS_LABEL = "户外法定义务人"
SUPPORTERS_HELP = (
    "登记申请人不在本户共同生活的法定赡养、抚养、扶养义务人（配偶、子女、父母等），用于特困人员认定条件三。"
    "本户共同生活的成员按其成员信息认定，无需在此登记。"
)


class SupporterForm(ServiceForm):
    """A statutory supporter living elsewhere; the labels are registry.validation's, so every error the
    service raises lands next to its field."""

    name = _text("姓名", autocomplete="off")
    id_number = _text("身份证号码", maxlength="18", autocomplete="off", autocapitalize="characters")
    relation = _select("与申请人关系", ch.SupporterRelation.choices)
    status = _select("状况", ch.SupporterStatus.choices, blank=False)
    monthly_income = _text("本人月收入（元）", inputmode="decimal")
    financial_assets = _text(
        "家庭金融资产（元）", inputmode="decimal", help_text="义务人本人家庭的存款、有价证券等"
    )
    household_size = _text("家庭人数", inputmode="numeric", help_text="义务人本人家庭的人口数")
    disability_type = _select("残疾类别", ch.DisabilityType.choices, blank=False)
    disability_grade = _select("残疾等级", GRADE_CHOICES)
    property_note = _text("财产情况")
    source = _select("来源", ch.DataSource.choices, blank=False)
    recorded_on = _text("登记日期", input_type="date")
    is_tekun = _check("为特困人员")
    dibao_recipient = _check("为低保对象")


def _supporter_form(data: Any = None) -> SupporterForm:
    return SupporterForm(data, prefix="supporter", initial={"household_size": "1"})


class MoveForm(ServiceForm):
    target_number = _text("迁入家庭户编号", inputmode="numeric", autocomplete="off")
    relation = _select("与户主关系", ch.Relation.choices)
    reason = _text("迁移原因")

    error_labels = {"迁入家庭": "target_number"}


def _person_initial(person: Person) -> dict[str, Any]:
    fields = [n for n in PersonForm.base_fields if n not in ("id_number", "phone")]
    initial = {n: getattr(person, n) for n in fields}
    initial["disability_grade"] = str(person.disability_grade or "")
    return initial


def _village_options(request: HttpRequest) -> list[Any]:
    """Villages and grids for the area datalist, only when the user's subtree is small (township or below)."""
    area = request.user.area  # type: ignore[union-attr]
    if area is None or area.level < AreaLevel.TOWNSHIP:
        return []
    return list(area_descendants(area).filter(level__gte=AreaLevel.VILLAGE).order_by("code")[:500])


# --- list and search -------------------------------------------------------------------------------


SEARCH_KEYS = ("q", "area", "area_code", "residence_type")
SEARCH_SESSION_KEY = "registry_search"


def search_filters(request: HttpRequest) -> tuple[dict[str, str], str]:
    """The household search's filters and the query string that pages and exports carry.

    The search form is POSTed and its filters kept in the session, so a typed name or ID number never
    enters an address (browser history, access logs); pages and the export then say only `s=1`. A plain
    GET with the filters (an old bookmark) still works."""
    if request.method == "POST":
        filters = {k: (request.POST.get(k) or "").strip() for k in SEARCH_KEYS}
        request.session[SEARCH_SESSION_KEY] = filters
        return filters, "s=1"
    if request.GET.get("s"):
        saved = request.session.get(SEARCH_SESSION_KEY) or {}
        return {k: str(saved.get(k, "")) for k in SEARCH_KEYS}, "s=1"
    filters = {k: request.GET.get(k, "").strip() for k in SEARCH_KEYS}
    return filters, urlencode({k: v for k, v in request.GET.items() if k in SEARCH_KEYS and v})


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    filters, carried = search_filters(request)
    if request.method == "POST" and not request.headers.get("HX-Request"):
        return redirect(reverse("registry:household_list") + "?s=1")
    q = filters["q"]
    area_code = filters["area_code"] or filters["area"]
    residence_type = filters["residence_type"]
    households = selectors.household_search(
        user=request.user, q=q, area_code=area_code, residence_type=residence_type
    )
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "carried": carried,
        "q": q,
        "area": filters["area"],
        "area_code": filters["area_code"],
        "residence_type": residence_type,
        "residence_choices": ch.ResidenceType.choices,
        "child_areas": area_children(request.user.area) if request.user.area else [],  # type: ignore[union-attr]
        "can_write": _can(request, Capability.REGISTRY_WRITE),
        "can_import": _can(request, Capability.REGISTRY_IMPORT),
        "can_export": _can(request, Capability.REGISTRY_EXPORT),
    }
    if request.headers.get("HX-Request"):
        return render(request, "registry/_household_results.html", context)
    return render(request, "registry/household_list.html", context)


# --- one household -----------------------------------------------------------------------------------


@login_required
def household_view(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get_for_user(
        user=request.user, household_id=household_id, ip=client_ip(request)
    )
    return render(request, "registry/household_view.html", _household_context(request, household))


def _household_context(
    request: HttpRequest, household: Household, record_forms: dict[str, ServiceForm] | None = None
) -> dict[str, Any]:
    detail = selectors.household_detail(household)
    forms_by_kind = {k: _record_form(k, detail["members"]) for k in RECORD_KINDS}
    forms_by_kind.update(record_forms or {})
    return {
        **detail,
        "record_forms": forms_by_kind,
        "supporter_form": _supporter_form(),
        "supporters_help": SUPPORTERS_HELP,
        "can_write": _can(request, Capability.REGISTRY_WRITE),
        "can_reveal": _can(request, Capability.REVEAL_PII),
        "perms_check": _can(request, "assess_check"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def household_new(request: HttpRequest) -> HttpResponse:
    user_area = request.user.area  # type: ignore[union-attr]
    error: ValidationFailed | None = None
    if request.method == "POST":
        form = HouseholdForm(request.POST)
        head = HeadForm(request.POST, prefix="head")
        data = form.service_data()
        try:
            household = services.household_create(
                actor=request.user,
                area=data.pop("area"),
                data=data,
                members=[head.service_data()],
                ip=client_ip(request),
            )
        except ValidationFailed as exc:
            error = exc
            head.attach(form.attach(exc.errors))
        else:
            messages.success(request, f"已登记新家庭，户编号 {household.number}。可继续添加其他成员。")
            return redirect("registry:household_view", household_id=household.pk)
    else:
        default_area = user_area.code if user_area and user_area.level >= AreaLevel.VILLAGE else ""
        form = HouseholdForm(initial={"area": default_area})
        head = HeadForm(prefix="head", initial=PersonForm.initial_new)
    return render(
        request,
        "registry/household_form.html",
        {
            "form": form,
            "head": head,
            "error": error,
            "area_options": _village_options(request),
            "household": None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get_for_user(
        user=request.user, household_id=household_id, ip=client_ip(request)
    )
    error: ValidationFailed | Conflict | None = None
    version: Any = household.version
    if request.method == "POST":
        form = HouseholdForm(request.POST)
        data = form.service_data()
        version = request.POST.get("version") or None
        try:
            services.household_update(
                actor=request.user,
                household_id=household.pk,
                area=data.pop("area"),
                data=data,
                version=int(version) if version else None,
            )
        except ValidationFailed as exc:
            error = exc
            form.attach(exc.errors)
        except Conflict as exc:
            error = exc
        else:
            messages.success(request, "家庭信息已保存")
            return redirect("registry:household_view", household_id=household.pk)
    else:
        form = HouseholdForm(
            initial={
                "area": household.area_id,
                "address": household.address,
                "residence_type": household.residence_type,
                "hukou_type": household.hukou_type,
                "note": household.note,
            }
        )
    return render(
        request,
        "registry/household_form.html",
        {
            "form": form,
            "head": None,
            "error": error,
            "area_options": _village_options(request),
            "household": household,
            "version": version,
        },
    )


# --- persons -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get_for_user(
        user=request.user, household_id=household_id, ip=client_ip(request)
    )
    error: ValidationFailed | None = None
    if request.method == "POST":
        form = PersonForm(request.POST)
        try:
            person = services.person_add(
                actor=request.user, household_id=household.pk, data=form.service_data(), ip=client_ip(request)
            )
        except ValidationFailed as exc:
            error = exc
            form.attach(exc.errors)
        else:
            messages.success(request, f"已添加成员 {person.name}")
            return redirect("registry:household_view", household_id=household.pk)
    else:
        form = PersonForm(initial=PersonForm.initial_new)
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "household": household, "person": None, "error": error},
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, person_id=person_id, ip=client_ip(request))
    household = person.household
    error: ValidationFailed | Conflict | None = None
    version: Any = person.version
    if request.method == "POST":
        form = PersonForm(request.POST)
        data = form.service_data()
        # The full ID number and phone are never put into the page; blank means "unchanged".
        for key in ("id_number", "phone"):
            if not data[key]:
                data.pop(key)
        version = request.POST.get("version") or None
        try:
            services.person_update(
                actor=request.user,
                person_id=person.pk,
                data=data,
                version=int(version) if version else None,
                ip=client_ip(request),
            )
        except ValidationFailed as exc:
            error = exc
            form.attach(exc.errors)
        except Conflict as exc:
            error = exc
        else:
            messages.success(request, f"成员 {data.get('name') or person.name} 的信息已保存")
            return redirect("registry:household_view", household_id=person.household_id)
    else:
        form = PersonForm(initial=_person_initial(person))
    _masked_placeholders(form, person)
    return render(
        request,
        "registry/person_form.html",
        {"form": form, "household": household, "person": person, "error": error, "version": version},
    )


def _masked_placeholders(form: PersonForm, person: Person) -> None:
    form.fields["id_number"].widget.attrs["placeholder"] = (
        f"{mask_id_number(person.id_number)}（不修改请留空）"
    )
    form.fields["phone"].widget.attrs["placeholder"] = (
        f"{mask_phone(person.phone)}（不修改请留空）" if person.phone else ""
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_move_view(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for_user(user=request.user, person_id=person_id, ip=client_ip(request))
    error: ValidationFailed | None = None
    if request.method == "POST":
        form = MoveForm(request.POST)
        data = form.service_data()
        try:
            target = _household_by_number(request, data["target_number"])
            services.person_move(
                actor=request.user,
                person_id=person.pk,
                to_household_id=target.pk,
                relation=data["relation"],
                reason=data["reason"],
            )
        except ValidationFailed as exc:
            error = exc
            form.attach(exc.errors)
        else:
            messages.success(request, f"{person.name} 已迁入户 {target.number}")
            return redirect("registry:household_view", household_id=target.pk)
    else:
        form = MoveForm()
    return render(
        request,
        "registry/person_move.html",
        {"form": form, "person": person, "household": person.household, "error": error},
    )


def _household_by_number(request: HttpRequest, number: str) -> Household:
    """The target of a move: unknown and out-of-area numbers answer the same, and the miss is audited."""
    if not number:
        raise ValidationFailed.single("迁入家庭", "请填写迁入家庭的户编号")
    try:
        found = selectors.household_by_number(
            user=request.user, number=number, ip=client_ip(request), field_name="迁入家庭"
        )
    except NotFound as exc:
        raise ValidationFailed.single("迁入家庭", exc.message) from exc
    if not found.is_active:
        raise ValidationFailed.single("迁入家庭", selectors.LOOKUP_MISS_NUMBER)
    return found


@login_required
@require_POST
def person_reveal_view(request: HttpRequest, person_id: int, field: str) -> HttpResponse:
    # Load through the scoped selector first so an out-of-scope attempt is audited as denied.
    person = selectors.person_get_for_user(user=request.user, person_id=person_id, ip=client_ip(request))
    value = services.person_reveal(
        actor=request.user, person_id=person.pk, field=field, ip=client_ip(request)
    )
    return HttpResponse(
        format_html('<span class="revealed mono" title="已记录查看">{}</span>', value or "（未填写）")
    )


# --- incomes, assets, expenditures -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest, household_id: int, kind: str) -> HttpResponse:
    if kind not in RECORD_KINDS:
        raise NotFound()
    household = selectors.household_get_for_user(
        user=request.user, household_id=household_id, ip=client_ip(request)
    )
    members = list(selectors.household_members(household))
    error: ValidationFailed | None = None
    if request.method == "POST":
        form = _record_form(kind, members, request.POST)
        try:
            services.household_record_add(
                actor=request.user, household_id=household.pk, kind=kind, data=form.service_data()
            )
        except ValidationFailed as exc:
            error = exc
            form.attach(exc.errors)
        else:
            messages.success(request, f"已添加{RECORD_KINDS[kind]}记录")
            return redirect(reverse("registry:household_view", args=[household.pk]) + f"#{kind}")
    else:
        form = _record_form(kind, members)
    return render(
        request,
        "registry/record_form.html",
        {
            "form": form,
            "household": household,
            "kind": kind,
            "kind_label": RECORD_KINDS[kind],
            "error": error,
        },
    )


@login_required
@require_POST
def record_delete(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    if kind not in RECORD_KINDS:
        raise NotFound()
    services.household_record_delete(actor=request.user, kind=kind, record_id=record_id)
    messages.success(request, f"已删除{RECORD_KINDS[kind]}记录")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("registry:household_list")
    return redirect(target)


# --- statutory supporters living elsewhere (户外法定义务人) --------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def supporter_new(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get_for_user(
        user=request.user, household_id=household_id, ip=client_ip(request)
    )
    user_require(request.user, Capability.REGISTRY_WRITE)
    error: ValidationFailed | None = None
    if request.method == "POST":
        form = _supporter_form(request.POST)
        try:
            supporter = services.outside_supporter_add(
                actor=request.user, household_id=household.pk, data=form.service_data()
            )
        except ValidationFailed as exc:
            error = exc
            form.attach(exc.errors)
        else:
            messages.success(request, f"已添加户外法定义务人 {supporter.name}")
            return redirect(reverse("registry:household_view", args=[household.pk]) + "#supporters")
    else:
        form = _supporter_form()
    return render(
        request,
        "registry/record_form.html",
        {
            "form": form,
            "household": household,
            "kind": "supporters",
            "kind_label": SUPPORTERS_LABEL,
            "help": SUPPORTERS_HELP,
            "error": error,
        },
    )


@login_required
@require_POST
def supporter_delete(request: HttpRequest, supporter_id: int) -> HttpResponse:
    household_id = (
        OutsideSupporter.objects.filter(pk=supporter_id).values_list("household_id", flat=True).first()
    )
    if household_id is None:
        raise NotFound()
    # Load through the scoped selector first so an out-of-scope attempt is audited as denied.
    household = selectors.household_get_for_user(
        user=request.user, household_id=household_id, ip=client_ip(request)
    )
    services.outside_supporter_delete(actor=request.user, supporter_id=supporter_id)
    messages.success(request, "已删除户外法定义务人")
    return redirect(reverse("registry:household_view", args=[household.pk]) + "#supporters")
