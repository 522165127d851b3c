"""Volunteer visits against the county's monthly target, and home adaptation with its acceptance photos."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dajiuzhu.eldercare import community
from dajiuzhu.eldercare.errors import CommunityInvalid
from dajiuzhu.eldercare.models import AdaptationPhoto, VolunteerVisit

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _today(settings):
    settings.DAJIUZHU_TODAY = "2026-12-10"


def tekun(household, person, user):
    from dajiuzhu.accounts.models import Department
    from dajiuzhu.benefits.services import entitlement_start
    from dajiuzhu.intake.models import Application, AssistanceItem, Kind, Status

    mz = Department.objects.get_or_create(code="minzheng", defaults={"name": "民政"})[0]
    item = AssistanceItem.objects.create(code="tekun", name="特困", department=mz, programme="tekun")
    app = Application.objects.create(
        number="SQ-T", kind=Kind.NEW, item=item, household=household, applicant=person, area=household.area,
        department=mz, status=Status.APPROVED, decision="approve", decided_amount=Decimal("900.00"),
    )  # fmt: skip
    entitlement_start(
        application=app,
        amount=Decimal("900.00"),
        start_month=dt.date(2026, 1, 1),
        review_months=12,
        decided_by=user,
    )


def test_volunteer_hours_count_against_the_target_and_unvisited_elders_come_first(
    county_user, household_b
) -> None:
    elder = household_b.head  # 81
    tekun(household_b, elder, county_user)
    month = community.volunteer_month(user=county_user, month=dt.date(2026, 12, 1))
    assert month.target == 100 and [(p.pk, n) for p, n in month.eligible] == [(elder.pk, 0)]
    community.volunteer_visit_record(
        user=county_user,
        data={
            "id_number": elder.id_number,
            "volunteer": "小王",
            "visited_on": "2026-12-05",
            "minutes": "90",
            "content": "陪伴聊天",
        },
    )
    with pytest.raises(CommunityInvalid):
        community.volunteer_visit_record(
            user=county_user,
            data={
                "id_number": elder.id_number,
                "volunteer": "小王",
                "visited_on": "2026-12-05",
                "minutes": "30",
                "content": "读报",
            },
        )
    month = community.volunteer_month(user=county_user, month=dt.date(2026, 12, 1))
    assert (month.hours, month.visits, month.elders_visited) == (Decimal("1.5"), 1, 1)
    assert month.eligible[0][1] == 1
    assert VolunteerVisit.objects.count() == 1


def test_a_bad_volunteer_visit_names_its_fields(county_user, household_b) -> None:
    with pytest.raises(CommunityInvalid) as err:
        community.volunteer_visit_record(
            user=county_user,
            data={"id_number": household_b.head.id_number, "visited_on": "2027-01-01", "minutes": "5"},
        )
    assert {"volunteer", "content", "visited_on", "minutes"} <= {e.field for e in err.value.errors}


def test_an_adaptation_is_subsidised_up_to_the_cap_and_accepted_with_photos(county_user, household_b) -> None:
    project = community.adaptation_plan(
        user=county_user,
        data={"id_number": household_b.head.id_number, "assessed_on": "2026-12-01", "findings": "卫生间无扶手",
              "items": ["grab_bars", "anti_slip"], "contractor": "某装修队", "cost": "2,450.00"},
    )  # fmt: skip
    assert (project.cost, project.subsidy) == (Decimal("2450.00"), Decimal("2000.00"))
    with pytest.raises(CommunityInvalid) as no_photo:
        community.adaptation_accept(
            user=county_user,
            project_id=project.pk,
            data={"accepted_on": "2026-12-09", "acceptance_note": "合格"},
            photos=[],
        )
    assert no_photo.value.errors[0].field == "photos"
    photo = SimpleUploadedFile("done.png", PNG, content_type="image/png")
    done = community.adaptation_accept(
        user=county_user,
        project_id=project.pk,
        data={"accepted_on": "2026-12-09", "acceptance_note": "合格"},
        photos=[photo],
    )
    assert done.status == "accepted" and AdaptationPhoto.objects.filter(project=project).count() == 1


def test_the_page_records_a_visit(county_user, household_b) -> None:
    client = Client()
    client.force_login(county_user)
    url = reverse("eldercare:community")
    bad = client.post(url, {"form": "volunteer", "id_number": household_b.head.id_number, "minutes": "60"})
    assert bad.status_code == 400 and "志愿者：不能为空" in bad.content.decode()
    ok = client.post(
        url,
        {
            "form": "volunteer",
            "id_number": household_b.head.id_number,
            "volunteer": "小李",
            "visited_on": "2026-12-09",
            "minutes": "60",
            "content": "聊天",
        },
    )
    assert ok.status_code == 302 and VolunteerVisit.objects.count() == 1
