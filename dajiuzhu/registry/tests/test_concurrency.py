"""Two clerks save the same person at the same moment from the same version: exactly one wins,
the other is told, and nothing is silently overwritten. Real separate connections (threads)."""

import threading

import pytest
from django.db import connection

from dajiuzhu.registry.errors import StaleRecord
from dajiuzhu.registry.models import Person
from dajiuzhu.registry.services import person_update


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_one_wins(household_a, worker_a, township_user):
    head = household_a.head
    version = head.version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit(actor, phone):
        try:
            barrier.wait(timeout=10)
            person_update(actor=actor, person_id=head.pk, data={"phone": phone}, version=version)
            outcomes[phone] = "ok"
        except StaleRecord:
            outcomes[phone] = "stale"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edit, args=(worker_a, "13700000001")),
        threading.Thread(target=edit, args=(township_user, "13700000002")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes.values()) == ["ok", "stale"]
    winner = next(p for p, o in outcomes.items() if o == "ok")
    head = Person.objects.get(pk=head.pk)
    assert head.phone == winner
    assert head.version == version + 1
