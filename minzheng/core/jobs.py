"""Background jobs: a `Job` row per long operation, run by Celery or in-process.

A job kind is registered with `@job_handler("kind")`; the handler receives the job and calls
`job_progress(job, percent, message)` as it goes. `start_job` creates the row and hands its id
to Celery after the transaction commits; without a broker Celery runs the task eagerly, in
this process.
"""

import logging
import traceback
from collections.abc import Callable

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from .models import Job

logger = logging.getLogger("minzheng.jobs")
_HANDLERS: dict[str, Callable[[Job], dict | None]] = {}


def job_handler(kind: str):
    def register(func):
        _HANDLERS[kind] = func
        return func

    return register


def start_job(kind: str, *, actor, params: dict | None = None) -> Job:
    if kind not in _HANDLERS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job.objects.create(
        kind=kind, params=params or {}, started_by=actor if getattr(actor, "pk", None) else None
    )
    from .tasks import run_job_task

    transaction.on_commit(lambda: run_job_task.delay(job.pk))
    return job


def job_progress(job: Job, percent: int, message: str = "") -> None:
    """Cheap progress update, visible to the polling page at once (outside any transaction)."""
    percent = max(0, min(100, int(percent)))
    updates = {"progress": percent}
    if message:
        stamp = timezone.localtime().strftime("%H:%M:%S")
        updates["log"] = Concat(F("log"), Value(f"[{stamp}] {message}\n"))
    Job.objects.filter(pk=job.pk).update(**updates)
    job.progress = percent


def run_job(job_id: int) -> Job:
    """Run a pending job once. A job already claimed by another worker is left alone."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        result = _HANDLERS[job.kind](job) or {}
    except Exception as exc:  # the job records the failure; the worker lives on
        logger.exception("job %s failed", job_id)
        job_progress(job, job.progress, f"失败：{exc}")
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            result={"error": str(exc), "traceback": traceback.format_exc()[-4000:]},
        )
    else:
        # A handler that refused its input (e.g. an import with bad rows) returns rejected=True:
        # the job failed, and its result keeps the reasons.
        failed = bool(result.get("rejected"))
        job_progress(job, 100, "未通过校验，未写入任何数据" if failed else "完成")
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED if failed else Job.Status.SUCCEEDED,
            finished_at=timezone.now(),
            result=result,
        )
    job.refresh_from_db()
    return job
