"""The annual work report as a document model, built from the indicator registry.

`build_annual_report(year, region)` returns the report's structure: chapters by area in the
order of the bureau's report (社会救助, 养老服务, 社区治理, 社会组织, 双拥优抚安置, 专项事务, then
the register and benefits overview), one paragraph per topic written from `phrases.py` with the
figures filled in, the next year's targets, and every figure for the appendix. The HTML, DOCX
and XLSX writers (`report_html`, `report_docx`, `report_xlsx`) only lay this model out.

A closed year uses its snapshot; where the live value now differs, the segment carries a note.
An area without indicators or whose figures are all empty (no records) says so plainly.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from minzheng.registry.models import Region

from .areas import OVERVIEW, PROGRAM_AREAS, Area
from .models import ClosedPeriod
from .phrases import phrase_for, topic_order
from .registry import Period
from .reporting import format_value, with_unit
from .selectors import Figure, TargetProgress, closure_for, figures, targets_from

CHINESE_NUMBERS = "一二三四五六七八九十"
NO_INDICATORS = "本年度平台尚无该领域的业务记录：该领域的业务模块尚未在平台启用，没有可统计的指标。"
NO_RECORDS = "本年度平台尚无该领域的业务记录。"


@dataclass
class Segment:
    """A piece of a paragraph: plain text, or a figure (with its formatted text and any note)."""

    text: str
    figure: Figure | None = None
    note: str = ""


@dataclass
class Paragraph:
    lead: str  # the topic, written in bold
    segments: list[Segment]

    @property
    def text(self) -> str:
        return self.lead + "".join(s.text + s.note for s in self.segments)


@dataclass
class Section:
    number: str  # （一）
    area: Area
    paragraphs: list[Paragraph] = field(default_factory=list)
    empty_message: str = ""
    missing: list[str] = field(default_factory=list)  # indicators without records

    @property
    def title(self) -> str:
        return str(self.area.title)

    @property
    def heading(self) -> str:
        return f"{self.number}{self.title}"


@dataclass
class AnnualReport:
    year: int
    region: Region
    period: Period
    closure: ClosedPeriod | None
    sections: list[Section]
    targets: list[TargetProgress]
    figures: list[Figure]
    generated_at: datetime

    @property
    def title(self) -> str:
        return f"{self.region.name}民政工作{self.year}年度报告"

    @property
    def intro(self) -> list[str]:
        lines = [
            f"本报告由民政综合业务平台根据{self.region.name}各项业务的登记记录自动生成，"
            f"统计期为{self.year}年1月1日至12月31日；时点数以年末为准，期间数为全年累计。"
            "金额以万元为单位，保留两位小数；比例以百分比表示。"
            "报告中的每一个数字都可以在平台“统计分析”中查到口径说明和对应的记录明细。"
        ]
        if self.closure is not None:
            lines.append(
                f"{self.year}年度已于{timezone.localtime(self.closure.closed_at):%Y年%m月%d日}结账，"
                "本报告采用结账时保存的数据快照；结账后记录有更正的，在数字后注明按现有记录计算的结果。"
            )
        else:
            lines.append(f"{self.year}年度尚未结账，本报告数字按生成时的现有记录实时计算。")
        return lines

    @property
    def differences(self) -> list[Figure]:
        return [item for item in self.figures if item.differs]

    @property
    def heading_targets(self) -> str:
        return f"二、{self.year + 1}年工作目标"

    @property
    def heading_work(self) -> str:
        return f"一、{self.year}年主要工作情况"


def _segment(item: Figure) -> Segment:
    note = ""
    if item.differs:
        note = f"（结账后记录有更正，按现有记录为{with_unit(item.live.value, item.indicator.unit)}）"
    return Segment(with_unit(item.value, item.indicator.unit), item, note)


def _section(number: str, area: Area, items: list[Figure]) -> Section:
    section = Section(number, area)
    if not items:
        section.empty_message = NO_INDICATORS
        return section
    if all(item.value is None or item.value == 0 for item in items):
        section.empty_message = NO_RECORDS
        return section
    topics: dict[str, list[Figure]] = {}
    for item in sorted(items, key=lambda f: (topic_order(f.indicator.id), f.indicator.id)):
        if item.value is None:
            section.missing.append(str(item.indicator.name))
            continue
        topic, _phrase = phrase_for(item.indicator)
        topics.setdefault(topic, []).append(item)
    for topic, members in topics.items():
        segments: list[Segment] = []
        for index, item in enumerate(members):
            _topic, phrase = phrase_for(item.indicator)
            before, _, after = phrase.partition("{v}")
            segments.append(Segment(("，" if index else "") + before))
            segments.append(_segment(item))
            if after:
                segments.append(Segment(after))
        segments.append(Segment("。"))
        section.paragraphs.append(Paragraph(f"{topic}。", segments))
    return section


def build_annual_report(year: int, region: Region, *, today: date | None = None) -> AnnualReport:
    period = Period.for_year(year)
    order = {area.key: index for index, area in enumerate([*PROGRAM_AREAS, OVERVIEW])}
    all_figures = sorted(
        figures(period, region),
        key=lambda f: (
            order.get(f.indicator.area.key, len(order)),
            topic_order(f.indicator.id),
            f.indicator.id,
        ),
    )
    by_area: dict[str, list[Figure]] = {}
    for item in all_figures:
        by_area.setdefault(item.indicator.area.key, []).append(item)
    sections = []
    for index, area in enumerate([*PROGRAM_AREAS, OVERVIEW]):
        items = by_area.get(area.key, [])
        if area is OVERVIEW and not items:
            continue
        sections.append(_section(f"（{CHINESE_NUMBERS[index]}）", area, items))
    return AnnualReport(
        year=year,
        region=region,
        period=period,
        closure=closure_for(period),
        sections=sections,
        targets=targets_from(year + 1, today=today),
        figures=all_figures,
        generated_at=timezone.now(),
    )


def target_sentence(progress: TargetProgress) -> str:
    target = progress.target
    if progress.indicator is None:
        name, unit = target.indicator_id, ""
    else:
        name, unit = str(progress.indicator.name), progress.indicator.unit
    text = f"{target.year}年{name}达到{format_value(target.value, unit)}{unit}"
    if target.note:
        text += f"（{target.note}）"
    return text + "。"
