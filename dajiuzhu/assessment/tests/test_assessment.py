"""The instant check, batch runs and what-if on the registry, end to end (SQLite and PostgreSQL)."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from dajiuzhu.areas.services import areas_load
from dajiuzhu.assessment import services
from dajiuzhu.assessment.models import AssessmentRun, HouseholdResult, RunKind, RunStatus
from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.errors import NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.registry.models import Household, Person
from dajiuzhu.registry.seeding import seed_households
from dajiuzhu.registry.services import household_record_add
from dajiuzhu.rules.programmes import ELIGIBLE, NOT_ELIGIBLE

ON = dt.date(2026, 3, 15)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


def _standard(residence="rural", region="371424"):
    return round(float(parameter_tree().value(f"dibao.standard.{residence}", on=ON, region=region)) * 100)


def test_instant_check_by_id_number_explains_every_programme(worker_a, elder):
    # when the village worker types the ID number
    outcome = services.check_household(user=worker_a, id_number="371424195501010013", on=ON)
    # then the household is found and its income is the 12-month average
    assert outcome.household.pk == elder.pk
    assert outcome.result.household["total_income"] == 30000
    # and, alone with no supporter and no labour capacity, he is 特困 (not also 低保), with reasons
    tekun = next(p for p in outcome.programmes if p.code == "tekun")
    assert tekun.status == ELIGIBLE and tekun.person_name == "赵老汉"
    dibao = next(p for p in outcome.programmes if p.code == "dibao")
    assert dibao.status == NOT_ELIGIBLE
    assert any(line.name == "all_tekun" and line.passed is True for line in dibao.lines)
    assert {p.code for p in outcome.programmes} >= {"dibao", "edge", "tekun", "medical", "longevity"}
    # and the check is in the audit trail
    assert AuditEvent.objects.filter(action="check", actor=worker_a, subject_id=str(elder.pk)).count() == 1


def test_instant_check_outside_the_area_is_not_found_and_audited(worker_b, elder):
    with pytest.raises(NotFound):
        services.check_household(user=worker_b, id_number="371424195501010013", on=ON)
    assert AuditEvent.objects.filter(action="denied", actor=worker_b).count() == 1
    assert AuditEvent.objects.filter(action="check").count() == 0


def test_instant_check_bad_or_unknown_id_number(worker_a, elder):
    with pytest.raises(ValidationFailed) as err:
        services.check_household(user=worker_a, id_number="371424195501010016", on=ON)
    assert err.value.errors[0].field == "身份证号码" and "校验码错误" in err.value.errors[0].message
    with pytest.raises(NotFound) as nf:
        services.check_household(user=worker_a, id_number="371424199001010015", on=ON)
    assert "没有这个身份证号码" in nf.value.message


@pytest.fixture
def linyi_seeded(db):
    areas_load(city="3714")
    seed_households(households=300, seed=11, area_code="371424", as_of=ON)


def _county_user(make_user_fn, role="county_approver"):
    from dajiuzhu.accounts.models import User
    from dajiuzhu.areas.models import Area

    user = User(username=f"{role}_linyi", role=role, area=Area.objects.get(code="371424"))
    user.set_password("Passw0rd!x")
    user.save()
    return user


def test_batch_run_matches_the_instant_check_household_by_household(
    linyi_seeded, immediate_tasks, django_capture_on_commit_callbacks
):
    # given a county approver
    county = _county_user(None)
    # when a full run is started (the task runs on commit)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(user=county, on=ON)
    run.refresh_from_db()
    # then it finished, stored one result per household and the parameter versions it used
    assert run.status == RunStatus.DONE, run.error
    households = Household.objects.filter(area__county_code="371424", is_active=True).count()
    assert run.progress_total == households == 300
    assert HouseholdResult.objects.filter(run=run).count() == 300 - run.problem_count
    assert run.parameters["371424/rural"]["dibao.standard.rural"]["jurisdiction"] in {"3714", "371424"}
    assert run.summary["total"]["households"] == 300 - run.problem_count
    # and for a sample of households the instant check gives exactly the stored result
    results = {r.household_id: r for r in HouseholdResult.objects.filter(run=run)}
    sample = list(Household.objects.filter(pk__in=results).order_by("pk")[:40])
    eligible_seen = 0
    for household in sample:
        outcome = services.check_household(user=county, household_id=household.pk, on=ON)
        stored = results[household.pk]
        assert outcome.result.household["dibao_status"] == stored.dibao_status
        assert outcome.result.household["dibao_amount"] == int(stored.dibao_amount * 100)
        assert outcome.result.household["monthly_total"] == int(stored.monthly_total * 100)
        assert outcome.result.household["n_tekun"] == stored.n_tekun
        eligible_seen += stored.dibao_status != NOT_ELIGIBLE
    # and the synthetic county looks like one: a few percent on 低保, not most of it
    share = run.summary["total"]["dibao_households"] / run.summary["total"]["households"]
    assert 0.02 < share < 0.2, share


def test_second_run_lists_what_changed_and_exports_it(
    linyi_seeded, immediate_tasks, django_capture_on_commit_callbacks
):
    county = _county_user(None)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.run_start(user=county, on=ON)
    first.refresh_from_db()
    # given a household that was eligible loses it: a large wage appears
    eligible = HouseholdResult.objects.filter(run=first, dibao_status=ELIGIBLE).first()
    assert eligible is not None
    head = Household.objects.get(pk=eligible.household_id).head
    household_record_add(actor=county, household_id=eligible.household_id, kind="income", data={
        "income_type": "wage", "amount": "600000.00", "period_start": "2025-03-01", "period_end": "2026-02-28",
        "person": head.pk,
    })  # fmt: skip
    # when the county runs again
    with django_capture_on_commit_callbacks(execute=True):
        second = services.run_start(user=county, on=ON)
    second.refresh_from_db()
    # then the change list shows exactly that household as lost
    from dajiuzhu.assessment.selectors import changes_workbook, run_changes

    assert second.previous_id == first.pk
    changes = run_changes(second)
    assert changes.filter(changes["change"] == "lost")["household_id"].to_list() == [eligible.household_id]
    assert changes.filter(changes["change"] == "gained").height == 0
    # and the Excel list carries it, with the ID number masked
    wb = load_workbook(io.BytesIO(changes_workbook(user=county, run=second)))
    rows = list(wb.active.iter_rows(values_only=True))
    lost = [r for r in rows if r[5] == "不再符合低保"]
    assert len(lost) == 1 and lost[0][1] == head.name
    assert "*" in lost[0][2] and head.id_number not in str(rows)


def test_what_if_raises_the_standard_without_touching_live_results(
    linyi_seeded, immediate_tasks, django_capture_on_commit_callbacks
):
    county = _county_user(None)
    standard = _standard()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(
            user=county, on=ON, overrides={"dibao.standard.rural": f"{standard * 1.5 / 100:.2f}"}
        )
    run.refresh_from_db()
    assert run.kind == RunKind.WHATIF and run.status == RunStatus.DONE, run.error
    total = run.summary["total"]
    # then more households qualify, none lose, and the monthly cost rises
    assert total["dibao_after"] > total["dibao_before"]
    assert total["dibao_gained"] == total["dibao_after"] - total["dibao_before"]
    assert total["dibao_lost"] == 0
    assert total["cost_after_fen"] > total["cost_before_fen"]
    assert [row["region"] for row in run.summary["by_county"]] == ["371424"]
    # and no live result was written
    assert HouseholdResult.objects.count() == 0


def test_a_household_with_bad_data_is_reported_and_the_run_goes_on(
    linyi_seeded, immediate_tasks, django_capture_on_commit_callbacks
):
    county = _county_user(None)
    # given one person whose birth date is after the assessment date (bad data slipped in)
    person = Person.objects.filter(household__isnull=False).order_by("pk").first()
    Person.objects.filter(pk=person.pk).update(birth_date=dt.date(2027, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(user=county, on=ON)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.problem_count == 1
    assert run.problems == [{"household_id": person.household_id, "problem": "成员出生日期晚于评估日期"}]
    assert HouseholdResult.objects.filter(run=run).count() == 299


def test_a_code_outside_its_list_leaves_the_household_out_with_a_message(
    linyi_seeded, immediate_tasks, django_capture_on_commit_callbacks
):
    county = _county_user(None)
    # given a person whose disability type was written straight into the database with a code the
    # registry does not know (the engine reads coded columns as Enum of the known codes)
    person = Person.objects.filter(household__isnull=False).order_by("-pk").first()
    Person.objects.filter(pk=person.pk).update(disability_type="blind")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(user=county, on=ON)
    run.refresh_from_db()
    # then the run finishes, the other 299 households are assessed and the one is reported by field
    assert run.status == RunStatus.DONE, run.error
    assert run.problems == [{
        "household_id": person.household_id,
        "problem": f"成员（编号{person.pk}）的残疾类别代码“blind”不在代码表中"
                   "（应为空、visual、hearing、speech、physical、intellectual、mental、multiple）",
    }]  # fmt: skip
    assert HouseholdResult.objects.filter(run=run).count() == 299
    # and the instant check of that household says the same instead of failing
    with pytest.raises(ValidationFailed) as err:
        services.check_household(user=county, household_id=person.household_id, on=ON)
    assert "残疾类别代码“blind”" in err.value.errors[0].message


def test_engine_code_lists_are_the_registry_choices():
    from dajiuzhu.registry import choices
    from dajiuzhu.rules.inputs import CODES

    registry = {
        "sex": choices.Sex, "disability_type": choices.DisabilityType, "labour_capacity": choices.LabourCapacity,
        "residence": choices.ResidenceType,
    }  # fmt: skip
    for name, kind in registry.items():
        assert set(CODES[name]) == set(kind.values), name
    # every literal a rule compares a coded column with is in that column's list
    from dajiuzhu.rules.expr import Bin, Col, IsIn, Lit
    from dajiuzhu.rules.programmes import RULES

    def literals(node, out):
        if isinstance(node, Bin) and isinstance(node.left, Col) and isinstance(node.right, Lit):
            out.append((node.left.name, node.right.value))
        if isinstance(node, IsIn) and isinstance(node.inner, Col):
            out.extend((node.inner.name, v) for v in node.values)
        for child in vars(node).values():
            if hasattr(child, "to_polars"):
                literals(child, out)
        return out

    found = [pair for stage in RULES.stages if stage.kind in {"person", "household"}
             for item in stage.items for pair in literals(item.expr, [])]  # fmt: skip
    coded = [(n, v) for n, v in found if n in CODES]
    assert len(coded) > 10 and all(v in CODES[n] for n, v in coded), coded


def test_who_may_run_what(linyi_seeded):
    from dajiuzhu.accounts.models import User
    from dajiuzhu.areas.models import Area

    village = User.objects.create(
        username="v", role="village_assistant", area=Area.objects.get(code="371424")
    )
    analyst = User.objects.create(username="a", role="city_analyst", area=Area.objects.get(code="3714"))
    with pytest.raises(PermissionDenied):
        services.run_start(user=village, on=ON)
    with pytest.raises(PermissionDenied):
        services.run_start(user=analyst, on=ON)
    run = services.run_start(user=analyst, on=ON, overrides={"edge.income_multiple": "2"})
    assert run.kind == RunKind.WHATIF
    with pytest.raises(ValidationFailed) as err:
        services.run_start(user=analyst, on=ON, overrides={"no.such.parameter": "1"})
    assert err.value.errors[0].message == "未知参数“no.such.parameter”"
    assert AssessmentRun.objects.count() == 1


def test_assess_command_runs_in_process_and_skips_when_asked(linyi_seeded, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    county = _county_user(None)
    call_command("assess", user=county.username, date=ON.isoformat())
    out = capsys.readouterr().out
    assert out.startswith("研判完成：300 户")
    assert AssessmentRun.objects.get().status == RunStatus.DONE
    call_command("assess", user=county.username, if_none=True)
    assert capsys.readouterr().out.strip() == "已有研判结果，跳过"
    with pytest.raises(CommandError, match="评估日期“2026-02-30”无效"):
        call_command("assess", user=county.username, date="2026-02-30")


def test_a_standard_changed_in_the_ui_is_used_by_the_next_check(worker_a, elder, make_user, areas):
    from dajiuzhu.parameters.services import parameter_change_create

    # given the county raises the rural standard from 1 March 2026 (with its notice number)
    county = make_user("county_approver", "county")
    before = _standard()
    parameter_change_create(actor=county, name="dibao.standard.rural", start=dt.date(2026, 3, 1),
                            value="1234.00", reference="临民发〔2026〕1号", note="补录3月起执行的新标准")  # fmt: skip
    # when the village worker checks the household in March and in February
    march = services.check_household(user=worker_a, household_id=elder.pk, on=ON)
    february = services.check_household(user=worker_a, household_id=elder.pk, on=dt.date(2026, 2, 15))
    # then March uses the new standard, with its source recorded, and February the old one
    assert march.result.household["threshold"] == 123400
    assert march.parameters["371424/rural"]["dibao.standard.rural"]["reference"] == "临民发〔2026〕1号"
    assert before != 123400
    assert february.result.household["threshold"] == before
