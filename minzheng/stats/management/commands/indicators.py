"""`indicators --year YYYY [--region CODE] [--format table|json]`: every registered indicator's value."""

import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from minzheng.stats.registry import IndicatorError, Period, district, region_for_code, report


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _number(value) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


class Command(BaseCommand):
    help = "计算某一年度、某一区域的全部统计指标（默认全区）"

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="统计年度，如 2018")
        parser.add_argument("--region", default="", help="区划代码（区、镇街或村居），默认全区")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, year, region, format, **options):
        if not (year.strip().isdigit() and len(year.strip()) == 4):
            raise CommandError(f"--year 应为四位年份，如 2018，而不是“{year}”")
        try:
            period = Period.parse(year)
            node = region_for_code(region, period) if region else district()
        except IndicatorError as exc:
            raise CommandError(str(exc))
        data = report(period, node)
        if format == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        rows = [("编号", "指标", "数值", "单位", "分子/分母")]
        for item in data["indicators"]:
            ratio = ""
            if item["numerator"] is not None or item["denominator"] is not None:
                ratio = f"{_number(item['numerator'])}/{_number(item['denominator'])}"
            value = "暂无记录" if item["value"] is None else _number(item["value"])
            rows.append((item["id"], item["name"], value, item["unit"], ratio))
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write(f"{node.name}（{node.code}） {period} 年度")
        for row in rows:
            self.stdout.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
