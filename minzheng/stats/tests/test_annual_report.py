"""The annual work report: chapters in the source document's order, sentences with computed
figures, plain words for areas without records, targets, and the same figures in every format
as `indicators --format json`."""

import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from minzheng.stats.annual import NO_INDICATORS, NO_RECORDS, build_annual_report
from minzheng.stats.services import set_target

CHAPTERS = [
    "（一）社会救助",
    "（二）养老服务",
    "（三）社区治理",
    "（四）社会组织",
    "（五）双拥优抚安置",
    "（六）专项事务",
]


def command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def write(tmp_path, fmt, *extra) -> str:
    path = tmp_path / f"report.{fmt}"
    command("annual_report", "--year", "2018", "--format", fmt, "--output", str(path), *extra)
    return str(path)


def docx_figures(path) -> dict[str, list[str]]:
    table = Document(path).tables[-1]
    assert [c.text for c in table.rows[0].cells] == ["序号", "指标编号", "指标名称", "数值", "单位", "备注"]
    return {row.cells[1].text: [c.text for c in row.cells] for row in table.rows[1:]}


def test_the_docx_is_a_word_document_with_numbered_chapters_in_the_source_order(cast, tmp_path):
    document = Document(write(tmp_path, "docx"))
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings[0] == ("Title", "番禺区民政工作2018年度报告")
    assert ("Heading 1", "一、2018年主要工作情况") in headings
    chapters = [text for style, text in headings if style == "Heading 2"]
    assert chapters[:6] == CHAPTERS and chapters[6] == "（七）底册与发放"
    assert [text for style, text in headings if style == "Heading 1"] == [
        "一、2018年主要工作情况",
        "二、2019年工作目标",
        "附录　指标数据表",
    ]
    assert document.core_properties.title == "番禺区民政工作2018年度报告"


def test_the_docx_holds_the_same_figures_as_the_indicators_command(cast, tmp_path, add_indicator):
    add_indicator("assistance.dibao.paid", {"440113": Decimal("13667300.40")}, unit="万元", name="低保金")
    add_indicator("verification.accuracy", {"440113": None}, unit="%", kind="rate", name="核对准确率")
    data = json.loads(command("indicators", "--year", "2018", "--format", "json"))
    table = docx_figures(write(tmp_path, "docx"))
    assert set(table) == {item["id"] for item in data["indicators"]}
    for item in data["indicators"]:
        _, _, name, value, unit, _ = table[item["id"]]
        assert (name, unit) == (item["name"], item["unit"])
        if item["value"] is None:
            assert value == "暂无记录"
        else:
            assert float(value) == item["value"]
    assert table["assistance.dibao.paid"][3] == "1366.73"


def test_sentences_carry_the_figures_and_link_them_to_their_indicators(cast, tmp_path, add_indicator):
    add_indicator("assistance.dibao.households", {"440113": 2}, unit="户", kind="stock")
    add_indicator("assistance.dibao.persons", {"440113": 3}, unit="人", kind="stock")
    add_indicator("assistance.dibao.paid", {"440113": Decimal("12450.00")}, unit="万元")
    add_indicator("assistance.medical.visits", {}, unit="人次")
    html = open(write(tmp_path, "html"), encoding="utf-8").read()
    assert "最低生活保障。</strong>年末在册低保家庭" in html
    assert (
        '<a class="mz-figure" href="/stats/indicator/assistance.dibao.households/?period=2018&amp;region=440113" '
        'data-indicator="assistance.dibao.households"'
    ) in html
    assert ">2户</a>，共计保障" in html and ">3人</a>" in html
    assert ">1.25万元</a>。" in html  # 12 450 元 = 1.245 万元 → 1.25, half-up from the exact yuan
    # the chapter's figures without records are named in one sentence (the medical one among them)
    missing = re.search(r"以下指标本年度暂无记录：([^。<]*)。", html)
    assert missing and "测试指标" in missing.group(1).split("、")
    assert "https://" not in html and "<script" not in html  # no external resources


def test_the_html_links_can_be_absolute(cast, tmp_path):
    html = open(write(tmp_path, "html", "--base-url", "https://mz.example.gov.cn/"), encoding="utf-8").read()
    assert (
        'href="https://mz.example.gov.cn/stats/indicator/registry.persons/?period=2018&amp;region=440113"'
        in html
    )


