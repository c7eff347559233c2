"""`annual_report --year YYYY --format html|docx|xlsx --output FILE [--region CODE]`: the annual
work report built from the records (a closed year from its snapshot)."""

from django.core.management.base import BaseCommand, CommandError

from minzheng.stats.annual import build_annual_report
from minzheng.stats.registry import IndicatorError, Period, district, region_for_code
from minzheng.stats.report_docx import write_report_docx
from minzheng.stats.report_html import write_report_html
from minzheng.stats.report_xlsx import write_report_xlsx

WRITERS = {"html": write_report_html, "docx": write_report_docx, "xlsx": write_report_xlsx}


class Command(BaseCommand):
    help = "生成年度工作报告（HTML、DOCX 或 XLSX），数字全部由平台记录计算"

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="报告年度，如 2018")
        parser.add_argument("--format", choices=sorted(WRITERS), required=True)
        parser.add_argument("--output", required=True, help="输出文件路径")
        parser.add_argument("--region", default="", help="区划代码（区或镇街），默认全区")
        parser.add_argument(
            "--base-url", default="", help="HTML 中指标链接的网址前缀，如 https://mz.example.gov.cn"
        )

    def handle(self, *args, year, format, output, region, base_url, **options):
        year = year.strip()
        if not (year.isdigit() and len(year) == 4):
            raise CommandError(f"--year 应为四位年份，如 2018，而不是“{year}”")
        try:
            period = Period.parse(year)
            node = region_for_code(region, period) if region else district()
        except IndicatorError as exc:
            raise CommandError(str(exc))
        report = build_annual_report(period.year, node)
        try:
            if format == "html":
                write_report_html(report, output, base_url=base_url)
            else:
                WRITERS[format](report, output)
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror or exc}")
        empty = [s.title for s in report.sections if s.empty_message]
        self.stdout.write(
            f"已生成 {report.title}（{format}）：{output}；{len(report.figures)}项指标"
            + (f"；无记录的领域：{'、'.join(empty)}" if empty else "")
        )
