"""Elderly-care demo data for the demo county: a county welfare centre with floors by care type (as Linyi's
兴隆福利院: 1F 介助, 2–3F 自理, 4F 介护), a rural 幸福院 in the demo township, capability assessments of
elders of the demo village (levels from intact to completely disabled), residents placed by those levels,
and a waiting list. Everything goes through the eldercare services as the county's user, so it is
validated and audited like a clerk's work. Idempotent: nothing is added when the centre exists."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from dajiuzhu.accounts.models import User
from dajiuzhu.core import clock
from dajiuzhu.eldercare import institutions, services
from dajiuzhu.eldercare.models import Bed, Institution, Stay
from dajiuzhu.registry.models import Person
from dajiuzhu.rules import ability

CENTRE = "临邑县社会福利中心"
RURAL_HOME = "农村幸福院（演示）"
# Total points aimed at for the assessed elders, one per elder in order: every level appears.
TARGETS = (90, 84, 72, 61, 52, 40, 33, 22, 12, 70, 48, 27)


@dataclass
class Result:
    notes: list[str] = field(default_factory=list)


def _scores(total: int, rng: random.Random) -> dict[str, int]:
    """Item scores adding up to `total`: points taken off items at random, never below 0."""
    inst = ability.instrument()
    scores = {i.code: i.max for i in inst.items}
    missing = inst.max - total
    codes = [i.code for i in inst.items]
    while missing > 0:
        code = rng.choice(codes)
        if scores[code] > 0:
            scores[code] -= 1
            missing -= 1
    return scores


def run(*, county: User, village_code: str) -> Result:
    result = Result()
    if Institution.objects.filter(name=CENTRE).exists():
        return result
    today = clock.today()
    town_code = village_code[:9]
    centre = institutions.institution_save(
        user=county,
        data={
            "name": CENTRE, "kind": "welfare_home", "mode": "public", "area_code": county.area_id,
            "address": "临邑县城区（演示）", "licensed_carers": 36, "phone": "0534-4210000",
        },
    )  # fmt: skip
    for name, zone, beds in (("1层", "assisted", "101-110"), ("2层", "self_care", "201-212"),
                             ("3层", "self_care", "301-312"), ("4层", "nursing", "401-408")):  # fmt: skip
        institutions.zone_add(user=county, institution_id=centre.pk, name=name, care_zone=zone, beds=beds)
    home = institutions.institution_save(
        user=county,
        data={
            "name": RURAL_HOME, "kind": "rural_home", "mode": "public_private", "operator": "临邑县颐养服务有限公司（演示）",
            "area_code": town_code, "licensed_carers": 4,
        },
    )  # fmt: skip
    institutions.zone_add(user=county, institution_id=home.pk, name="平房", care_zone="self_care", beds="1-8")

    cutoff = today.replace(year=today.year - 60)
    elders = list(
        Person.objects.filter(
            household__area__village_code=village_code, birth_date__lte=cutoff, is_deceased=False
        ).order_by("birth_date", "pk")[: len(TARGETS)]
    )
    rng = random.Random(20261204)
    assessed = []
    for n, (elder, total) in enumerate(zip(elders, TARGETS, strict=False)):
        on = today - dt.timedelta(days=40 - n)
        a = services.assessment_record(
            user=county, person_id=elder.pk,
            data={
                "reason": "initial", "assessed_on": on.isoformat(), "organisation": "临邑县老年人能力评估中心（演示）",
                "assessor_1": "演示评估员甲", "assessor_2": "演示评估员乙", "scores": _scores(total, rng),
                "dementia": n == 10, "risk_events": {"fall": 2} if n == 11 else {},
            },
        )  # fmt: skip
        assessed.append((elder, a))
    result.notes.append(f"养老服务演示：能力评估 {len(assessed)} 人")

    # Residents: the more disabled half in the centre, each on a bed of their care zone; one elder at
    # the rural home; the rest on the centre's waiting list.
    placed = 0
    zone_of = {"self_care": "self_care", "assisted": "assisted", "nursing": "nursing"}
    by_level: dict[int, list] = {}
    for elder, a in assessed:
        by_level.setdefault(a.level, []).append((elder, a))
    chosen = [rows[0] for _level, rows in sorted(by_level.items(), reverse=True)]  # one of each level
    chosen += [pair for _level, rows in sorted(by_level.items(), reverse=True) for pair in rows[1:2]][
        : 6 - len(chosen)
    ]
    from dajiuzhu.benefits.selectors import beneficiary_ids

    tekun = set(
        beneficiary_ids(user=county, programme="tekun", month=today.replace(day=1)).values_list(
            "beneficiary_id", flat=True
        )
    )
    for elder, a in chosen:
        bed = (
            Bed.objects.filter(institution=centre, zone__care_zone=zone_of[a.care_zone], state="in_service")
            .exclude(pk__in=Stay.objects.filter(ended_on__isnull=True).values("bed_id"))
            .order_by("number")
            .first()
        )
        if bed is None:
            continue
        institutions.admit(
            user=county, institution_id=centre.pk,
            data={"person_id": elder.pk, "bed": bed.pk, "kind": "tekun" if elder.pk in tekun else "social",
                  "started_on": (today - dt.timedelta(days=20)).isoformat()},
        )  # fmt: skip
        placed += 1
    rest = [e for e, a in assessed if not Stay.objects.filter(person=e, ended_on__isnull=True).exists()]
    if rest:
        bed = Bed.objects.filter(institution=home).order_by("number").first()
        assert bed is not None
        institutions.admit(
            user=county, institution_id=home.pk,
            data={"person_id": rest[0].pk, "bed": bed.pk, "kind": "social",
                  "started_on": (today - dt.timedelta(days=10)).isoformat()},
        )  # fmt: skip
        placed += 1
    for elder in rest[1:4]:
        institutions.waiting_add(
            user=county, institution_id=centre.pk,
            data={"person_id": elder.pk, "kind": "social", "applied_on": (today - dt.timedelta(days=5)).isoformat()},
        )  # fmt: skip
    result.notes.append(f"养老服务演示：机构 2 家、床位 50 张、在住 {placed} 人、轮候 {len(rest[1:4])} 人")
    return result


CARER_USERNAME = "carer"
PROVIDERS = (
    ("临邑县颐养居家服务中心（演示）", "HT-DEMO-01", ("孙秀兰", "13705340001"), ("周桂芳", "13705340002")),
    (
        "德州康乐家政养老服务有限公司（演示）",
        "HT-DEMO-02",
        ("吴海燕", "13705340003"),
    ),
)


def home_care(*, county: User, village_code: str, password: str) -> Result:
    """Two providers with carers (the first with the demo login `carer`), the month's entitlements computed,
    a week of visits of the elders at home (one with an exception waiting for a supervisor) and today's
    visits assigned to the demo carer."""
    from django.contrib.auth.hashers import make_password

    from dajiuzhu.accounts.roles import Role
    from dajiuzhu.eldercare import entitlements, homecare
    from dajiuzhu.eldercare.models import CareEntitlement, CareOrder, OrderStatus, Provider, Visit

    result = Result()
    if Provider.objects.filter(area_id=(county.area_id or "")[:6]).exists():
        return result
    today = clock.today()
    carers = []
    for name, contract, *people in PROVIDERS:
        provider = homecare.provider_save(
            user=county,
            data={"name": name, "contract_number": contract, "contract_from": today.replace(month=1, day=1).isoformat(),
                  "contract_to": today.replace(month=12, day=31).isoformat()},
        )  # fmt: skip
        for person_name, phone in people:
            carers.append(
                homecare.carer_add(
                    user=county, provider_id=provider.pk, data={"name": person_name, "phone": phone}
                )
            )
    login = User.objects.filter(username=CARER_USERNAME).first()
    if login is None:
        login = User.objects.create(
            username=CARER_USERNAME, role=Role.CARER, area=county.area, full_name="演示护理员孙秀兰",
            password=make_password(password),
        )  # fmt: skip
    first = carers[0]
    first.user = login
    first.save(update_fields=["user"])
    month = today.replace(day=1)
    entitlements.compute_month(user=county, month=month)
    at_home = list(
        CareEntitlement.objects.filter(
            month=month, hours__gt=0, person__household__area__village_code=village_code
        )
        .select_related("person")
        .order_by("-hours", "person_id")[:4]
    )
    made = 0
    for n, ent in enumerate(at_home):
        provider = first.provider
        # A week of past visits: created as they would have been, then served (demo history).
        for back in range(1, 7, 2):
            day = today - dt.timedelta(days=back + n)
            if day < month:
                continue
            order = CareOrder.objects.create(
                person=ent.person, area_id=ent.area_id, provider=provider, carer=first, items=["house_cleaning", "laundry"],
                kind="cleaning", planned_on=day, planned_minutes=60, month=month, source="hotline",
                status=OrderStatus.DONE, created_by=county, created_at=clock.now() - dt.timedelta(days=back + n + 1),
            )  # fmt: skip
            start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC)
            odd = n == 0 and back == 1
            Visit.objects.create(
                order=order, carer=first, check_in_at=start, check_out_at=start + dt.timedelta(minutes=20 if odd else 62),
                check_in_lat=Decimal("37.190000"), check_in_lng=Decimal("116.860000"),
                check_out_lat=Decimal("37.190100"), check_out_lng=Decimal("116.860100"),
                items_done=["house_cleaning"] if odd else ["house_cleaning", "laundry"], minutes=20 if odd else 62,
                exceptions=["too_short"] if odd else [], exception_reason="老人临时去医院复诊" if odd else "",
            )  # fmt: skip
            if odd:
                CareOrder.objects.filter(pk=order.pk).update(status=OrderStatus.EXCEPTION)
            made += 1
        # Today's visit, assigned to the demo carer.
        today_order = homecare.order_place(
            user=county,
            data={"person_id": ent.person_id, "kind": "cleaning", "items": ["house_cleaning", "laundry"],
                  "planned_on": today.isoformat(), "planned_minutes": "60", "provider": provider.pk, "source": "hotline"},
        )  # fmt: skip
        homecare.order_assign(user=county, order_id=today_order.pk, carer_id=first.pk)
        made += 1
    result.notes.append(
        f"居家上门服务演示：服务机构 {len(PROVIDERS)} 家、护理员 {len(carers)} 名"
        f"（护理员演示账号 {CARER_USERNAME}，密码 {password}），"
        f"工单 {made} 张（1 张异常待审核）"
    )
    return result
