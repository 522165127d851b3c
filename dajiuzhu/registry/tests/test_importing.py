import datetime as dt
import io

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core import idnumber
from dajiuzhu.core.errors import PermissionDenied
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.registry.importing import (
    ImportFileInvalid,
    households_import,
    import_parse,
    import_template_xlsx,
)
from dajiuzhu.registry.models import Household, Membership, Person

HEADER = [
    "户编号",
    "所属区划代码",
    "住址",
    "城乡类别",
    "户口性质",
    "姓名",
    "身份证号码",
    "与户主关系",
    "联系电话",
    "残疾类别",
    "残疾等级",
]
VILLAGE_A = "371424100201"
GRID_A = "371424100201001"


def make_id(year: int, seq: int, region: str = "371424") -> str:
    return idnumber.make(region, dt.date(year, 3, 15), seq)


def xlsx(rows: list[list], header: list[str] = HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def person_row(temp_no, id_number, name="张三", relation="户主", area=VILLAGE_A, phone="", residence="农村"):
    return [temp_no, area, "东关村1组1号", residence, "农业户口", name, id_number, relation, phone, "", ""]


def counts():
    return (
        Household.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )


def test_good_file_creates_households_members_and_one_audit_row(household_a, township_user):
    # given a three-person household in village A and a one-person household in a grid of village A
    head_id, spouse_id, child_id, single_id = (
        make_id(1975, 11),
        make_id(1978, 22),
        make_id(2012, 33),
        make_id(1950, 44),
    )
    content = xlsx([
        person_row("1", head_id, name="赵大", phone="13900001234"),
        ["1", "", "", "", "", "钱二", spouse_id, "配偶", "", "肢体", "2"],
        ["1", VILLAGE_A, "东关村1组1号", "rural", "agricultural", "赵小", child_id, "子女", "", "", ""],
        person_row("A-2", single_id, name="孙四", area=GRID_A),
    ])  # fmt: skip
    before_events = AuditEvent.objects.count()

    # when
    result = households_import(actor=township_user, content=content, filename="东关村.xlsx")

    # then household numbers continue village A's sequence (the fixture holds 00001), grid included
    assert result.ok is True
    assert (result.households, result.persons) == (2, 4)
    assert result.numbers == ["37142410020100002", "37142410020100003"]
    first = Household.objects.get(number="37142410020100002")
    assert first.area_id == VILLAGE_A
    assert (first.address, first.residence_type, first.hukou_type) == (
        "东关村1组1号",
        "rural",
        "agricultural",
    )
    assert first.member_count == 3
    assert first.head.id_number == head_id
    assert Household.objects.get(number="37142410020100003").area_id == GRID_A
    head = Person.objects.get(id_number=head_id)
    assert (head.sex, head.birth_date, head.phone, head.relation) == (
        "M",
        dt.date(1975, 3, 15),
        "13900001234",
        "head",
    )
    spouse = Person.objects.get(id_number=spouse_id)
    assert (spouse.sex, spouse.relation, spouse.disability_type, spouse.disability_grade) == (
        "F", "spouse", "physical", 2)  # fmt: skip
    assert Membership.objects.filter(household=first, end_date__isnull=True, reason="批量导入").count() == 3
    events = AuditEvent.objects.filter(action="import")
    assert AuditEvent.objects.count() == before_events + 1
    assert events.get().after == {"filename": "东关村.xlsx", "households": 2, "persons": 4,
                                  "numbers": ["37142410020100002", "37142410020100003"]}  # fmt: skip


def test_bad_rows_are_all_reported_and_nothing_is_saved(household_a, township_user, ids):
    # given one problem per row (row 2 is the only good row)
    good = make_id(1970, 11)
    bad_check = make_id(1971, 13)
    bad_check = bad_check[:17] + ("0" if bad_check[17] != "0" else "1")
    content = xlsx([
        person_row("1", good),                                    # 2 ok
        person_row("1", bad_check, relation="子女"),               # 3 bad check digit
        person_row("1", good, relation="配偶"),                    # 4 duplicate of row 2
        person_row("2", ids["head"]),                             # 5 already registered (household_a)
        person_row("2", make_id(1980, 15)),                       # 6 second head
        person_row("3", make_id(1981, 17), area="371424100299"),  # 7 unknown area
        person_row("4", make_id(1982, 19), area="371425100001"),  # 8 outside the township
        person_row("5", make_id(1983, 21), residence="郊区"),      # 9 bad choice
        person_row("6", make_id(1984, 23), phone="12345"),        # 10 bad phone
    ])  # fmt: skip
    before = counts()

    # when
    result = households_import(actor=township_user, content=content, filename="bad.xlsx")

    # then every row is named with its field, and nothing changed
    assert result.ok is False
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "身份证号码"),
        (4, "身份证号码"),
        (5, "身份证号码"),
        (6, "与户主关系"),
        (7, "所属区划代码"),
        (8, "所属区划代码"),
        (9, "城乡类别"),
        (10, "联系电话"),
    ]
    messages = {e.row: e.message for e in result.errors}
    assert "校验码错误" in messages[3]
    assert "与第2行重复" in messages[4]
    # already registered: said without where (no household number, no area), with how to ask for a move
    assert "已登记在其他家庭" in messages[5] and "成员迁移" in messages[5]
    assert "37142410020100001" not in messages[5] and "东关" not in messages[5]
    assert messages[6] == "户号2已在第5行登记户主，一户只能有一名户主"
    assert messages[7] == "区划代码“371424100299”不存在"
    assert messages[8] == "“山东省德州市齐河县晏城街道城南社区居委会”不在您的管辖范围内"
    assert messages[9].startswith("“郊区”不是有效选项")
    assert messages[10] == "“12345”不是有效的手机号或固定电话"
    assert sorted(result.row_values) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert result.row_values[10][8] == "12345"
    # nothing saved; only the attempt on a registered ID number is audited (masked)
    assert counts()[:3] == before[:3] and counts()[3] == before[3] + 1
    assert AuditEvent.objects.get(action="denied").subject_label == mask_id_number(ids["head"])


