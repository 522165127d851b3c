"""Institutions, beds and stays: one person a bed, occupancy by care type, transfers, the waiting queue,
and the 特困 people who have lost all self-care and live in no institution."""

import datetime as dt
import threading

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.errors import NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.eldercare import institutions, selectors, services
from dajiuzhu.eldercare.errors import InstitutionInvalid, StayInvalid
from dajiuzhu.eldercare.models import Bed, Stay, WaitingEntry, WaitStatus
from dajiuzhu.rules import ability

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(settings):
    settings.DAJIUZHU_TODAY = "2026-12-01"


@pytest.fixture
def county_user(make_user):
    return make_user("county_approver", "county")


@pytest.fixture
def home(county_user):
    inst = institutions.institution_save(
        user=county_user,
        data={
            "name": "兴隆福利院",
            "kind": "welfare_home",
            "mode": "public",
            "area_code": "371424100",
            "licensed_carers": "12",
        },
    )
    institutions.zone_add(
        user=county_user, institution_id=inst.pk, name="1层", care_zone="assisted", beds="101-103"
    )
    institutions.zone_add(
        user=county_user, institution_id=inst.pk, name="2层", care_zone="self_care", beds="201-202"
    )
    institutions.zone_add(
        user=county_user, institution_id=inst.pk, name="4层", care_zone="nursing", beds="401"
    )
    return inst


def bed(inst, number):
    return Bed.objects.get(institution=inst, number=number)


def test_bed_numbers_are_read_as_ranges_and_lists() -> None:
    assert institutions.parse_bed_numbers("101-103、105，A1-A2") == ["101", "102", "103", "105", "A1", "A2"]
    assert institutions.parse_bed_numbers("008-010") == ["008", "009", "010"]
    for bad in ("", "110-101", "1-900", "床#1"):
        with pytest.raises(ValidationFailed):
            institutions.parse_bed_numbers(bad)


def test_an_institution_needs_its_fields_and_stays_in_the_users_area(county_user, make_user) -> None:
    with pytest.raises(InstitutionInvalid) as err:
        institutions.institution_save(
            user=county_user,
            data={
                "name": "",
                "kind": "castle",
                "mode": "public",
                "area_code": "371425",
                "licensed_carers": "-1",
            },
        )
    fields = {e.field for e in err.value.errors}
    assert {"name", "kind", "area_code", "licensed_carers"} <= fields
    with pytest.raises(PermissionDenied):
        institutions.institution_save(user=make_user("township_reviewer", "township"), data={"name": "x"})


def test_admission_fills_a_bed_and_the_database_keeps_one_person_a_bed(
    county_user, home, household_b
) -> None:
    elder = household_b.head
    stay = institutions.admit(
        user=county_user,
        institution_id=home.pk,
        data={
            "id_number": elder.id_number,
            "bed": bed(home, "201").pk,
            "kind": "tekun",
            "started_on": "2026-11-01",
        },
    )
    assert stay.bed.number == "201" and stay.kind == "tekun"
    occ = selectors.occupancy([home.pk])[home.pk]
    assert (occ["self_care"].beds, occ["self_care"].occupied, occ["self_care"].free) == (2, 1, 1)
    assert occ["assisted"].occupied == 0 and occ["nursing"].beds == 1
    with pytest.raises(StayInvalid) as again:
        institutions.admit(
            user=county_user,
            institution_id=home.pk,
            data={
                "id_number": elder.id_number,
                "bed": bed(home, "202").pk,
                "kind": "tekun",
                "started_on": "2026-11-02",
            },
        )
    assert "已在养老机构入住" in again.value.errors[0].message
    assert Stay.objects.count() == 1
    assert AuditEvent.objects.filter(subject_type="stay", subject_id=str(stay.pk)).exists()


