"""The demo and seed commands: refused outside a demo or development instance; idempotent inside one."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dajiuzhu.accounts.models import User
from dajiuzhu.areas.models import Area, AreaLevel
from dajiuzhu.registry.models import Household

pytestmark = pytest.mark.django_db(transaction=False)

DEMO_COMMANDS = [
    ("demo_setup",),
    ("seed", "--households", "5"),
    ("intake_demo",),
    ("monitoring_demo",),
    ("payments_demo",),
    ("eldercare_demo",),
]


@pytest.fixture
def demo_on(settings):
    settings.DAJIUZHU_DEMO = True


@pytest.mark.parametrize("command", DEMO_COMMANDS, ids=lambda c: c[0])
def test_demo_command_is_refused_without_debug_or_demo_switch(command, settings):
    # given a production-like instance
    settings.DEBUG = False
    settings.DAJIUZHU_DEMO = False
    # when
    with pytest.raises(CommandError) as info:
        call_command(*command)
    # then it says why in Chinese and English, naming both switches, and wrote nothing
    message = str(info.value)
    assert "切勿在生产数据库上运行" in message
    assert "never run them on a production database" in message
    assert "DAJIUZHU_DEBUG=true" in message and "DAJIUZHU_DEMO=true" in message
    assert User.objects.count() == 0
    assert Area.objects.count() == 0
    assert Household.objects.count() == 0


def test_demo_switch_alone_allows_the_seed_command(demo_on, settings, capsys):
    settings.DEBUG = False
    call_command("seed", "--households", "5", "--seed", "5", "--area", "371424")
    assert Household.objects.count() == 5


def test_seed_command_loads_areas_and_prints_counts(demo_on, capsys):
    call_command("seed", "--households", "50", "--seed", "5", "--area", "371424")
    out = capsys.readouterr().out
    assert "50 户" in out and "秒" in out
    assert Household.objects.count() == 50


def test_demo_setup_is_idempotent(demo_on, capsys):
    # when
    call_command("demo_setup")
    users, households = User.objects.count(), Household.objects.count()
    call_command("demo_setup")

    # then
    assert users == User.objects.count() == 9
    assert households == Household.objects.count() == 2000
    # and the demo village has its two supporters living elsewhere, added once
    from dajiuzhu.registry.models import OutsideSupporter

    assert sorted(OutsideSupporter.objects.values_list("status", flat=True)) == ["", "in_prison"]
    out = capsys.readouterr().out
    assert out.count("demo12345!") >= 16
    village = User.objects.get(username="village")
    grid = User.objects.get(username="grid")
    assert village.area.level == AreaLevel.VILLAGE and grid.area.level == AreaLevel.GRID
    assert grid.area.is_within(village.area)
    assert Household.objects.filter(area__village_code=village.area.code).exists()
    assert User.objects.get(username="township").area.code == village.area.township_code
    assert User.objects.get(username="yibao").department.code == "yibao"
    assert User.objects.get(username="admin").area.code == "37"
    assert User.objects.get(username="auditor").area.code == "3714"
    assert village.check_password("demo12345!")


def test_eldercare_demo_is_idempotent_and_fills_every_part(demo_on, capsys):
    from dajiuzhu.eldercare.models import (
        AbilityAssessment,
        CareEntitlement,
        CareOrder,
        Institution,
        Stay,
        Visit,
    )

    call_command("demo_setup")
    call_command("eldercare_demo")
    counts = [
        m.objects.count() for m in (Institution, AbilityAssessment, Stay, CareOrder, Visit, CareEntitlement)
    ]
    call_command("eldercare_demo")
    assert counts == [
        m.objects.count() for m in (Institution, AbilityAssessment, Stay, CareOrder, Visit, CareEntitlement)
    ]
    institutions, assessments, stays, orders, visits, entitlements = counts
    assert (
        institutions == 2
        and assessments == 12
        and stays >= 6
        and orders >= 4
        and visits >= 3
        and entitlements > 0
    )
    assert set(AbilityAssessment.objects.values_list("level", flat=True)) == {0, 1, 2, 3, 4}
    assert CareOrder.objects.filter(status="exception").count() == 1
    carer = User.objects.get(username="carer")
    assert carer.role == "carer" and carer.check_password("demo12345!")
    assert CareOrder.objects.filter(carer__user=carer, status="assigned").exists()
