"""The payroll build as a background job (Celery with a broker, in-process without)."""

from django.urls import reverse

from minzheng.core.jobs import job_handler, job_progress
from minzheng.core.models import Job

from .models import PayrollRun
from .payroll import PayrollBusy, build_run


@job_handler("benefits.build_payroll")
def build_payroll_job(job: Job) -> dict:
    run = PayrollRun.objects.select_related("scheme").get(pk=job.params["run"])
    PayrollRun.objects.filter(pk=run.pk).update(job=job)
    try:
        run = build_run(
            run,
            actor=job.started_by,
            progress=lambda percent, message="": job_progress(job, percent, message),
        )
    except PayrollBusy as exc:  # another process holds the build: this job failed, the run is fine
        return {"rejected": True, "code": "conflict", "error": str(exc), "run": run.pk}
    return {
        "run": run.pk,
        "lines": run.line_count,
        "total": str(run.total_amount),
        "url": reverse("benefits:run", args=[run.pk]),
        "url_label": f"查看发放批次：{run}",
    }
