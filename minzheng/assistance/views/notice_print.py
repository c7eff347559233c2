"""The printed notice for the village board (DOCX): the same content as the public page.

`board_content(village, month, notices)` builds what both the page and the document show —
title, program sections with their entries (only the snapshot fields, RULES.md §5), the notice
period and where to object — so the two cannot drift apart. `notice_docx(content)` renders it.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO
from itertools import groupby

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from minzheng.core.months import Month
from minzheng.registry.models import Region

from ..models.notices import NOTICE_DAYS
from ..programs import Program
from ..services.notice_snapshot import public_program_name
from ..services.notices import OBJECTION_REVIEW_DAYS

FONT = "SimSun"


@dataclass
class BoardEntry:
    number: int
    head_name: str
    members: int
    monthly_amount: Decimal
    published_on: date
    ends_on: date


@dataclass
class BoardSection:
    program_name: str
    entries: list[BoardEntry] = field(default_factory=list)


@dataclass
class BoardContent:
    title: str
    village_name: str
    town_name: str
    month: Month
    sections: list[BoardSection]
    period_from: date | None
    period_to: date | None
    objection_text: str

    @property
    def count(self) -> int:
        return sum(len(s.entries) for s in self.sections)

    @property
    def period_text(self) -> str:
        if not (self.period_from and self.period_to):
            return ""
        if (self.period_to - self.period_from).days == NOTICE_DAYS - 1:
            return f"公示期：{_date(self.period_from)}至{_date(self.period_to)}（共{NOTICE_DAYS}天）。"
        return (
            f"公示期：每户{NOTICE_DAYS}天，起止日期见下表；本公示张贴期间为"
            f"{_date(self.period_from)}至{_date(self.period_to)}。"
        )


def objection_text(village_name: str, town_name: str) -> str:
    return (
        f"公示期内，任何单位和个人对上述救助对象有异议的，可以实名或匿名向{village_name}"
        f"或{town_name}社会事务（民政）窗口书面或口头反映，也可向区民政局反映。"
        f"工作人员将在{OBJECTION_REVIEW_DAYS}个工作日内调查核实并答复，并对反映人的信息保密。"
    )


def board_content(village: Region, month: Month, notices) -> BoardContent:
    """The board of `notices` (one village and month), one section per public program label in
    the catalogue's order. The label comes from the program (`public_program_name`), never from
    the stored name, so the disability subsidies always print under their neutral label."""
    order: dict[str, int] = {}
    for index, value in enumerate(Program.values):
        order.setdefault(public_program_name(value), index)
    notices = sorted(
        notices,
        key=lambda n: (order.get(public_program_name(n.program), len(order)), n.published_on, n.pk),
    )
    village_name = village.name
    town_name = village.parent.name if village.parent_id else ""
    sections = []
    periods = []
    for program_name, rows in groupby(notices, key=lambda n: public_program_name(n.program)):
        section = BoardSection(program_name)
        for index, notice in enumerate(rows, start=1):
            section.entries.append(
                BoardEntry(
                    index,
                    notice.head_name,
                    notice.members,
                    notice.monthly_amount,
                    notice.published_on,
                    notice.ends_on,
                )
            )
            periods.append((notice.published_on, notice.ends_on))
        sections.append(section)
    return BoardContent(
        title=f"{village_name}{month.year}年{month.month}月社会救助对象公示",
        village_name=village_name,
        town_name=town_name,
        month=month,
        sections=sections,
        period_from=min((p[0] for p in periods), default=None),
        period_to=max((p[1] for p in periods), default=None),
        objection_text=objection_text(village_name, town_name),
    )


def _date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _style(document: Document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def notice_docx(content: BoardContent) -> bytes:
    document = Document()
    _style(document)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("公  示")
    run.bold, run.font.size = True, Pt(22)
    subtitle = document.add_paragraph(content.title)
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(
        "根据社会救助有关规定，经入户调查、家庭经济状况核对和镇（街）审核，"
        "现将下列拟纳入救助对象的有关情况予以公示，接受群众监督。"
    )
    if content.period_text:
        document.add_paragraph(content.period_text)
    if not content.sections:
        document.add_paragraph("本月暂无公示对象。")
    for section in content.sections:
        heading = document.add_paragraph()
        heading.add_run(f"救助项目：{section.program_name}").bold = True
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, ("序号", "户主姓名", "保障人数", "月救助金额（元）", "公示期"), strict=True
        ):
            cell.text = text
        for entry in section.entries:
            cells = table.add_row().cells
            cells[0].text = str(entry.number)
            cells[1].text = entry.head_name
            cells[2].text = str(entry.members)
            cells[3].text = f"{entry.monthly_amount:.2f}"
            cells[4].text = f"{_day(entry.published_on)}至{_day(entry.ends_on)}"
    document.add_paragraph(content.objection_text)
    sign = document.add_paragraph(f"{content.town_name}\n{content.village_name}")
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if content.period_from:
        dated = document.add_paragraph(_date(content.period_from))
        dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