def test_an_area_without_indicators_or_records_says_so(cast, add_indicator, only_indicators):
    only_indicators("registry.")
    add_indicator("eldercare.beds.total", {"440113": None}, unit="张", kind="stock")
    add_indicator("community.meetings", {"440113": 0}, unit="次")
    report = build_annual_report(2018, cast.district)
    by_title = {s.title: s for s in report.sections}
    assert by_title["社会救助"].empty_message == NO_INDICATORS
    assert by_title["养老服务"].empty_message == NO_RECORDS
    assert by_title["社区治理"].empty_message == NO_RECORDS
    for section in report.sections[:6]:
        assert "本年度平台尚无该领域的业务记录" in section.empty_message and not section.paragraphs
    text = "\n".join(p.text for p in build_docx_paragraphs(report))
    assert "0次" not in text and "0张" not in text


def build_docx_paragraphs(report):
    from minzheng.stats.report_docx import build_docx

    return build_docx(report).paragraphs


def test_next_year_targets_close_the_report(cast, tmp_path):
    document = Document(write(tmp_path, "docx"))
    assert "平台尚未录入2019年及以后的工作目标。" in [p.text for p in document.paragraphs]
    set_target(
        actor=cast.users.district, indicator_id="registry.households", year=2019, value=4, note="新增一户"
    )
    set_target(
        actor=cast.users.district, indicator_id="registry.persons", year=2018, value=9
    )  # not next year
    document = Document(write(tmp_path, "docx"))
    numbered = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert numbered == ["2019年家庭户达到4户（新增一户）。"]


def test_the_xlsx_is_one_sheet_of_figures(cast, tmp_path, add_indicator):
    add_indicator("assistance.dibao.paid", {"440113": Decimal("12450.00")}, unit="万元")
    workbook = load_workbook(write(tmp_path, "xlsx"))
    assert workbook.sheetnames == ["指标数据"]
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "番禺区民政工作2018年度报告：指标数据"
    assert rows[2][:5] == ("章节", "指标编号", "指标名称", "数值", "单位")
    by_id = {row[1]: row for row in rows[3:]}
    assert by_id["assistance.dibao.paid"][0] == "社会救助" and by_id["assistance.dibao.paid"][3] == 1.25
    assert by_id["registry.persons"][3] == 5 and by_id["registry.persons"][7] == "实时计算"
    # chapters and topics in the report's order: the first is the opening figure of 社会救助
    assert list(by_id)[0] == "assistance.dibao.standard_start"
    assert list(by_id).index("assistance.dibao.paid") < list(by_id).index("assistance.charity.donations")


def test_a_town_report(cast, tmp_path):
    table = docx_figures(write(tmp_path, "docx", "--region", "440113007000"))
    assert table["registry.persons"][3] == "4"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2018Q4"], "四位年份"),
        (["--year", "abcd"], "四位年份"),
        (["--year", str(timezone.localdate().year + 1)], "未来"),
        (["--year", "2018", "--region", "999999"], "区划代码“999999”不存在"),
    ],
)
def test_bad_input_is_refused(cast, tmp_path, args, message):
    with pytest.raises(CommandError) as err:
        command("annual_report", "--format", "docx", "--output", str(tmp_path / "r.docx"), *args)
    assert message in str(err.value)
    assert not (tmp_path / "r.docx").exists()


def test_an_unwritable_output_is_a_clear_error(cast, tmp_path):
    with pytest.raises(CommandError, match="无法写入"):
        command(
            "annual_report", "--year", "2018", "--format", "html", "--output", str(tmp_path / "no" / "r.html")
        )


def test_the_same_report_from_the_ui(client, cast):
    client.force_login(cast.users.town)
    page = client.get("/stats/annual-report/", {"year": "2018"})
    assert page.status_code == 200 and "市桥街道民政工作2018年度报告" in page.content.decode()
    response = client.get("/stats/annual-report/", {"year": "2018", "format": "docx"})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    rows = {row.cells[1].text: row.cells[3].text for row in document.tables[-1].rows[1:]}
    assert rows["registry.persons"] == "4"
    response = client.get("/stats/annual-report/", {"year": "2018", "format": "html"})
    assert "attachment" in response["Content-Disposition"] and b"<!DOCTYPE html>" in response.content
    xlsx = client.get("/stats/annual-report/", {"year": "2018", "format": "xlsx"})
    assert load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).sheetnames == ["指标数据"]
    assert client.get("/stats/annual-report/", {"year": "2018", "format": "pdf"}).status_code == 400
    assert client.get("/stats/annual-report/", {"year": "18"}).status_code == 400
    assert client.get("/stats/annual-report/", {"year": "2018", "region": "440113"}).status_code == 404