def test_household_fields_must_agree_within_a_household(township_user):
    # given the second member of household 1 names another address
    content = xlsx([
        person_row("1", make_id(1970, 11)),
        ["1", VILLAGE_A, "西关村9号", "", "", "李四", make_id(1972, 12), "配偶", "", "", ""],
    ])  # fmt: skip
    before = counts()
    # when
    result = households_import(actor=township_user, content=content, filename="x.xlsx")
    # then
    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (3, "住址", "与同一户（户号1）第2行填写的不一致")
    ]
    assert counts() == before


def test_household_without_head_and_township_area_are_refused(township_user):
    content = xlsx([person_row("1", make_id(1970, 11), relation="配偶", area="371424100")])
    result = households_import(actor=township_user, content=content, filename="x.xlsx")
    assert [(e.row, e.field) for e in result.errors] == [(2, "与户主关系"), (2, "所属区划代码")]
    assert result.errors[0].message == "户号1没有户主，一户必须有且只有一名户主"
    assert "不是村（社区）或网格" in result.errors[1].message


def test_id_stored_by_excel_as_number_is_explained(township_user):
    # given Excel turned the ID into a float, losing the last digits
    number = make_id(1970, 11)
    content = xlsx([person_row("1", float(number))])
    # when
    result = households_import(actor=township_user, content=content, filename="x.xlsx")
    # then
    assert [(e.row, e.field) for e in result.errors] == [(2, "身份证号码")]
    assert "存成了数字" in result.errors[0].message


