"""export_bank_file RUN_ID OUT [--user USERNAME]"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from minzheng.benefits.bank_files import export_bank_file, file_format
from minzheng.benefits.models import PayrollRun
from minzheng.core.management.actors import acting_user, error_text


class Command(BaseCommand):
    help = (
        "Write the bank payment file of an approved payroll run to OUT (.csv — UTF-8 with BOM — or "
        ".xlsx, by the extension; layout in docs/bank-file.md). The first export marks the run "
        "exported; a later one downloads the same file again. The file holds FULL account numbers "
        "and is created readable by its owner only. Every export is audited as --user (needs the "
        "payroll-export right; default: the first active superuser)."
    )

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int, help="the payroll run's id (批次号)")
        parser.add_argument("out", help="output file, .csv or .xlsx")
        parser.add_argument(
            "--user", metavar="USERNAME", help="act as this user (default: first active superuser)"
        )

    def handle(self, *args, **options):
        try:
            fmt = file_format(options["out"])
        except ValueError as exc:
            raise CommandError(str(exc))
        run = PayrollRun.objects.select_related("scheme").filter(pk=options["run_id"]).first()
        if run is None:
            raise CommandError(f"发放批次 {options['run_id']} 不存在")
        user = acting_user(options["user"])
        try:
            summary = export_bank_file(run, options["out"], actor=user, fmt=fmt)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(error_text(exc))
        again = "（重新下载）" if summary.redownload else ""
        self.stdout.write(
            f"已导出{run}（批次号 {run.pk}）银行文件{again}到 {options['out']}："
            f"{summary.lines} 笔，合计 {summary.total} 元"
        )
        if summary.recoveries:
            self.stdout.write(
                f"追回清单 {summary.recoveries} 笔，合计 {summary.recovery_total} 元（另行追缴，不在银行代发中）"
            )
        self.stdout.write("文件含完整银行账号和身份证号码，请妥善保管，交付银行后删除。")
