import pytest

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.errors import NotFound, ValidationFailed
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.registry.errors import StaleRecord
from dajiuzhu.registry.models import Household, Membership, Person
from dajiuzhu.registry.services import household_create, person_move, person_reveal, person_update


def test_household_create_derives_sex_and_birth_and_audits(household_a, ids):
    # given a household created by the fixture
    head = Person.objects.get(id_number=ids["head"])
    # then sex and birth date come from the ID number
    assert head.sex == "M"
    assert head.birth_date.isoformat() == "1980-01-01"
    assert household_a.member_count == 3
    assert household_a.head_id == head.pk
    assert household_a.number == "37142410020100001"
    event = AuditEvent.objects.get(subject_type="household", subject_id=str(household_a.pk))
    assert event.action == "create"
    assert len(event.after["members"]) == 3


def test_duplicate_id_number_is_refused_and_nothing_saved(household_a, worker_a, areas, ids):
    # when a second household reuses the head's ID number
    before = (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as err:
        household_create(
            actor=worker_a,
            area=areas["village_a"],
            data={"address": "x", "residence_type": "rural", "hukou_type": "agricultural"},
            members=[
                {"id_number": ids["other"], "name": "甲", "relation": "head"},
                {"id_number": ids["head"], "name": "乙", "relation": "spouse"},
            ],
        )
    # then the message names the field and the row, and nothing changed
    assert any(
        e.field == "身份证号码" and e.row == 2 and "已登记在其他家庭" in e.message for e in err.value.errors
    )
    # (only the refused attempt is audited, with the masked ID number)
    assert (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count() - 1) == before
    denied = AuditEvent.objects.get(action="denied")
    assert denied.subject_label == mask_id_number(ids["head"]) and "已在其他家庭登记" in denied.note


def test_worker_cannot_write_outside_own_village(household_b, worker_a):
    head = household_b.head
    with pytest.raises(NotFound):
        person_update(actor=worker_a, person_id=head.pk, data={"name": "改名"}, version=None)
    head.refresh_from_db()
    assert head.name == "王德福"


def test_stale_version_is_refused(household_a, worker_a):
    head = household_a.head
    person_update(actor=worker_a, person_id=head.pk, data={"phone": "13700000000"}, version=head.version)
    with pytest.raises(StaleRecord):
        person_update(actor=worker_a, person_id=head.pk, data={"phone": "13600000000"}, version=head.version)
    head.refresh_from_db()
    assert head.phone == "13700000000"
    assert head.version == 2


def test_move_keeps_history(household_a, household_b, township_user):
    child = household_a.members.get(relation="child")
    person_move(
        actor=township_user,
        person_id=child.pk,
        to_household_id=household_b.pk,
        relation="grandchild",
        reason="随祖父生活",
    )
    child.refresh_from_db()
    household_a.refresh_from_db()
    household_b.refresh_from_db()
    assert child.household_id == household_b.pk
    assert (household_a.member_count, household_b.member_count) == (2, 2)
    rows = list(
        Membership.objects.filter(person=child).order_by("id").values_list("household_id", "end_date")
    )
    assert rows[0][0] == household_a.pk and rows[0][1] is not None
    assert rows[1] == (household_b.pk, None)
    assert AuditEvent.objects.filter(action="move", subject_id=str(child.pk)).count() == 1


def test_reveal_is_audited_and_scoped(household_a, household_b, worker_a, make_user):
    head = household_a.head
    assert person_reveal(actor=worker_a, person_id=head.pk, field="id_number") == head.id_number
    assert AuditEvent.objects.filter(action="reveal", actor=worker_a, subject_id=str(head.pk)).count() == 1
    with pytest.raises(NotFound):
        person_reveal(actor=worker_a, person_id=household_b.head_id, field="phone")
    analyst = make_user("city_analyst", "city")
    from dajiuzhu.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        person_reveal(actor=analyst, person_id=head.pk, field="id_number")
