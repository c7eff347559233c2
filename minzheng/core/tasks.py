from celery import shared_task

from .jobs import run_job


@shared_task(name="minzheng.core.run_job")
def run_job_task(job_id: int) -> None:
    run_job(job_id)
