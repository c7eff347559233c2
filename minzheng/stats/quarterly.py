"""The quarterly statistics form (民政统计季报 style) as XLSX.

One row per 镇街 in force at the quarter's end, in code order, then a total row; one column per
main indicator that is registered (MAIN_INDICATORS, in the order of the bureau's report), with
the unit in the header. Stock figures are at the quarter's end, flows are the quarter's. Money is
in 万元 with ONE decimal as statutory forms use, rounded half-up from the exact yuan sum (the
total adds the exact sums, then rounds). A closed quarter uses its snapshot.
"""

from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from .registry import Indicator, Period, all_indicators, district, towns_at
from .reporting import wan_yuan_one_decimal
from .selectors import Figure, closure_for, figures

# Additive figures that make sense per 镇街; those registered become columns, in this order.
MAIN_INDICATORS = (
    "assistance.dibao.households",
    "assistance.dibao.persons",
    "assistance.dibao.paid",
    "assistance.disability.persons_dec",
    "assistance.disability.paid",
    "assistance.medical.visits",
    "assistance.medical.paid",
    "assistance.children.paid",
    "verification.cases",
    "verification.persons",
    "eldercare.meal.points",
    "eldercare.meal.capacity",
    "eldercare.beds.total",
    "eldercare.alarm.users",
    "eldercare.insurance.insured",
    "community.meetings",
    "community.resolutions",
    "community.cases",
    "community.activities",
    "community.volunteers",
    "socialorgs.new",
    "socialorgs.total",
    "veterans.pensions.paid",
    "veterans.resettled",
    "veterans.one_time.paid",
    "veterans.hardship.paid",
    "marriage.registrations",
    "funeral.waivers",
    "registry.households",
    "registry.persons",
    "registry.elderly",
    "benefits.recipients",
    "benefits.person_times",
    "benefits.paid",
)
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def main_indicators() -> list[Indicator]:
    registered = {item.id: item for item in all_indicators()}
    return [registered[key] for key in MAIN_INDICATORS if key in registered]


@dataclass
class FormRow:
    label: str
    code: str
    cells: list  # int, Decimal (万元, one decimal) or None


def _cell(item: Figure):
    if item.indicator.is_money:
        exact = item.exact
        if exact is None and item.value is not None:
            exact = Decimal(item.value) * 10000  # a snapshot without the exact sum
        return wan_yuan_one_decimal(exact)
    return item.value


def form_rows(period: Period, indicators: list[Indicator], towns: list | None = None) -> list[FormRow]:
    """One row per 镇街 (all in force at the quarter's end unless `towns` is given) and the total."""
    ids = [item.id for item in indicators]
    rows, totals = [], [None] * len(ids)
    for town in towns_at(period) if towns is None else towns:
        town_figures = figures(period, town, ids)
        rows.append(FormRow(town.name, town.code, [_cell(item) for item in town_figures]))
        for index, item in enumerate(town_figures):
            raw = item.exact if item.indicator.is_money else item.value
            if item.indicator.is_money and raw is None and item.value is not None:
                raw = Decimal(item.value) * 10000
            if raw is not None:
                totals[index] = (totals[index] or 0) + raw
    total_cells = [
        wan_yuan_one_decimal(total) if item.is_money else total
        for item, total in zip(indicators, totals, strict=True)
    ]
    rows.append(FormRow("合计", "", total_cells))
    return rows


def build_quarterly_form(year: int, quarter: int, *, towns: list | None = None) -> Workbook:
    period = Period.for_quarter(year, quarter)
    indicators = main_indicators()
    rows = form_rows(period, indicators, towns)
    closed = closure_for(period) is not None
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{year}Q{quarter}"
    width = 2 + len(indicators)
    last = get_column_letter(width)
    sheet.append([f"{district().name}民政统计季报（{period.label}）"])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=15)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(
        [
            f"统计期：{period.start:%Y-%m-%d} 至 {period.end:%Y-%m-%d}（时点指标为期末数，期间指标为本季度数）　"
            f"金额单位：万元（保留一位小数）　"
            + ("数据来源：结账快照" if closed else "数据来源：平台现有记录（未结账）")
        ]
    )
    sheet.merge_cells(f"A2:{last}2")
    sheet.append(["镇街", "区划代码", *[f"{item.name}\n（{item.unit}）" for item in indicators]])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
    sheet.row_dimensions[3].height = 48
    for row in rows:
        sheet.append([row.label, row.code, *[_excel(value) for value in row.cells]])
        for column, item in enumerate(indicators, start=3):
            cell = sheet.cell(row=sheet.max_row, column=column)
            cell.number_format = "0.0" if item.is_money else ("0.00" if item.is_rate else "0")
        for cell in sheet[sheet.max_row]:
            cell.border = BORDER
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 15
    for column in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.freeze_panes = "C4"

    notes = workbook.create_sheet("指标说明")
    notes.append(["指标编号", "指标名称", "单位", "口径说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for item in indicators:
        notes.append([item.id, str(item.name), item.unit, str(item.definition)])
    for letter, col_width in zip("ABCD", (34, 24, 8, 90), strict=True):
        notes.column_dimensions[letter].width = col_width
    return workbook


def _excel(value):
    if value is None or isinstance(value, int):
        return value
    return float(value)


def write_quarterly_form(year: int, quarter: int, out, *, towns: list | None = None) -> None:
    build_quarterly_form(year, quarter, towns=towns).save(out)
