"""Statutory supporters living elsewhere recorded in the registry (issue 13 point 2): the instant check and
the batch run judge them in person, and the check's explanation names each of them."""

import datetime as dt

import pytest

from dajiuzhu.assessment import services
from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.registry.models import OutsideSupporter
from dajiuzhu.registry.services import outside_supporter_add, outside_supporter_delete
from dajiuzhu.rules.programmes import ELIGIBLE, NOT_ELIGIBLE

from .conftest import ELDER_ID

ON = dt.date(2026, 3, 15)
SON = {"relation": "child", "id_number": "371424198001010010", "name": "赵大伟", "monthly_income": "5000.00"}


def _tekun(outcome):
    return next(p for p in outcome.programmes if p.code == "tekun")


def test_an_able_son_elsewhere_recorded_in_the_registry_ends_tekun_and_is_named(worker_a, elder):
    # given the elder's son, recorded as a supporter living elsewhere with a wage of 5000 a month
    supporter = outside_supporter_add(actor=worker_a, household_id=elder.pk, data=SON)
    assert supporter.birth_date == dt.date(1980, 1, 1)
    assert AuditEvent.objects.filter(subject_type="outside_supporter", action="create").count() == 1
    # when the village worker checks the elder
    outcome = services.check_household(user=worker_a, id_number=ELDER_ID, on=ON)
    # then 特困 is refused and the explanation names the son as able, with S2 art. 8
    assert outcome.result.household["external_supporter_able"] is True
    tekun = _tekun(outcome)
    assert tekun.status == NOT_ELIGIBLE
    son = next(ln for ln in tekun.lines if ln.label == "赵大伟（子女，户外）作为法定义务人")
    assert son.outcome == "有履行能力" and son.reference == "特困人员认定办法 第八条"


def test_a_son_in_prison_does_not_end_tekun_and_the_batch_agrees(worker_a, elder):
    # given the elder's only son, in prison and without property
    outside_supporter_add(
        actor=worker_a, household_id=elder.pk, data={**SON, "monthly_income": "0", "status": "in_prison"}
    )
    # when the household is checked
    outcome = services.check_household(user=worker_a, id_number=ELDER_ID, on=ON)
    # then he stays 特困, the son's reason is given
    tekun = _tekun(outcome)
    assert tekun.status == ELIGIBLE
    son = next(ln for ln in tekun.lines if ln.label.startswith("赵大伟"))
    assert son.outcome.startswith("不能履行：无民事行为能力、被宣告失踪或在监狱服刑")
    # and the batch path (Polars, the same supporter rules) gives the same 特困 count
    frames_out = services._assess(*_frames_and_sets(elder))
    assert frames_out.filter(frames_out["household_id"] == elder.pk)["n_tekun"].item() == 1


def _frames_and_sets(household):
    from dajiuzhu.assessment.building import load_frames
    from dajiuzhu.parameters.selectors import parameter_tree

    tree = parameter_tree()
    frames = load_frames(on=ON, lookback_months=12, household_ids=[household.pk])
    return frames, services.parameter_sets(tree, on=ON, combos=frames.combos)


def test_the_batch_path_refuses_tekun_when_the_son_is_able(worker_a, elder):
    outside_supporter_add(actor=worker_a, household_id=elder.pk, data=SON)
    out = services._assess(*_frames_and_sets(elder))
    assert out.filter(out["household_id"] == elder.pk)["n_tekun"].item() == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**SON, "id_number": ""}, "身份证号码"),
        ({**SON, "relation": ""}, "与申请人关系"),
        ({**SON, "relation": "neighbour"}, "与申请人关系"),
        ({**SON, "id_number": "371424198001010011"}, "身份证号码"),
        ({**SON, "id_number": ELDER_ID}, "身份证号码"),
    ],
)
def test_a_bad_supporter_is_refused_and_nothing_is_stored(worker_a, elder, data, field):
    with pytest.raises(ValidationFailed) as err:
        outside_supporter_add(actor=worker_a, household_id=elder.pk, data=data)
    assert field in [e.field for e in err.value.errors]
    assert OutsideSupporter.objects.count() == 0


def test_a_supporter_is_deleted_with_an_audit_row(worker_a, elder):
    supporter = outside_supporter_add(actor=worker_a, household_id=elder.pk, data=SON)
    outside_supporter_delete(actor=worker_a, supporter_id=supporter.pk)
    assert OutsideSupporter.objects.count() == 0
    assert AuditEvent.objects.filter(subject_type="outside_supporter", action="delete").count() == 1