def test_gbk_csv_imports(township_user):
    # given a CSV as Excel on Chinese Windows saves it (GBK), with a title-free header and an extra column
    head_id = make_id(1966, 31)
    text = (
        "户编号,所属区划代码,住址,城乡类别,户口性质,姓名,身份证号码,与户主关系,备用列\r\n"
        f"1,{VILLAGE_A},东关村5组,农村,农业户口,周五,{head_id},户主,随便\r\n"
    )
    content = text.encode("gbk")
    # when
    result = households_import(actor=township_user, content=content, filename="导入.CSV")
    # then
    assert result.ok is True
    person = Person.objects.get(id_number=head_id)
    assert (person.name, person.household.address, person.sex) == ("周五", "东关村5组", "M")


def test_headers_tolerate_spaces_full_width_and_hints(township_user):
    # given headers with spaces, full-width brackets, an asterisk and a hint in brackets
    header = [
        " 户编号（临时户号）",
        "所属区划代码*",
        "住　址",
        "城乡类别",
        "户口性质",
        "姓 名",
        "身份证号码(必填)",
        "与户主关系",
        "无关列",
    ]
    row = ["1", VILLAGE_A, "东关村", "城市", "居民户口", "吴六", make_id(1990, 41), "户主", "x"]
    # when
    parsed = import_parse(filename="a.xlsx", content=xlsx([row], header=header))
    # then
    assert parsed.columns == {"temp_no": 0, "area": 1, "address": 2, "residence_type": 3, "hukou_type": 4,
                              "name": 5, "id_number": 6, "relation": 7}  # fmt: skip
    assert households_import(actor=township_user, content=xlsx([row], header=header), filename="a.xlsx").ok


def test_missing_required_columns_give_one_message(township_user):
    content = xlsx([["1", "张三"]], header=["户编号", "姓名"])
    with pytest.raises(ImportFileInvalid) as err:
        import_parse(filename="a.xlsx", content=content)
    assert err.value.message == (
        "缺少必填列：所属区划代码、住址、城乡类别、户口性质、身份证号码、与户主关系。请使用导入模板，第一行为列名"
    )


def test_undecodable_csv_gives_the_encoding_message(township_user):
    before = counts()
    with pytest.raises(ImportFileInvalid) as err:
        households_import(actor=township_user, content=b"\x80\x81\xff\xfe" * 20, filename="a.csv")
    assert err.value.message.startswith("无法识别CSV文件的文字编码")
    assert counts() == before


def test_oversize_file_is_refused(township_user, settings):
    settings.DAJIUZHU_IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFileInvalid) as err:
        households_import(actor=township_user, content=b"a" * 101, filename="a.csv")
    assert err.value.message.startswith("文件大小超过上限")


def test_other_extension_is_refused(township_user):
    with pytest.raises(ImportFileInvalid) as err:
        households_import(actor=township_user, content=b"hello", filename="a.txt")
    assert err.value.message == "只能上传 .xlsx 或 .csv 文件，请使用导入模板"


def test_corrupt_xlsx_is_refused_cleanly(township_user):
    with pytest.raises(ImportFileInvalid) as err:
        households_import(actor=township_user, content=b"PK\x03\x04 not really a zip", filename="a.xlsx")
    assert err.value.message.startswith("文件已损坏或不是有效的Excel工作簿")


def test_village_assistant_may_not_import(worker_a):
    before = counts()
    with pytest.raises(PermissionDenied):
        households_import(
            actor=worker_a, content=xlsx([person_row("1", make_id(1970, 11))]), filename="a.xlsx"
        )
    assert counts() == before


def test_template_parses_and_explains_choices():
    # given the template handed out
    content = import_template_xlsx()
    # when
    parsed = import_parse(filename="template.xlsx", content=content)
    wb = load_workbook(io.BytesIO(content))
    # then the two example rows form one household and the guide lists the valid values
    assert wb.sheetnames == ["导入数据", "填写说明"]
    assert [r.values["temp_no"] for r in parsed.rows] == ["1", "1"]
    guide = {
        row[0]: row[2] for row in wb["填写说明"].iter_rows(min_row=2, values_only=True) if row[0] and row[2]
    }
    assert guide["城乡类别"] == "城市、农村"
    assert "户主、配偶" in guide["与户主关系"]