def test_a_bed_that_is_taken_or_under_repair_is_refused(county_user, home, household_a, household_b) -> None:
    institutions.admit(
        user=county_user,
        institution_id=home.pk,
        data={
            "id_number": household_b.head.id_number,
            "bed": bed(home, "101").pk,
            "kind": "tekun",
            "started_on": "2026-11-01",
        },
    )
    with pytest.raises(StayInvalid) as taken:
        institutions.admit(
            user=county_user,
            institution_id=home.pk,
            data={
                "id_number": household_a.head.id_number,
                "bed": bed(home, "101").pk,
                "kind": "social",
                "started_on": "2026-11-01",
            },
        )
    assert taken.value.errors[0].message == "床位：101已有人入住"
    institutions.bed_set_state(user=county_user, bed_id=bed(home, "102").pk, state="maintenance")
    with pytest.raises(StayInvalid) as repair:
        institutions.admit(
            user=county_user,
            institution_id=home.pk,
            data={
                "id_number": household_a.head.id_number,
                "bed": bed(home, "102").pk,
                "kind": "social",
                "started_on": "2026-11-01",
            },
        )
    assert "维修" in repair.value.errors[0].message
    with pytest.raises(InstitutionInvalid):
        institutions.bed_set_state(user=county_user, bed_id=bed(home, "101").pk, state="maintenance")


def test_a_bed_of_another_care_type_than_assessed_needs_a_reason(county_user, home, household_b) -> None:
    elder = household_b.head
    scores = {i.code: 0 for i in ability.instrument().items}  # 完全失能 → 介护
    services.assessment_record(
        user=county_user,
        person_id=elder.pk,
        data={
            "reason": "initial",
            "assessed_on": "2026-11-20",
            "organisation": "评估中心",
            "assessor_1": "甲",
            "assessor_2": "乙",
            "scores": scores,
        },
    )
    data = {
        "id_number": elder.id_number,
        "bed": bed(home, "201").pk,
        "kind": "tekun",
        "started_on": "2026-11-25",
    }
    with pytest.raises(StayInvalid) as err:
        institutions.admit(user=county_user, institution_id=home.pk, data=data)
    assert err.value.errors[0].field == "zone_reason" and "介护" in err.value.errors[0].message
    stay = institutions.admit(
        user=county_user, institution_id=home.pk, data={**data, "zone_reason": "介护床位已满"}
    )
    assert "介护床位已满" in stay.note


def test_transfer_and_leaving_keep_the_history_and_free_the_bed(county_user, home, household_b) -> None:
    elder = household_b.head
    first = institutions.admit(
        user=county_user,
        institution_id=home.pk,
        data={
            "id_number": elder.id_number,
            "bed": bed(home, "201").pk,
            "kind": "tekun",
            "started_on": "2026-10-01",
        },
    )
    with pytest.raises(StayInvalid):
        institutions.transfer(
            user=county_user, stay_id=first.pk, data={"bed": bed(home, "202").pk, "on": "2026-09-01"}
        )
    moved = institutions.transfer(
        user=county_user, stay_id=first.pk, data={"bed": bed(home, "202").pk, "on": "2026-11-01"}
    )
    first.refresh_from_db()
    assert (first.ended_on, first.leave_reason) == (dt.date(2026, 11, 1), "transfer")
    assert moved.bed.number == "202" and moved.ended_on is None
    institutions.leave(user=county_user, stay_id=moved.pk, data={"reason": "death", "on": "2026-11-30"})
    assert not Stay.objects.filter(ended_on__isnull=True).exists()
    history = selectors.stay_history(user=county_user, person_id=elder.pk)
    assert [s.bed.number for s in history] == ["202", "201"]
    with pytest.raises(StayInvalid):
        institutions.leave(user=county_user, stay_id=moved.pk, data={"reason": "death", "on": "2026-11-30"})


def test_another_county_cannot_see_or_touch_an_institution(county_user, home, make_user) -> None:
    other = make_user("county_approver", "county2")
    assert not selectors.institutions_visible(other).exists()
    with pytest.raises(NotFound):
        selectors.institution_get(user=other, institution_id=home.pk)
    with pytest.raises(NotFound):
        institutions.zone_add(user=other, institution_id=home.pk, name="5层", care_zone="nursing", beds="501")
    with pytest.raises(NotFound):
        institutions.bed_set_state(user=other, bed_id=bed(home, "101").pk, state="reserved")
    assert Bed.objects.filter(institution=home).count() == 6


