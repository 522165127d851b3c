"""The helper process of test_import_kill.py (core/tests/killing.py's `serve`), and the importer it kills.

python import_kill_helper.py serve          answer JSON commands (setup, write a file, state, import)
python import_kill_helper.py import PATH    import the file as the county user, as the web process
                                            does an upload: prints ``start``, then ``done {json}``
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from dajiuzhu.core.tests import killing

COUNTY = "371424"
USER = "kill_importer"


def user() -> Any:
    from dajiuzhu.accounts.models import User

    return User.objects.select_related("area").get(username=USER)


def setup() -> dict[str, Any]:
    from dajiuzhu.accounts.models import User
    from dajiuzhu.areas.models import Area
    from dajiuzhu.areas.services import areas_load

    areas_load(city=COUNTY[:4])
    importer = User(username=USER, role="county_approver", area=Area.objects.get(code=COUNTY))
    importer.set_password("Passw0rd!kill")
    importer.save()
    return {}


def rows(trial: int, households: int) -> list[list[Any]]:
    """Trial `trial`'s file: `households` households of three (head, spouse, child) in Linyi's villages,
    with ID numbers no other trial uses."""
    from dajiuzhu.areas.models import Area
    from dajiuzhu.core import idnumber

    villages = list(
        Area.objects.filter(county_code=COUNTY, level=5).order_by("code").values_list("code", flat=True)[:6]
    )
    out = []
    for h in range(households):
        for m, relation in enumerate(("户主", "配偶", "子女")):
            g = (trial * households + h) * 3 + m
            number = idnumber.make(COUNTY, dt.date(1950, 1, 1) + dt.timedelta(days=g // 900), g % 900)
            out.append([f"{h + 1}", villages[h % len(villages)], f"第{trial}批{h}号", "农村", "农业户口",
                        f"成员{trial}乙{h}丙{m}", number, relation])  # fmt: skip
    return out


def write_file(trial: int, households: int, path: str) -> dict[str, Any]:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["户编号", "所属区划代码", "住址", "城乡类别", "户口性质", "姓名", "身份证号码", "与户主关系"])
    for row in rows(trial, households):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    Path(path).write_bytes(out.getvalue())
    return {"path": path}


def state(trial: int, households: int, filename: str) -> dict[str, Any]:
    """What trial `trial`'s file has put in the registry, its import records, and (over the whole
    registry) households without members and persons with two current memberships."""
    from django.db.models import Count

    from dajiuzhu.registry.models import Household, HouseholdImport, Membership, Person

    ids = [r[6] for r in rows(trial, households)]
    persons = Person.objects.filter(id_number__in=ids)
    homes = Household.objects.filter(pk__in=persons.values("household_id"))
    jobs = list(
        HouseholdImport.objects.filter(filename=filename).order_by("pk").values_list("status", "error")
    )
    return {
        "persons": persons.count(), "households": homes.count(),
        "memberships": Membership.objects.filter(person__in=persons).count(),
        "heads": homes.filter(head__isnull=False).count(),
        "jobs": [s for s, _ in jobs], "errors": [e for _, e in jobs],
        "empty_households": Household.objects.annotate(n=Count("members")).filter(n=0).count(),
        "double_memberships": Membership.objects.filter(end_date__isnull=True).values("person_id")
        .annotate(n=Count("id")).filter(n__gt=1).count(),
    }  # fmt: skip


def import_now(path: str) -> dict[str, Any]:
    from dajiuzhu.core.errors import ValidationFailed
    from dajiuzhu.registry.importing import households_import

    try:
        result = households_import(actor=user(), content=Path(path).read_bytes(), filename=Path(path).name)
    except ValidationFailed as exc:
        return {"imported": False, "message": exc.message}
    return {"imported": result.ok, "households": result.households, "persons": result.persons,
            "errors": [e.message for e in result.errors[:3]]}  # fmt: skip


COMMANDS = {"setup": setup, "write_file": write_file, "state": state, "import_now": import_now}

if __name__ == "__main__":
    killing.django_setup()
    if sys.argv[1] == "import":
        killing.say("start")
        killing.say("done " + json.dumps(import_now(sys.argv[2])))
        sys.exit(0)
    sys.exit(killing.serve(COMMANDS))
