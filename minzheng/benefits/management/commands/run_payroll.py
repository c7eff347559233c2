"""run_payroll --scheme CODE --month YYYY-MM [--user USERNAME] [--timeout SECONDS]"""

import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from minzheng.benefits.models import PaymentLine, PayrollRun, Scheme
from minzheng.benefits.payroll import get_or_create_run
from minzheng.core.jobs import run_job, start_job
from minzheng.core.management.actors import acting_user, error_text
from minzheng.core.models import Job
from minzheng.core.months import Month

JOB_KIND = "benefits.build_payroll"


class Command(BaseCommand):
    help = (
        "Build (or rebuild, idempotently) the payroll run of one scheme and month as a background "
        "job. Without a broker the job runs in this process; with CELERY_BROKER_URL set the "
        "command waits for the worker (progress on stdout) up to --timeout seconds. Prints the "
        "lines, the total and the job id. Acts as --user (default: the first active superuser)."
    )

    poll_seconds = 0.5

    def add_arguments(self, parser):
        parser.add_argument("--scheme", required=True, metavar="CODE", help="scheme code, e.g. dibao")
        parser.add_argument("--month", required=True, metavar="YYYY-MM", help="the month to pay")
        parser.add_argument(
            "--user", metavar="USERNAME", help="act as this user (default: first active superuser)"
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=1800,
            help="with a broker: seconds to wait for the worker (default 1800)",
        )

    def handle(self, *args, **options):
        try:
            month = Month.parse(options["month"])
        except ValueError as exc:
            raise CommandError(str(exc))
        scheme = Scheme.objects.filter(code=options["scheme"]).first()
        if scheme is None:
            raise CommandError(f"项目代码“{options['scheme']}”不存在")
        user = acting_user(options["user"])
        try:
            run = get_or_create_run(scheme, month, actor=user)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(error_text(exc))
        if run.status != PayrollRun.Status.DRAFT:
            raise CommandError(f"{run}（批次号 {run.pk}）状态为“{run.get_status_display()}”，不能重新编制")
        job = start_job(JOB_KIND, actor=user, params={"run": run.pk})
        if settings.CELERY_TASK_ALWAYS_EAGER:
            job = run_job(job.pk)  # already run in-process unless inside a transaction: then now
        else:
            self.stdout.write(f"任务 #{job.pk} 已提交后台处理，等待完成……")
            job = self._wait(job, options["timeout"])
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"任务 #{job.pk} 失败：{job.result.get('error') or job.get_status_display()}")
        run.refresh_from_db()
        held = run.lines.filter(status=PaymentLine.Status.HELD).count()
        note = f"（其中缺少账户暂缓 {held} 笔）" if held else ""
        self.stdout.write(
            f"{run}（批次号 {run.pk}）已编制：{run.line_count} 笔，合计 {run.total_amount} 元{note}；"
            f"任务 #{job.pk}"
        )

    def _wait(self, job: Job, timeout: float) -> Job:
        deadline = time.monotonic() + timeout
        shown_log = 0
        last_progress = None
        while True:
            job.refresh_from_db()
            if job.log[shown_log:]:
                self.stdout.write(job.log[shown_log:].rstrip("\n"))
                shown_log = len(job.log)
            elif job.progress != last_progress:
                self.stdout.write(f"[{job.progress:3d}%] {job.get_status_display()}")
            last_progress = job.progress
            if job.is_finished:
                return job
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"任务 #{job.pk} 在 {timeout:g} 秒内未完成（{job.get_status_display()}，"
                    f"{job.progress}%），可稍后在后台任务中查看结果"
                )
            self.sleep(self.poll_seconds)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
