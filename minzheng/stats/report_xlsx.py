"""The annual work report's figures as XLSX: one sheet, one row per indicator, by chapter."""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .annual import AnnualReport
from .report_docx import appendix_note

HEADERS = ("章节", "指标编号", "指标名称", "数值", "单位", "分子", "分母", "数据来源", "备注")
WIDTHS = (14, 34, 30, 14, 10, 14, 14, 12, 36)


def _number(value):
    """Cells hold numbers (Decimal → float for Excel), empty when there are no records."""
    if value is None:
        return None
    return value if isinstance(value, int) else float(value)


def build_xlsx(report: AnnualReport) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "指标数据"
    sheet.append([f"{report.title}：指标数据"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [
            f"统计期：{report.year}年　区域：{report.region.name}（{report.region.code}）　"
            + ("已结账，数值取自结账快照" if report.closure else "未结账，数值按现有记录实时计算")
        ]
    )
    sheet.append(list(HEADERS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for item in report.figures:  # in the report's order: chapters, then topics as in the text
        unit = item.indicator.unit
        sheet.append(
            [
                str(item.indicator.area.title),
                item.indicator.id,
                str(item.indicator.name),
                _number(item.value),
                unit,
                _number(item.numerator),
                _number(item.denominator),
                "结账快照" if item.snapshot else "实时计算",
                appendix_note(item, report) or ("暂无记录" if item.value is None else ""),
            ]
        )
        if isinstance(item.value, int):
            continue
        sheet.cell(row=sheet.max_row, column=4).number_format = "0.00"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A4"
    return workbook


def write_report_xlsx(report: AnnualReport, out) -> None:
    build_xlsx(report).save(out)