def test_the_waiting_list_puts_tekun_and_the_most_disabled_first(
    county_user, home, household_a, household_b
) -> None:
    a_head, a_spouse = household_a.head, household_a.members.get(relation="spouse")
    institutions.waiting_add(
        user=county_user,
        institution_id=home.pk,
        data={"id_number": a_head.id_number, "kind": "social", "applied_on": "2026-10-01"},
    )
    institutions.waiting_add(
        user=county_user,
        institution_id=home.pk,
        data={"id_number": a_spouse.id_number, "kind": "social", "applied_on": "2026-10-05"},
    )
    institutions.waiting_add(
        user=county_user,
        institution_id=home.pk,
        data={"id_number": household_b.head.id_number, "kind": "tekun", "applied_on": "2026-11-20"},
    )
    scores = {i.code: 1 for i in ability.instrument().items}
    services.assessment_record(
        user=county_user,
        person_id=a_spouse.pk,
        data={
            "reason": "initial",
            "assessed_on": "2026-11-01",
            "organisation": "评估中心",
            "assessor_1": "甲",
            "assessor_2": "乙",
            "scores": scores,
        },
    )
    order = [w.person.name for w in selectors.waiting_list(home)]
    assert order == [household_b.head.name, a_spouse.name, a_head.name]
    with pytest.raises(StayInvalid):
        institutions.waiting_add(
            user=county_user,
            institution_id=home.pk,
            data={"id_number": a_head.id_number, "kind": "social", "applied_on": "2026-11-01"},
        )
    institutions.admit(
        user=county_user,
        institution_id=home.pk,
        data={
            "id_number": a_head.id_number,
            "bed": bed(home, "202").pk,
            "kind": "social",
            "started_on": "2026-11-30",
        },
    )
    assert WaitingEntry.objects.get(person=a_head).status == WaitStatus.ADMITTED


@pytest.mark.django_db(transaction=True)
def test_two_clerks_admitting_to_one_bed_at_once_give_one_stay(
    county_user, home, household_a, household_b
) -> None:
    target = bed(home, "401").pk
    people = [household_a.head.id_number, household_b.head.id_number]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(number: str) -> None:
        from django.db import connections

        try:
            barrier.wait()
            institutions.admit(
                user=county_user,
                institution_id=home.pk,
                data={"id_number": number, "bed": target, "kind": "social", "started_on": "2026-11-30"},
            )
            outcomes.append("ok")
        except (StayInvalid, Exception) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "StayInvalid" or "BedTaken" in outcomes
    assert outcomes.count("ok") == 1
    assert Stay.objects.filter(bed_id=target, ended_on__isnull=True).count() == 1


def test_the_pages_show_occupancy_and_admit(county_user, home, household_b, worker_b) -> None:
    client = Client()
    client.force_login(county_user)
    listing = client.get(reverse("eldercare:institutions")).content.decode()
    assert "兴隆福利院" in listing and "介护" in listing
    url = reverse("eldercare:admit", args=[home.pk])
    refused = client.post(
        url, {"id_number": household_b.head.id_number, "bed": "", "kind": "tekun", "started_on": "2026-11-30"}
    )
    assert refused.status_code == 400 and "床位：请选择" in refused.content.decode()
    done = client.post(
        url,
        {
            "id_number": household_b.head.id_number,
            "bed": bed(home, "201").pk,
            "kind": "tekun",
            "started_on": "2026-11-30",
        },
    )
    assert done.status_code == 302
    page = client.get(reverse("eldercare:institution", args=[home.pk])).content.decode()
    assert household_b.head.name in page and "特困人员集中供养" in page
    village = Client()
    village.force_login(worker_b)
    assert (
        village.get(reverse("eldercare:institution", args=[home.pk])).status_code == 404
    )  # a village sees no county institution
    assert village.post(url, {"id_number": "x"}).status_code in (403, 404)


