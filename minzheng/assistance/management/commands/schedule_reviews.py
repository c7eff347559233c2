"""Create the next periodic review of every assistance recipient that has none (idempotent).

    python manage.py schedule_reviews [--date 2018-12-31]

Run daily (cron or Celery beat); a second run the same day creates nothing.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from minzheng.assistance.services.reviews import schedule_reviews


class Command(BaseCommand):
    help = "为在册社会救助对象生成下一次定期复核任务（可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--date", "--today", dest="today", help="按该日期计算（YYYY-MM-DD），默认今天")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(f"日期“{options['today']}”格式不正确，应为 YYYY-MM-DD")
        created = schedule_reviews(today=today)
        self.stdout.write(self.style.SUCCESS(f"新建复核任务 {created} 条"))
