"""`quarterly_form --year YYYY --quarter N --output FILE`: the quarterly statistics form (XLSX)."""

from django.core.management.base import BaseCommand, CommandError

from minzheng.stats.quarterly import main_indicators, write_quarterly_form
from minzheng.stats.registry import IndicatorError, Period


class Command(BaseCommand):
    help = "生成民政统计季报（XLSX）：每个镇街一行，金额以万元保留一位小数"

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="年度，如 2018")
        parser.add_argument("--quarter", required=True, help="季度 1–4")
        parser.add_argument("--output", required=True, help="输出 XLSX 文件路径")

    def handle(self, *args, year, quarter, output, **options):
        year, quarter = year.strip(), quarter.strip()
        if not (year.isdigit() and len(year) == 4):
            raise CommandError(f"--year 应为四位年份，如 2018，而不是“{year}”")
        if quarter not in {"1", "2", "3", "4"}:
            raise CommandError(f"--quarter 应为 1 到 4，而不是“{quarter}”")
        try:
            period = Period.parse(f"{year}Q{quarter}")
        except IndicatorError as exc:
            raise CommandError(str(exc))
        try:
            write_quarterly_form(period.year, int(quarter), output)
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror or exc}")
        self.stdout.write(f"已生成 {period.label} 民政统计季报：{output}；{len(main_indicators())}项指标")
