"""The annual work report as a Word document (python-docx).

A real document, not a dump: the title in the Title style, chapters and sections as Heading 1 and
Heading 2 with their Chinese numbering (一、 （一）), body paragraphs with a first-line indent, the
targets as a numbered list, and an appendix table of every figure (编号, 名称, 数值, 单位, 备注).
Chinese text uses 宋体 (body) and 黑体 (headings) through the East Asian font slot.
"""

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from .annual import AnnualReport, target_sentence
from .reporting import format_value

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
APPENDIX_HEADERS = ("序号", "指标编号", "指标名称", "数值", "单位", "备注")


def _font(style, name: str, size: int | None = None, bold: bool | None = None) -> None:
    style.font.name = name
    style.font.color.rgb = RGBColor(0, 0, 0)
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _styles(document) -> None:
    styles = document.styles
    _font(styles["Normal"], BODY_FONT, 12)
    _font(styles["Title"], HEADING_FONT, 20, True)
    _font(styles["Heading 1"], HEADING_FONT, 16, True)
    _font(styles["Heading 2"], HEADING_FONT, 14, True)


def appendix_note(item, report: AnnualReport) -> str:
    if item.differs:
        return f"结账快照；按现有记录为{format_value(item.live.value, item.indicator.unit)}"
    if item.snapshot:
        return "结账快照"
    if report.closure is not None:
        return "结账后新增指标，按现有记录计算"
    return ""


def build_docx(report: AnnualReport):
    document = Document()
    _styles(document)
    properties = document.core_properties
    properties.title = report.title
    properties.author = "民政综合业务平台"
    properties.subject = f"{report.year}年度工作报告"
    properties.created = report.generated_at

    title = document.add_heading(report.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta = document.add_paragraph(
        f"民政综合业务平台生成　{timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}"
        + ("　已结账（快照）" if report.closure else "　未结账（实时数据）")
    )
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in report.intro:
        _body(document, line)

    document.add_heading(report.heading_work, level=1)
    for section in report.sections:
        document.add_heading(section.heading, level=2)
        if section.empty_message:
            _body(document, section.empty_message)
        for paragraph in section.paragraphs:
            block = _body(document, "")
            lead = block.add_run(paragraph.lead)
            lead.bold = True
            for segment in paragraph.segments:
                run = block.add_run(segment.text)
                if segment.figure is not None:
                    run.bold = True
                if segment.note:
                    note = block.add_run(segment.note)
                    note.italic = True
        if section.missing:
            _body(document, f"以下指标本年度暂无记录：{'、'.join(section.missing)}。")

    document.add_heading(report.heading_targets, level=1)
    if report.targets:
        for progress in report.targets:
            document.add_paragraph(target_sentence(progress), style="List Number")
    else:
        _body(document, f"平台尚未录入{report.year + 1}年及以后的工作目标。")

    document.add_heading("附录　指标数据表", level=1)
    table = document.add_table(rows=1, cols=len(APPENDIX_HEADERS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, APPENDIX_HEADERS, strict=True):
        cell.text = header
        cell.paragraphs[0].runs[0].bold = True
    for index, item in enumerate(report.figures, start=1):
        cells = table.add_row().cells
        unit = item.indicator.unit
        values = (
            str(index),
            item.indicator.id,
            str(item.indicator.name),
            "暂无记录" if item.value is None else format_value(item.value, unit),
            unit,
            appendix_note(item, report),
        )
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    return document


def _body(document, text: str):
    paragraph = document.add_paragraph(text)
    paragraph.paragraph_format.first_line_indent = Pt(24)
    return paragraph


def write_report_docx(report: AnnualReport, out) -> None:
    build_docx(report).save(out)
