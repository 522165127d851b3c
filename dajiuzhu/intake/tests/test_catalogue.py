"""The catalogue: loaded from policy/catalogue.yaml, edited by a county administrator, delegation."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from dajiuzhu.accounts.models import Department
from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.errors import PermissionDenied, ValidationFailed
from dajiuzhu.intake import services, workflow
from dajiuzhu.intake.catalogue import CATALOGUE_FILE, effective_item
from dajiuzhu.intake.models import AssistanceItem, ItemLocalChange, Status
from dajiuzhu.intake.tests.conftest import ALL_MATERIALS, DAY, ELDER_ID

pytestmark = pytest.mark.django_db


def test_shipped_catalogue_loads_every_item_once(db):
    doc = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    # when loaded twice
    added = services.catalogue_load()
    again = services.catalogue_load()
    # then every item and department is there once
    assert added == len(doc["items"]) >= 25 and again == 0
    assert Department.objects.count() >= 15
    dibao = AssistanceItem.objects.get(code="dibao")
    # the 公示 period and the 30-working-day total of 低保 come from the dated parameters (left empty here)
    assert (
        dibao.accept_level,
        dibao.decide_level,
        dibao.public_notice,
        dibao.total_days,
        dibao.notice_days,
    ) == (
        "township",
        "county",
        True,
        None,
        None,
    )
    tekun = AssistanceItem.objects.get(code="tekun")
    assert tekun.sampling_percent >= 30
    # children's items are never publicised (R11.4)
    for item in AssistanceItem.objects.filter(name__contains="儿童"):
        assert not item.public_notice and not item.publish_after


def test_county_edit_is_kept_when_the_file_is_loaded_again(county_user):
    services.catalogue_load()
    item = AssistanceItem.objects.get(code="dibao")
    services.item_change_create(user=county_user, item_id=item.pk, data={"decision_days": 8}, version=0,
                                start=DAY, today=DAY)  # fmt: skip
    services.catalogue_load()
    # the shipped row is untouched; the county's own catalogue has its value
    assert AssistanceItem.objects.get(code="dibao").decision_days == 10
    assert effective_item(AssistanceItem.objects.get(code="dibao"), "371424", DAY).decision_days == 8
    event = AuditEvent.objects.filter(subject_type="assistance_item").get()
    assert (event.before, event.after, event.area_code) == (
        {"decision_days": 10},
        {"decision_days": 8},
        "371424",
    )


def test_bad_item_edit_names_the_field_and_changes_nothing(county_user, dibao):
    with pytest.raises(ValidationFailed) as err:
        services.item_change_create(user=county_user, item_id=dibao.pk, version=0, start=DAY, today=DAY,
                                    data={"decision_days": "十", "materials": "申请书\n申请书"})  # fmt: skip
    fields = {e.field for e in err.value.errors}
    assert fields == {"审批时限", "申请材料"}
    assert not ItemLocalChange.objects.exists()
    assert effective_item(dibao, "371424", DAY).decision_days == 10


def test_township_cannot_edit_the_catalogue(township_user, dibao):
    with pytest.raises(PermissionDenied):
        services.item_change_create(user=township_user, item_id=dibao.pk, data={"decision_days": 3}, version=0,
                                    start=DAY, today=DAY)  # fmt: skip
    assert not ItemLocalChange.objects.exists()


def test_delegation_moves_the_decision_to_the_township(
    worker_a, township_user, county_user, areas, elder, dibao
):
    # given the county delegates 低保 approval to its townships
    services.item_change_create(user=county_user, item_id=dibao.pk, data={"delegated": True}, version=0,
                                start=DAY, today=DAY)  # fmt: skip
    app = services.applications_file(user=worker_a, id_number=ELDER_ID, items=["dibao"], materials=ALL_MATERIALS,
                                     today=DAY).applications.get()  # fmt: skip
    app = services.application_accept(user=township_user, application_id=app.pk, today=DAY)
    # then the total limit is the delegated one (20 working days) and the township decides
    assert app.total_due == dt.date(2026, 3, 30)
    item = AssistanceItem.objects.get(pk=dibao.pk)
    assert workflow.decide_level(effective_item(item, "371424", DAY), "371424") == "township"
    assert workflow.decide_level(effective_item(item, "371425", DAY), "371425") == "county"
    assert app.status == Status.ACCEPTED
