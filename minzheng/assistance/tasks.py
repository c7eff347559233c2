"""Daily social-assistance work, run by Celery beat in production (`CELERY_BEAT_SCHEDULE` in
settings) and by the same-named management commands from cron or by hand. Each is idempotent."""

from celery import shared_task

from .services.children import age_out_children, close_aged_left_behind
from .services.notices import close_expired_notices
from .services.reviews import schedule_reviews


@shared_task(name="minzheng.assistance.close_notices")
def close_notices_task() -> int:
    """Notices whose 7 days ended with no pending objection: cases go on to district approval."""
    return close_expired_notices()


@shared_task(name="minzheng.assistance.schedule_reviews")
def schedule_reviews_task() -> int:
    """The next periodic review of every recipient that has none."""
    return schedule_reviews()


@shared_task(name="minzheng.assistance.children_age_out")
def children_age_out_task() -> int:
    """Allowances of children who turned 18 end (with a follow-up task); left-behind entries at 16 close."""
    return age_out_children() + close_aged_left_behind()