def test_the_api_lists_admits_and_moves(county_user, home, household_b, make_user) -> None:
    from dajiuzhu.accounts.services import api_token_create

    _t, key = api_token_create(user=county_user, name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    listed = api.get("/api/eldercare/institutions").json()
    assert listed[0]["name"] == "兴隆福利院"
    assert {c["care_zone"]: c["beds"] for c in listed[0]["occupancy"]} == {
        "self_care": 2,
        "assisted": 3,
        "nursing": 1,
    }
    beds = {b["number"]: b["id"] for b in api.get(f"/api/eldercare/institutions/{home.pk}/beds").json()}
    body = {
        "id_number": household_b.head.id_number,
        "bed": beds["201"],
        "kind": "tekun",
        "started_on": "2026-11-02",
    }
    created = api.post(f"/api/eldercare/institutions/{home.pk}/stays", body, content_type="application/json")
    assert created.status_code == 201, created.content
    stay = created.json()["id"]
    bad = api.post(
        f"/api/eldercare/stays/{stay}/transfer",
        {"bed": beds["201"], "on": "2026-11-10"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "已有人入住" in bad.json()["errors"][0]["message"]
    moved = api.post(
        f"/api/eldercare/stays/{stay}/transfer",
        {"bed": beds["202"], "on": "2026-11-10"},
        content_type="application/json",
    )
    assert moved.status_code == 201
    occupied = [b for b in api.get(f"/api/eldercare/institutions/{home.pk}/beds").json() if b["occupant"]]
    assert [b["number"] for b in occupied] == ["202"]
    _t2, other_key = api_token_create(user=make_user("county_approver", "county2"), name="o")
    other = Client(headers={"Authorization": f"Bearer {other_key}"})
    assert other.get(f"/api/eldercare/institutions/{home.pk}/beds").status_code == 404
    assert other.get("/api/eldercare/institutions").json() == []


def test_a_completely_disabled_tekun_person_at_home_is_listed_until_placed(
    county_user, home, household_b
) -> None:
    from decimal import Decimal

    from dajiuzhu.accounts.models import Department
    from dajiuzhu.benefits.services import entitlement_start
    from dajiuzhu.intake.models import Application, AssistanceItem, Kind, Status

    elder = household_b.head
    mz = Department.objects.get_or_create(code="minzheng", defaults={"name": "民政"})[0]
    item = AssistanceItem.objects.create(
        code="tekun", name="特困人员救助供养", department=mz, programme="tekun"
    )
    app = Application.objects.create(
        number="SQ-tekun-1", kind=Kind.NEW, item=item, household=household_b, applicant=elder,
        area=household_b.area, department=mz, status=Status.APPROVED, decision="approve",
        decided_amount=Decimal("900.00"),
    )  # fmt: skip
    entitlement_start(
        application=app,
        amount=Decimal("900.00"),
        start_month=dt.date(2026, 1, 1),
        review_months=12,
        decided_by=None,
    )
    month = dt.date(2026, 12, 1)
    assert (
        selectors.unplaced_disabled_tekun(user=county_user, month=month) == []
    )  # still able to look after himself
    elder.adl_eating = elder.adl_dressing = elder.adl_bathing = elder.adl_walking = False
    elder.save()
    rows = selectors.unplaced_disabled_tekun(user=county_user, month=month)
    assert [(r.person.pk, "4项不能自理" in r.reason) for r in rows] == [(elder.pk, True)]
    institutions.admit(
        user=county_user,
        institution_id=home.pk,
        data={
            "id_number": elder.id_number,
            "bed": bed(home, "401").pk,
            "kind": "tekun",
            "started_on": "2026-11-30",
        },
    )
    assert selectors.unplaced_disabled_tekun(user=county_user, month=month) == []
