"""The benefits back office through Django's test client: every page and action, and the refusals."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.benefits.models import BankAccount, Entitlement, PaymentLine, PayrollRun, Standard
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import grant_entitlement
from minzheng.core.models import AuditLog, Job
from minzheng.core.months import Month
from minzheng.registry.models import Person


def login(client, user):
    client.force_login(user)
    return client


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def nursing(cast, schemes):
    """护理补贴 for 张三明 and 王五 (市桥; 王五 has no account) and 赵六 (沙头)."""
    wang = Person.objects.get(name="王五")
    entitlements = {
        person.name: grant_entitlement(
            actor=cast.users.district, scheme=schemes.nursing, person=person, start_month=Month(2018, 1)
        )
        for person in (cast.zhang, wang, cast.zhao)
    }
    return entitlements


@pytest.fixture
def built_run(cast, schemes, nursing):
    run = get_or_create_run(schemes.nursing, Month(2018, 1), actor=cast.users.finance)
    return build_run(run, actor=cast.users.finance)


def full_numbers():
    return list(BankAccount.objects.values_list("account_number", flat=True))


# --- schemes and standards ------------------------------------------------------------------


def test_scheme_list_and_detail_show_standards_with_history(client, cast, schemes):
    login(client, cast.users.leader)
    page = body(client.get("/admin/benefits/scheme/"))
    assert "最低生活保障" in page and "长寿保健金" in page and "家庭差额补足" in page
    detail = body(client.get(f"/admin/benefits/scheme/{schemes.dibao.pk}/change/"))
    assert "番民〔2017〕88号" in detail
    assert "分类施保：老年人 20%，未成年人 10%，重度残疾人 150元" in detail
    assert "2018-01～至今" in detail and "900.00 元" in detail
    assert "新增标准" not in detail  # a reader, not a manager
    longevity = body(client.get(f"/admin/benefits/scheme/{schemes.longevity.pk}/change/"))
    assert "70–79岁 30元" in longevity and "90岁及以上 200元" in longevity
    assert client.get(f"/benefits/schemes/{schemes.dibao.pk}/standards/add/").status_code == 403


def test_manager_adds_a_standard_and_the_old_one_is_closed(client, cast, schemes):
    login(client, cast.users.district)
    assert "新增标准" in body(client.get(f"/admin/benefits/scheme/{schemes.dibao.pk}/change/"))
    url = f"/benefits/schemes/{schemes.dibao.pk}/standards/add/"
    form = body(client.get(url))
    assert "老年人 20%" in form  # the latest standard's rules to start from
    response = client.post(
        url,
        {
            "region": cast.district.pk,
            "valid_from": "2019-01",
            "amount": "950",
            "supplements": "老年人 20%\n未成年人 10%\n重度残疾人 160元",
            "document": "番民〔2018〕120号",
        },
    )
    assert response.status_code == 302
    new = Standard.objects.get(scheme=schemes.dibao, valid_from=date(2019, 1, 1))
    assert new.amount == Decimal("950.00") and new.created_by == cast.users.district
    assert {"category": "severely_disabled", "fixed": "160"} in new.params["supplements"]
    old = Standard.objects.get(scheme=schemes.dibao, valid_from=date(2018, 1, 1))
    assert old.valid_to == date(2018, 12, 1)
    detail = body(client.get(f"/admin/benefits/scheme/{schemes.dibao.pk}/change/"))
    assert "2018-01～2018-12" in detail and "番民〔2018〕120号" in detail and "cast_district" in detail


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"valid_from": "2017-06", "valid_to": "2018-03"}, "与已有标准（2018-01起）的时间重叠"),
        ({"valid_from": "2019/13"}, "格式不正确，应为 YYYY-MM"),
        ({"valid_from": "2019-01", "supplements": "孕妇 10%"}, "分类施保第1行“孕妇 10%”看不懂"),
        ({"valid_from": "2019-01", "document": " "}, "该字段是必填项"),
        ({"valid_from": "2019-01", "valid_to": "2018-12"}, "截止月份不能早于起始月份"),
    ],
)
def test_a_refused_standard_shows_why_on_the_form(client, cast, schemes, data, message):
    login(client, cast.users.district)
    before = Standard.objects.count()
    post = {"region": cast.district.pk, "amount": "950", "document": "番民〔2018〕121号", **data}
    response = client.post(f"/benefits/schemes/{schemes.dibao.pk}/standards/add/", post)
    assert response.status_code == 400
    assert message in body(response)
    assert Standard.objects.count() == before


def test_age_bands_and_reimbursement_are_entered_plainly(client, cast, schemes):
    login(client, cast.users.district)
    response = client.post(
        f"/benefits/schemes/{schemes.longevity.pk}/standards/add/",
        {
            "region": cast.shiqiao.pk,
            "valid_from": "2019-01",
            "bands": "70-79 50\n80-89岁 120元\n90岁以上 300",
            "document": "桥民〔2018〕5号",
        },
    )
    assert response.status_code == 302
    row = Standard.objects.get(scheme=schemes.longevity, region=cast.shiqiao)
    assert row.params["bands"] == [
        {"min": 70, "max": 79, "amount": "50"},
        {"min": 80, "max": 89, "amount": "120"},
        {"min": 90, "amount": "300"},
    ]
    url = f"/benefits/schemes/{schemes.medical.pk}/standards/add/"
    refused = client.post(url, {"region": cast.shiqiao.pk, "valid_from": "2019-01", "document": "x"})
    assert refused.status_code == 400 and "报销比例" in body(refused)
    response = client.post(
        url,
        {
            "region": cast.shiqiao.pk,
            "valid_from": "2019-01",
            "ratio": "0.8",
            "deductible": "300",
            "annual_cap": "20000",
            "document": "桥民〔2018〕6号",
        },
    )
    assert response.status_code == 302
    row = Standard.objects.get(scheme=schemes.medical, region=cast.shiqiao)
    assert row.params == {"ratio": "0.8", "deductible": "300", "annual_cap": "20000"}


def test_manager_adds_a_scheme_through_the_service(client, cast, schemes):
    login(client, cast.users.district)
    response = client.post(
        "/admin/benefits/scheme/add/",
        {
            "code": "gaoling",
            "name": "高龄津贴",
            "kind": "age_band",
            "unit": "person",
            "paying_unit": "区民政局",
        },
    )
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="create", object_repr="高龄津贴").exists()
    response = client.post(
        "/admin/benefits/scheme/add/",
        {"code": "gaoling", "name": "重复", "kind": "fixed", "unit": "person", "paying_unit": "区民政局"},
    )
    assert response.status_code == 200 and "项目代码“gaoling”已存在" in body(response)
    assert login(client, cast.users.finance).get("/admin/benefits/scheme/add/").status_code == 403


# --- entitlements ---------------------------------------------------------------------------


def test_entitlement_list_is_scoped_masked_and_searchable(client, cast, schemes, nursing):
    login(client, cast.users.town)
    page = body(client.get("/admin/benefits/entitlement/"))
    assert "张三明" in page and "王五" in page and "赵六" not in page
    assert cast.zhang.id_number not in page and cast.zhang.masked_id_number in page
    found = body(client.get("/admin/benefits/entitlement/", {"q": cast.zhang.id_number[-6:]}))
    assert "张三明" in found and "王五" not in found
    found = body(client.get("/admin/benefits/entitlement/", {"q": "ww"}))
    assert "王五" in found and "张三明" not in found
    login(client, cast.users.district)
    by_town = body(client.get("/admin/benefits/entitlement/", {"town": cast.shatou.pk}))
    assert "赵六" in by_town and "张三明" not in by_town
    by_scheme = body(client.get("/admin/benefits/entitlement/", {"scheme__id__exact": schemes.dibao.pk}))
    assert "张三明" not in by_scheme
    assert "赵六" in body(client.get("/admin/benefits/entitlement/", {"status__exact": "active"}))
    assert client.get("/admin/benefits/entitlement/add/").status_code == 403


def test_entitlement_page_shows_the_trace_periods_and_payments(client, cast, schemes, built_run):
    dibao = grant_entitlement(
        actor=cast.users.district,
        scheme=schemes.dibao,
        person=cast.zhao,
        household=cast.hh_st,
        start_month=Month(2018, 1),
        assessed_income=Decimal("100"),
    )
    login(client, cast.users.town_other)
    response = client.get(f"/admin/benefits/entitlement/{dibao.pk}/change/")
    assert response.status_code == 302 and response.url == f"/benefits/entitlements/{dibao.pk}/"
    page = body(client.get(response.url))
    assert "适用标准：番禺区 2018-01起 900.00（番民〔2017〕88号）" in page
    assert "家庭人口 1 人，核定月收入 100.00 元" in page
    assert "max(0, 900.00 × 1 − 100.00) = 800.00" in page
    assert "2018-01～至今" in page and cast.zhao.masked_id_number in page
    assert cast.zhao.id_number not in page and cast.zhao.bank_account.account_number not in page
    zhao_nursing = Entitlement.objects.get(scheme=schemes.nursing, person=cast.zhao)
    paid = body(client.get(f"/benefits/entitlements/{zhao_nursing.pk}/"))
    assert "2018-01 草稿" in paid and "200.00" in paid and "待发放" in paid


def test_out_of_scope_entitlement_is_404_and_logged(client, cast, schemes, nursing):
    login(client, cast.users.town_other)
    zhang = nursing["张三明"]
    assert client.get(f"/benefits/entitlements/{zhang.pk}/").status_code == 404
    assert client.get(f"/admin/benefits/entitlement/{zhang.pk}/change/").status_code == 404
    assert AuditLog.objects.filter(action="access_denied", actor=cast.users.town_other).count() == 2


def test_entitlement_list_queries_do_not_grow_with_rows(
    client, cast, schemes, nursing, django_assert_max_num_queries
):
    login(client, cast.users.district)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/benefits/entitlement/").status_code == 200


# --- bank accounts --------------------------------------------------------------------------


def test_bank_accounts_are_masked_everywhere(client, cast, schemes, built_run):
    numbers = full_numbers()
    pages = [
        "/admin/benefits/bankaccount/",
        f"/admin/benefits/bankaccount/{cast.zhang.bank_account.pk}/change/",
        f"/benefits/runs/{built_run.pk}/",
        f"/benefits/entitlements/{Entitlement.objects.get(person=cast.zhang).pk}/",
    ]
    for user in (cast.users.finance, cast.users.district, cast.users.town):
        login(client, user)
        for url in pages:
            page = body(client.get(url))
            assert all(number not in page for number in numbers), (user, url)
    assert cast.zhang.bank_account.masked_number in page


def test_reveal_needs_the_right_and_is_audited(client, cast, schemes):
    account = cast.zhang.bank_account
    url = f"/benefits/bank-accounts/{account.pk}/reveal/"
    assert login(client, cast.users.town).post(url).status_code == 403
    assert login(client, cast.users.district).post(url).status_code == 403
    login(client, cast.users.finance)
    assert "显示完整" in body(client.get("/admin/benefits/bankaccount/"))
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200 and account.account_number in body(response)
    log = AuditLog.objects.get(action="reveal", actor=cast.users.finance, object_type="benefits.bankaccount")
    assert log.changes == {"field": "account_number"} and account.account_number not in log.object_repr


def test_bank_account_is_added_and_corrected_through_the_service(client, cast, schemes):
    wang = Person.objects.get(name="王五")
    login(client, cast.users.district)
    refused = client.post(
        "/admin/benefits/bankaccount/add/",
        {"id_number": wang.id_number, "bank_name": "农商银行", "account_name": "王五", "number": "1234"},
    )
    assert refused.status_code == 200 and "银行账号应为12至30位数字" in body(refused)
    taken = client.post(
        "/admin/benefits/bankaccount/add/",
        {
            "id_number": cast.zhang.id_number,
            "bank_name": "农商银行",
            "account_name": "张三明",
            "number": "6222" * 4,
        },
    )
    assert "已登记银行账户" in body(taken)
    response = client.post(
        "/admin/benefits/bankaccount/add/",
        {
            "id_number": wang.id_number,
            "bank_name": "农商银行",
            "account_name": "王五",
            "number": "6228480012345678",
        },
    )
    assert response.status_code == 302
    account = BankAccount.objects.get(person=wang)
    assert account.account_number == "6228480012345678"
    assert AuditLog.objects.filter(action="set_bank_account", object_id=str(account.pk)).exists()
    change = f"/admin/benefits/bankaccount/{account.pk}/change/"
    assert "6228480012345678" not in body(client.get(change))
    client.post(change, {"bank_name": "工商银行", "account_name": "王五", "new_number": ""})
    account.refresh_from_db()
    assert (account.bank_name, account.account_number) == ("工商银行", "6228480012345678")
    client.post(change, {"bank_name": "工商银行", "account_name": "王五", "new_number": "6212260000000001"})
    account.refresh_from_db()
    assert account.account_number == "6212260000000001"
    assert login(client, cast.users.finance).get("/admin/benefits/bankaccount/add/").status_code == 403


# --- payroll runs ---------------------------------------------------------------------------


def test_finance_creates_a_run_and_the_build_runs_as_a_job(
    client, cast, schemes, nursing, django_capture_on_commit_callbacks
):
    login(client, cast.users.finance)
    assert client.get("/admin/benefits/payrollrun/add/").url == "/benefits/runs/new/"
    assert "新建发放批次" in body(client.get("/benefits/runs/new/"))
    refused = client.post("/benefits/runs/new/", {"scheme": schemes.nursing.pk, "month": "2018-13"})
    assert refused.status_code == 400 and "月份“2018-13”不存在" in body(refused)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/benefits/runs/new/", {"scheme": schemes.nursing.pk, "month": "2018-01"})
    job = Job.objects.get(kind="benefits.build_payroll")
    assert response.status_code == 302 and response.url == f"/backoffice/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.progress == 100
    run = PayrollRun.objects.get(scheme=schemes.nursing, month=date(2018, 1, 1))
    assert run.built_by == cast.users.finance and run.line_count == 3 and run.job == job
    assert "100%" in body(client.get(response.url))
    listing = body(client.get("/admin/benefits/payrollrun/"))
    assert f"/benefits/runs/{run.pk}/" in listing and "600.00" in listing and "草稿" in listing


def test_run_page_shows_totals_by_town_and_the_lines(client, cast, schemes, built_run):
    login(client, cast.users.finance)
    page = body(client.get(f"/benefits/runs/{built_run.pk}/"))
    assert "按镇街汇总" in page
    assert "市桥街道" in page and "沙头街道" in page and "400.00" in page and "600.00" in page
    assert cast.zhang.masked_id_number in page and cast.zhang.id_number not in page
    assert "缺少账户，暂缓" in page  # 王五 has no account
    assert "重新编制" in page and 'id="approve-note"' in page  # the author does not get the approve form
    held = body(client.get(f"/benefits/runs/{built_run.pk}/", {"status": "held"}))
    assert "王五" in held and "赵六" not in held
    login(client, cast.users.district)
    assert 'id="approve-form"' in body(client.get(f"/benefits/runs/{built_run.pk}/"))


def test_town_sees_only_its_own_lines_and_totals(client, cast, schemes, built_run):
    login(client, cast.users.town_other)
    page = body(client.get(f"/benefits/runs/{built_run.pk}/"))
    assert "赵六" in page and "张三明" not in page
    assert "沙头街道" in page and "市桥街道" not in page
    assert "重新编制" not in page and "approve-form" not in page and "export-form" not in page


def test_run_page_queries_do_not_grow_with_lines(
    client, cast, schemes, built_run, django_assert_max_num_queries
):
    login(client, cast.users.finance)
    with django_assert_max_num_queries(16):
        assert client.get(f"/benefits/runs/{built_run.pk}/").status_code == 200


def test_the_author_is_refused_and_another_approver_approves(client, cast, schemes, built_run):
    url = f"/benefits/runs/{built_run.pk}/approve/"
    login(client, cast.users.finance)
    response = client.post(url, follow=True)
    assert "审批人不能是编制人本人（双人复核）" in body(response)
    built_run.refresh_from_db()
    assert built_run.status == PayrollRun.Status.DRAFT
    assert login(client, cast.users.leader).post(url).status_code == 403
    assert login(client, cast.users.town).post(url).status_code == 403
    login(client, cast.users.district)
    assert client.get(url).status_code == 405
    response = client.post(url, {"opinion": "同意"}, follow=True)
    assert "已审批：共 3 笔，合计 600.00 元" in body(response)
    built_run.refresh_from_db()
    assert built_run.status == PayrollRun.Status.APPROVED and built_run.approved_by == cast.users.district
    assert AuditLog.objects.get(action="approve_payroll").changes["opinion"] == "同意"
    assert "不能再审批" in body(client.post(url, follow=True))


def test_rebuild_is_a_job_for_drafts_only(
    client, cast, schemes, built_run, django_capture_on_commit_callbacks
):
    url = f"/benefits/runs/{built_run.pk}/build/"
    assert login(client, cast.users.leader).post(url).status_code == 403
    login(client, cast.users.finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = Job.objects.get(kind="benefits.build_payroll")
    assert response.url == f"/backoffice/jobs/{job.pk}/"
    assert PaymentLine.objects.filter(run=built_run).count() == 3
    approve_run(built_run, actor=cast.users.district)
    response = client.post(url, follow=True)
    assert "不能重新编制" in body(response)
    assert Job.objects.filter(kind="benefits.build_payroll").count() == 1


def test_export_needs_the_right_and_an_approved_run(client, cast, schemes, built_run):
    url = f"/benefits/runs/{built_run.pk}/export/"
    assert login(client, cast.users.district).post(url, {"fmt": "csv"}).status_code == 403
    login(client, cast.users.finance)
    assert "export-form" not in body(client.get(f"/benefits/runs/{built_run.pk}/"))
    response = client.post(url, {"fmt": "csv"}, follow=True)
    built_run.refresh_from_db()
    assert built_run.status == PayrollRun.Status.DRAFT
    assert response.status_code == 200 and "export-form" not in body(response)


def _exported(cast, run, client, fmt="csv") -> bytes:
    approve_run(run, actor=cast.users.district)
    login(client, cast.users.finance)
    response = client.post(f"/benefits/runs/{run.pk}/export/", {"fmt": fmt})
    assert response.status_code == 200, body(response)
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_finance_downloads_the_bank_file_and_the_run_is_exported(client, cast, schemes, built_run, fmt):
    content = _exported(cast, built_run, client, fmt)
    built_run.refresh_from_db()
    assert built_run.status == PayrollRun.Status.EXPORTED
    assert (
        AuditLog.objects.filter(object_type="benefits.payrollrun", object_id=str(built_run.pk))
        .filter(action__icontains="export")
        .exists()
    )
    text = _file_text(content, fmt)
    assert cast.zhang.bank_account.account_number in text  # full in the file only
    assert "笔数,2" in text and ("合计金额,400.00" in text or "合计金额,400" in text)  # 王五's line is held
    page = body(client.get(f"/benefits/runs/{built_run.pk}/"))
    assert "reconcile-form" in page and "export-form" in page  # it can be downloaded again
    assert all(number not in page for number in full_numbers())


def _file_text(content: bytes, fmt: str) -> str:
    if fmt == "csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError:
                continue
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        ",".join("" if v is None else str(v) for v in row)
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
    )


def test_a_wrong_return_file_is_refused_whole_and_nothing_changes(client, cast, schemes, built_run):
    _exported(cast, built_run, client)
    before = sorted(PaymentLine.objects.filter(run=built_run).values_list("id", "status"))
    pending = list(built_run.lines.filter(status="pending").order_by("pk"))
    rows = [(line.pk, line.amount, "成功", "") for line in pending]
    upload = return_upload(rows, total=Decimal("399.00"))
    response = client.post(f"/benefits/runs/{built_run.pk}/reconcile/", {"file": upload})
    assert response.status_code == 400
    page = body(response)
    assert "整份文件未导入" in page and "回盘文件合计金额为399.00元，但明细金额合计400.00元" in page
    upload = return_upload([*rows, (999999, Decimal("1.00"), "成功", "")])
    page = body(client.post(f"/benefits/runs/{built_run.pk}/reconcile/", {"file": upload}))
    assert "明细编号 999999 不在本批次的银行文件中" in page
    assert sorted(PaymentLine.objects.filter(run=built_run).values_list("id", "status")) == before
    built_run.refresh_from_db()
    assert built_run.status == PayrollRun.Status.EXPORTED
    wrong_type = SimpleUploadedFile("回盘.txt", b"x")
    response = client.post(f"/benefits/runs/{built_run.pk}/reconcile/", {"file": wrong_type})
    assert response.status_code == 400 and "只能上传 .csv 或 .xlsx 文件" in body(response)
    assert (
        login(client, cast.users.district).post(f"/benefits/runs/{built_run.pk}/reconcile/").status_code
        == 403
    )


def return_upload(rows, *, total=None):
    """The bank's return file: rows are (line id, amount, result, failure reason)."""
    total = sum((amount for _, amount, _, _ in rows), Decimal("0.00")) if total is None else total
    text = io.StringIO()
    text.write(f"笔数,{len(rows)}\n合计金额,{total:.2f}\n\n明细编号,账号,金额,结果,失败原因\n")
    for pk, amount, result, reason in rows:
        text.write(f"{pk},6222********0000,{amount:.2f},{result},{reason}\n")
    return SimpleUploadedFile("回盘.csv", text.getvalue().encode("utf-8-sig"), content_type="text/csv")


def test_the_return_file_settles_the_run(client, cast, schemes, built_run):
    _exported(cast, built_run, client)
    zhang, zhao = (built_run.lines.get(person=person) for person in (cast.zhang, cast.zhao))
    upload = return_upload(
        [(zhang.pk, zhang.amount, "成功", ""), (zhao.pk, zhao.amount, "失败", "账户已销户")]
    )
    response = client.post(f"/benefits/runs/{built_run.pk}/reconcile/", {"file": upload}, follow=True)
    page = body(response)
    assert "对账完成：已到账 1 笔 200.00 元，发放失败 1 笔 200.00 元" in page
    assert "账户已销户" in page and "reconcile-form" not in page and "export-form" not in page
    built_run.refresh_from_db()
    assert built_run.status == PayrollRun.Status.RECONCILED
    assert dict(built_run.lines.values_list("person__name", "status")) == {
        "张三明": "paid",
        "赵六": "failed",
        "王五": "held",
    }


def test_sidebar_has_the_benefits_group(client, cast):
    page = body(login(client, cast.users.finance).get("/admin/"))
    for title in ("待遇发放", "待遇项目与标准", "待遇资格", "发放批次", "银行账户"):
        assert title in page