def test_ten_thousand_rows_without_per_row_queries(township_user, django_assert_max_num_queries):
    # given 2,500 four-person households spread over two villages
    rows = []
    for h in range(2500):
        area = VILLAGE_A if h % 2 else "371424100202"
        for m, relation in enumerate(["户主", "配偶", "子女", "父母"]):
            i = h * 4 + m  # distinct IDs: the sequence has only 3 digits, so the birth date moves on
            number = idnumber.make("371424", dt.date(1940, 1, 1) + dt.timedelta(days=i // 900), i % 900)
            rows.append(person_row(str(h), number, relation=relation, area=area))
    content = xlsx(rows)
    # Bulk inserts only: SQLite's 999-parameter limit splits them into ~40-row batches, PostgreSQL's do not.
    limit = 60 if connection.vendor == "postgresql" else 400
    # when
    with django_assert_max_num_queries(limit):
        result = households_import(actor=township_user, content=content, filename="big.xlsx")
    # then
    assert (result.ok, result.households, result.persons) == (True, 2500, 10000)
    assert Person.objects.count() == 10000
    assert Membership.objects.count() == 10000
    assert Household.objects.filter(head__isnull=True).count() == 0
    assert (
        Household.objects.filter(area_id=VILLAGE_A).order_by("-number").first().number == "37142410020101250"
    )


# --- through the pages -----------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def upload(client, content, name):
    return client.post(reverse("registry:import"), {"file": _named(content, name)})


def _named(content, name):
    f = io.BytesIO(content)
    f.name = name
    return f


def test_upload_page_and_success(client, township_user, media):
    client.force_login(township_user)
    # when the form is shown
    page = client.get(reverse("registry:import"))
    # then it links to the template
    assert page.status_code == 200
    assert reverse("registry:import_template") in page.content.decode()
    # when a good file is uploaded
    response = upload(client, xlsx([person_row("1", make_id(1970, 11))]), "ok.xlsx")
    # then the summary shows the counts and the new number
    body = response.content.decode()
    assert response.status_code == 200
    assert "导入成功：共 1 户、1 人。" in body
    assert "37142410020100001" in body
    assert Household.objects.count() == 1


def test_upload_failure_report_is_only_for_its_owner(client, township_user, make_user, media):
    client.force_login(township_user)
    # when a file with one bad phone is uploaded
    response = upload(client, xlsx([person_row("1", make_id(1970, 11), phone="999")]), "bad.xlsx")
    # then the page lists the error and links to the full report
    body = response.content.decode()
    assert response.status_code == 400
    assert "“999”不是有效的手机号或固定电话" in body
    token = response.context["token"]
    url = reverse("registry:import_errors", args=[token])
    assert url in body
    assert Household.objects.count() == 0
    # when the owner downloads it
    report = client.get(url)
    # then it is an xlsx with the row, field, problem and the original values
    assert report.status_code == 200
    assert report["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("行号", "字段", "问题", "原值：户编号")
    assert rows[1][:3] == (2, "联系电话", "“999”不是有效的手机号或固定电话")
    assert rows[1][3 + 8] == "999"
    # when another importer asks for the same token
    other = make_user("township_reviewer", "township", username="other_town")
    client.force_login(other)
    # then it does not exist for them
    assert client.get(url).status_code == 404


def test_upload_of_unreadable_file_shows_message(client, township_user, media):
    client.force_login(township_user)
    response = upload(client, b"hello", "a.txt")
    assert response.status_code == 400
    assert "只能上传 .xlsx 或 .csv 文件" in response.content.decode()


def test_import_page_refused_without_capability(client, worker_a):
    client.force_login(worker_a)
    response = client.get(reverse("registry:import"))
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in response.content.decode()


def test_template_download(client, township_user):
    client.force_login(township_user)
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["导入数据", "填写说明"]
