"""reconcile_payments RUN_ID RETURN_FILE [--user USERNAME]"""

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from minzheng.benefits.bank_returns import reconcile_payments
from minzheng.benefits.models import PayrollRun
from minzheng.core.management.actors import acting_user


class Command(BaseCommand):
    help = (
        "Reconcile an exported payroll run with the bank's return file (.csv or .xlsx; layout in "
        "docs/bank-file.md): every line becomes paid or failed with the bank's reason. The file "
        "is checked as a whole first: on any problem nothing changes, every reason is printed on "
        "stderr and the command exits non-zero. Failed lines are re-issued by the next month's "
        "run once the account is corrected. Audited as --user (default: first active superuser)."
    )

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int, help="the payroll run's id (批次号)")
        parser.add_argument("return_file", help="the bank's return file, .csv or .xlsx")
        parser.add_argument(
            "--user", metavar="USERNAME", help="act as this user (default: first active superuser)"
        )

    def handle(self, *args, **options):
        path = Path(options["return_file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        run = PayrollRun.objects.select_related("scheme").filter(pk=options["run_id"]).first()
        if run is None:
            raise CommandError(f"发放批次 {options['run_id']} 不存在")
        user = acting_user(options["user"])
        try:
            result = reconcile_payments(run, path, actor=user)
        except PermissionDenied as exc:
            raise CommandError(str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{run}（批次号 {run.pk}）未对账，未作任何更改（原因见上）")
        self.stdout.write(
            f"{run}（批次号 {run.pk}）已对账：成功 {result.paid} 笔 {result.paid_total} 元，"
            f"失败 {result.failed} 笔 {result.failed_total} 元"
        )
        if result.failed:
            self.stdout.write("失败的明细在更正银行账户后，由下月发放批次自动重发。")
