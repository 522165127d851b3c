"""幸福清单 and the payment report, after rolls run through the services: exact months and amounts,
arrears labelled with their month, failed and held payments, recoveries, other departments' aid,
scoping, and the audited Excel export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.core.errors import NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.payments import bankfiles, reports, services
from dajiuzhu.payments.models import LineStatus, Roll, RollLine, RollStatus
from dajiuzhu.payments.tests.conftest import CARDS, DEC, grant, make_id

pytestmark = pytest.mark.django_db

D = Decimal
JAN = dt.date(2027, 1, 1)


# ---- running rolls through the services ----------------------------------------------------------------


def bank_returns(
    roll: Roll, *, fail: set[str] | frozenset[str] = frozenset()
) -> list[tuple[int, str, bytes]]:
    """What the bank sends back for each file of the roll: every line paid but those of the
    beneficiaries named in `fail` (with the format's first failure code)."""
    out = []
    for bank_file in roll.bank_files.all():
        fmt = bankfiles.load_formats()[bank_file.bank]
        code = next(iter(fmt.returns.failure_codes))[0]
        sent = RollLine.objects.filter(
            roll=roll, bank=bank_file.bank, status=LineStatus.PENDING, amount__gt=0
        ).order_by("reference")
        frame = pl.DataFrame(
            [
                {"reference": x.reference, "account_number": x.account_number, "holder_name": x.holder_name,
                 "amount_fen": int(x.amount * 100), "paid": x.beneficiary_name not in fail,
                 "reason_code": code if x.beneficiary_name in fail else ""}
                for x in sent
            ],
            schema={"reference": pl.String, "account_number": pl.String, "holder_name": pl.String,
                    "amount_fen": pl.Int64, "paid": pl.Boolean, "reason_code": pl.String},
        )  # fmt: skip
        out.append((bank_file.pk, f"return-{bank_file.bank}.txt", bankfiles.render_return(fmt, frame)))
    return out


def run_roll(
    preparer: Any,
    approver: Any,
    month: str,
    *,
    county: str = "371424",
    fail: set[str] | frozenset[str] = frozenset(),
) -> Roll:
    """Prepare → lock → approve (a second person) → issue → bank returns → reconcile → close."""
    roll = services.roll_prepare(user=preparer, county_code=county, month=month)
    roll = services.roll_lock(user=preparer, roll_id=roll.pk)
    roll = services.roll_approve(user=approver, roll_id=roll.pk)
    roll = services.roll_issue(user=preparer, roll_id=roll.pk)
    for file_id, name, content in bank_returns(roll, fail=fail):
        services.return_import(user=preparer, bank_file_id=file_id, filename=name, content=content)
    roll = services.roll_reconcile(user=preparer, roll_id=roll.pk)
    return services.roll_close(user=preparer, roll_id=roll.pk)


@pytest.fixture
def history(
    families: Any, items: Any, entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any,
    today: Any,
) -> dict[str, Any]:  # fmt: skip
    """Two closed rolls of 临邑:

    - December: 张's 低保 650 less a recovery of 100 (550 paid); 王's 特困 1200 refused by the bank;
      赵's 孤儿 1500 paid; 李秀英's 特困 300 (no account) held.
    - 王's card replaced; January: 王's December as arrears and January paid (2 × 1200); 张's January
      refused by the bank; 赵's 1500 paid; 李秀英's December and January held again.
    - After January, a second recovery of 80 from 张's household, repaid in January.
    """
    services.authority_create(user=preparer, county_code="371424", fund="assistance", year=2027,
                              document_number="临财社〔2027〕1号", amount="1000000")  # fmt: skip
    spouse = families["zhang"].members.get(name="李秀英")
    grant(items["tekun"], families["zhang"], spouse, "300.00", DEC)
    services.recovery_decide(user=preparer, household_id=families["zhang"].pk, amount="100", basis="error",
                             reason="收入变化未及时调整", instalment="100")  # fmt: skip
    dec = run_roll(preparer, approver, "2026-12", fail={"王德福"})
    services.account_set(user=preparer, person_id=families["wang"].head_id, bank="sdrcu",
                         account_number=CARDS["new"], holder_name="王德福")  # fmt: skip
    today["value"] = dt.date(2026, 12, 28)
    jan = run_roll(preparer, approver, "2027-01", fail={"张建国"})
    second = services.recovery_decide(user=preparer, household_id=families["zhang"].pk, amount="80",
                                      basis="fraud", reason="隐瞒收入", instalment="80")  # fmt: skip
    services.recovery_repay(user=preparer, recovery_id=second.pk, amount="80", on=dt.date(2027, 1, 15),
                            receipt_number="SK-2027-001")  # fmt: skip
    today["value"] = dt.date(2027, 1, 20)
    return {"dec": dec, "jan": jan, "spouse": spouse}


def cells(block: reports.YearBlock) -> list[tuple[dt.date, list[list[tuple[str, str, Decimal, Decimal]]]]]:
    return [
        (row.month, [[(p.label, p.beneficiary_name, p.gross, p.amount) for p in cell] for cell in row.cells])
        for row in block.rows
    ]


# ---- 幸福清单 ---------------------------------------------------------------------------------------------


def test_happiness_list_shows_arrears_with_the_month_they_paid_for(
    history: Any, families: Any, worker_b: Any
) -> None:
    # when 王's village opens his household's 幸福清单
    h = reports.household_benefits(user=worker_b, household_id=families["wang"].pk)
    # then December, refused by the bank, was paid in January as arrears labelled with its month
    assert [(y.year, [(c.code, c.label, c.department) for c in y.columns]) for y in h.years] == [
        (2027, [("tekun", "特困人员救助供养", "民政")]),
    ]
    assert cells(h.years[0]) == [
        (
            JAN,
            [
                [
                    ("补发2026年12月", "王德福", D("1200.00"), D("1200.00")),
                    ("", "王德福", D("1200.00"), D("1200.00")),
                ]
            ],
        ),
    ]
    assert (h.years[0].totals.amount, h.years[0].columns[0].totals.amount) == (D("2400.00"), D("2400.00"))
    assert (h.totals.gross, h.totals.deduction, h.totals.amount) == (D("2400.00"), D("0.00"), D("2400.00"))
    # the failed December line is no longer owed: the arrears paid it
    assert h.owed == []


def test_happiness_list_shows_deductions_failed_and_held_payments_and_recoveries(
    history: Any, families: Any, worker_a: Any
) -> None:
    h = reports.household_benefits(user=worker_a, household_id=families["zhang"].pk)
    # December's 低保 was paid less the recovery; January's was refused by the bank and is owed
    assert [(y.year, [c.code for c in y.columns], y.totals.gross, y.totals.deduction, y.totals.amount)
            for y in h.years] == [(2026, ["dibao"], D("650.00"), D("100.00"), D("550.00"))]  # fmt: skip
    assert cells(h.years[0]) == [(DEC, [[("", "", D("650.00"), D("550.00"))]])]
    assert h.totals.amount == D("550.00")
    owed = [(o.label, o.beneficiary_name, o.period, o.amount, o.status_label) for o in h.owed]
    assert owed == [
        ("特困人员救助供养", "李秀英", DEC, D("300.00"), "暂缓发放"),
        ("最低生活保障（低保）", "", JAN, D("650.00"), "未到账"),
        ("特困人员救助供养", "李秀英", JAN, D("300.00"), "暂缓发放"),
    ]
    assert h.owed[1].reason != "" and h.owed[1].resolved is False
    assert h.owed[0].reason == "未登记收款账户（李秀英）"
    assert [(r.amount, r.deducted, r.deducting, r.repaid, r.balance) for r in h.recoveries] == [
        (D("100.00"), D("100.00"), D("0.00"), D("0.00"), D("0.00")),
        (D("80.00"), D("0.00"), D("0.00"), D("80.00"), D("0.00")),
    ]


def test_happiness_list_lists_other_departments_approved_aid_but_not_what_the_roll_pays(
    history: Any, families: Any, worker_a: Any
) -> None:
    from dajiuzhu.accounts.models import Department
    from dajiuzhu.intake.models import Application, AssistanceItem, Kind, Status

    # given an education grant decided by the education bureau, and one it refused
    jiaoyu = Department.objects.create(code="jiaoyu", name="教育")
    item = AssistanceItem.objects.create(code="edu_grant", name="家庭经济困难学生资助", department=jiaoyu)
    zhang = families["zhang"]
    for n, (status, decision) in enumerate(((Status.APPROVED, "approve"), (Status.REJECTED, "reject"))):
        Application.objects.create(
            number=f"SQ-EDU-{n}", kind=Kind.NEW, item=item, household=zhang, applicant=zhang.head, area=zhang.area,
            department=jiaoyu, status=status, decision=decision, decided_amount=D("2000.00"),
            decided_at=timezone.make_aware(dt.datetime(2026, 9, 1, 10, 0)),
        )  # fmt: skip
    # when the 幸福清单 is read
    h = reports.household_benefits(user=worker_a, household_id=zhang.pk)
    # then the approved grant is listed, the refused one and the 低保 approval (paid by the roll) are not
    assert [(o.item_name, o.department_name, o.decided_amount, o.decided_on) for o in h.others] == [
        ("家庭经济困难学生资助", "教育", D("2000.00"), dt.date(2026, 9, 1)),
    ]


def test_happiness_page_is_printable_and_masks_id_numbers(
    client: Any, history: Any, families: Any, worker_b: Any
) -> None:
    client.force_login(worker_b)
    response = client.get(reverse("payments:household_benefits", args=[families["wang"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    # the print button (web/app.js's data-print, no inline handler under the CSP) and the A4 print styles
    assert "data-print" in html and "/static/payments/benefits.css" in html
    with open(finders.find("payments/benefits.css"), encoding="utf-8") as css:
        assert "@media print" in css.read()
    assert "补发2026年12月" in html and "2027年合计" in html
    assert "累计实发 2400.00 元（应发 2400.00 元，抵扣追回款 0.00 元）" in html
    assert "服务类救助（养老、儿童服务上线后显示）" in html
    number = make_id("371424", dt.date(1950, 1, 1), 21)
    assert number not in html and f"{number[:4]}**********{number[-4:]}" in html


def test_happiness_page_shows_a_failed_payment_as_not_received(
    client: Any, history: Any, families: Any, worker_a: Any
) -> None:
    client.force_login(worker_a)
    html = client.get(reverse("payments:household_benefits", args=[families["zhang"].pk])).content.decode()
    owed = html[html.index('id="owed"') : html.index('id="recoveries"')]
    assert "2027年1月" in owed and "650.00" in owed and "未到账" in owed and "暂缓发放" in owed
    assert "应发650.00，抵扣追回100.00" in html


def test_happiness_list_is_scoped_to_the_users_area(
    client: Any, history: Any, families: Any, worker_b: Any, county2_user: Any, make_user: Any
) -> None:
    zhang = families["zhang"]
    # a 齐河 user and village B's worker cannot see village A's household
    for user in (county2_user, worker_b):
        with pytest.raises(NotFound):
            reports.household_benefits(user=user, household_id=zhang.pk)
        client.force_login(user)
        assert client.get(reverse("payments:household_benefits", args=[zhang.pk])).status_code == 404
    # and every refused look is audited
    denied = AuditEvent.objects.filter(
        action=AuditAction.DENIED, subject_type="household", subject_id=str(zhang.pk)
    )
    assert sorted(denied.values_list("actor_username", flat=True)) == sorted(
        ["qihe", "qihe", "village_assistant_village_b", "village_assistant_village_b"]
    )
    # a department window may read the registry but not payments
    window = make_user("department_window", "county", username="window")
    with pytest.raises(PermissionDenied):
        reports.household_benefits(user=window, household_id=zhang.pk)


def test_household_page_links_to_the_happiness_list(client: Any, families: Any, worker_a: Any) -> None:
    client.force_login(worker_a)
    pk = families["zhang"].pk
    html = client.get(reverse("registry:household_view", args=[pk])).content.decode()
    assert f'href="/payments/households/{pk}/benefits/"' in html
    assert f'href="/payments/households/{pk}/payees/"' in html


def test_happiness_list_reads_a_fixed_number_of_queries(
    history: Any, families: Any, worker_b: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        reports.household_benefits(user=worker_b, household_id=families["wang"].pk)


# ---- the report -------------------------------------------------------------------------------------------


def row(r: reports.ReportRow) -> tuple[Any, ...]:
    return (r.key, r.label, r.paid_count, r.paid_amount, r.failed_count, r.failed_amount, r.arrears_count,
            r.arrears_amount, r.deducted, r.repaid, r.recovered, r.held_count, r.held_amount)  # fmt: skip


@pytest.fixture
def qihe_roll(history: Any, county2_user: Any, make_user: Any) -> Roll:
    """齐河's December roll (its 低保 700 paid), made by its own two people."""
    return run_roll(
        county2_user, make_user("county_approver", "county2", username="qihe2"), "2026-12", county="371425"
    )


def test_report_by_programme_gives_exact_totals_from_the_lines(
    history: Any, qihe_roll: Any, preparer: Any
) -> None:
    table = reports.report_rows(user=preparer, first_month=DEC, last_month=JAN, group_by="programme")
    assert [row(r) for r in table.rows] == [
        ("dibao", "最低生活保障（低保）", 1, D("550.00"), 1, D("650.00"), 0, D("0.00"), D("100.00"), D("0.00"),
         D("100.00"), 0, D("0.00")),
        ("orphan", "孤儿基本生活保障", 2, D("3000.00"), 0, D("0.00"), 0, D("0.00"), D("0.00"), D("0.00"), D("0.00"),
         0, D("0.00")),
        ("tekun", "特困人员救助供养", 2, D("2400.00"), 1, D("1200.00"), 1, D("1200.00"), D("0.00"), D("0.00"),
         D("0.00"), 3, D("900.00")),
        ("", "本人退回（不分项目）", 0, D("0.00"), 0, D("0.00"), 0, D("0.00"), D("0.00"), D("80.00"), D("80.00"), 0,
         D("0.00")),
    ]  # fmt: skip
    assert row(table.total) == ("total", "合计", 5, D("5950.00"), 2, D("1850.00"), 1, D("1200.00"), D("100.00"),
                                D("80.00"), D("180.00"), 3, D("900.00"))  # fmt: skip
    # one month only: December
    dec = reports.report_rows(user=preparer, first_month=DEC, last_month=DEC, group_by="programme")
    assert (dec.total.paid_count, dec.total.paid_amount, dec.total.failed_amount, dec.total.repaid) == (
        2, D("2050.00"), D("1200.00"), D("0.00"))  # fmt: skip


def test_report_by_township_and_month_for_the_citys_analyst(
    history: Any, qihe_roll: Any, make_user: Any
) -> None:
    analyst = make_user("city_analyst", "city", username="analyst")
    by_township = reports.report_rows(user=analyst, first_month=DEC, last_month=JAN, group_by="township")
    assert [
        (r.key, r.label, r.paid_count, r.paid_amount, r.failed_amount, r.repaid) for r in by_township.rows
    ] == [
        ("371424100", "临邑镇", 5, D("5950.00"), D("1850.00"), D("80.00")),
        ("371425100", "晏城街道", 1, D("700.00"), D("0.00"), D("0.00")),
    ]
    assert (by_township.total.paid_count, by_township.total.paid_amount) == (6, D("6650.00"))
    by_month = reports.report_rows(user=analyst, first_month=DEC, last_month=JAN, group_by="month")
    assert [(r.key, r.label, r.paid_amount, r.arrears_amount, r.repaid) for r in by_month.rows] == [
        ("2026-12", "2026年12月", D("2750.00"), D("0.00"), D("0.00")),
        ("2027-01", "2027年1月", D("3900.00"), D("1200.00"), D("80.00")),
    ]
    by_county = reports.report_rows(user=analyst, first_month=DEC, last_month=JAN, group_by="county")
    assert [(r.label, r.paid_amount) for r in by_county.rows] == [
        ("临邑县", D("5950.00")),
        ("齐河县", D("700.00")),
    ]


def test_a_foreign_county_user_sees_none_of_linyis_numbers(
    history: Any, qihe_roll: Any, county2_user: Any
) -> None:
    table = reports.report_rows(user=county2_user, first_month=DEC, last_month=JAN, group_by="township")
    assert [
        (r.label, r.paid_count, r.paid_amount, r.failed_count, r.held_count, r.repaid) for r in table.rows
    ] == [
        ("晏城街道", 1, D("700.00"), 0, 0, D("0.00")),
    ]
    assert (table.total.paid_amount, table.total.failed_amount, table.total.recovered) == (
        D("700.00"), D("0.00"), D("0.00"))  # fmt: skip


def test_report_page_shows_the_table_and_the_county_budget_authority(
    client: Any, history: Any, preparer: Any
) -> None:
    client.force_login(preparer)
    response = client.get(
        reverse("payments:reports"), {"from": "2026-12", "to": "2027-01", "group": "programme"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    total = html[html.index('id="total"') :]
    assert "5950.00" in total and "1850.00" in total and "180.00" in total
    authority = html[html.index('id="authority"') :]
    # 2026: 550 + 1500 paid on December's roll; 2027: 1200 + 1200 + 1500 on January's
    assert "1000000.00" in authority and "2050.00" in authority and "997950.00" in authority
    assert "3900.00" in authority and "996100.00" in authority
    assert 'href="/payments/reports/export.xlsx?from=2026-12&amp;to=2027-01&amp;group=programme"' in html


def test_report_defaults_to_the_last_twelve_months_and_refuses_a_bad_range(
    client: Any, history: Any, preparer: Any
) -> None:
    client.force_login(preparer)
    html = client.get(reverse("payments:reports")).content.decode()
    # today is 2027-01-20: February 2026 to January 2027
    assert 'name="from" value="2026-02"' in html and 'name="to" value="2027-01"' in html
    response = client.get(reverse("payments:reports"), {"from": "2027-01", "to": "2026-12"})
    assert response.status_code == 400 and "起始月份不能晚于截止月份" in response.content.decode()
    with pytest.raises(ValidationFailed):
        reports.report_rows(user=preparer, first_month=DEC, last_month=JAN, group_by="bank")


def test_report_needs_pay_read(client: Any, make_user: Any, areas: Any) -> None:
    window = make_user("department_window", "county", username="window")
    client.force_login(window)
    assert client.get(reverse("payments:reports")).status_code == 403
    assert client.get(reverse("payments:reports_xlsx")).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_excel_export_is_the_same_table_and_is_audited(client: Any, history: Any, preparer: Any) -> None:
    from openpyxl import load_workbook

    client.force_login(preparer)
    response = client.get(
        reverse("payments:reports_xlsx"), {"from": "2026-12", "to": "2027-01", "group": "township"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert values[0][:3] == ["乡镇（街道）", "发放成功（笔）", "发放成功（元）"]
    assert values[1] == ["临邑镇", 5, 5950, 2, 1850, 1, 1200, 100, 80, 180, 3, 900]
    assert values[2] == ["合计", 5, 5950, 2, 1850, 1, 1200, 100, 80, 180, 3, 900]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, subject_type="payments.report")
    assert (event.actor_username, event.area_code) == ("preparer", "371424")
    assert event.after == {
        "first_month": "2026-12",
        "last_month": "2027-01",
        "group_by": "township",
        "rows": 1,
    }


def test_rolls_used_by_the_fixture_are_closed(history: Any) -> None:
    # the scenario the other tests read: both rolls went all the way
    assert (history["dec"].status, history["jan"].status) == (RollStatus.CLOSED, RollStatus.CLOSED)
    assert RollLine.objects.filter(roll=history["jan"], kind="arrears", status="paid").count() == 1
