"""The payroll build as a background job (Celery with a broker, in-process without)."""

from minzheng.core.jobs import job_handler, job_progress
from minzheng.core.models import Job

from .models import PayrollRun
from .payroll import build_run


@job_handler("benefits.build_payroll")
def build_payroll_job(job: Job) -> dict:
    run = PayrollRun.objects.select_related("scheme").get(pk=job.params["run"])
    PayrollRun.objects.filter(pk=run.pk).update(job=job)
    run = build_run(
        run, actor=job.started_by, progress=lambda percent, message="": job_progress(job, percent, message)
    )
    return {"run": run.pk, "lines": run.line_count, "total": str(run.total_amount)}
