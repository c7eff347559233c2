"""Daily: children who turned 18 leave the orphan / unsupported-child allowance (after the birthday
month) with a 成年孤儿安置 task for their town; left-behind children who turned 16 leave the
register; the number of overdue care visits is reported. Idempotent: run it every day."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from minzheng.assistance.selectors.children import overdue_visits
from minzheng.assistance.services.children import age_out_children, close_aged_left_behind


class Command(BaseCommand):
    help = "儿童年龄到期处理：年满18周岁停发孤儿（事实无人抚养儿童）基本生活费并生成成年孤儿安置事项；留守儿童年满16周岁销册"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="处理日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args, **options):
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"日期“{options['date']}”格式不正确，应为 YYYY-MM-DD")
        ended = age_out_children(today=today)
        closed = close_aged_left_behind(today=today)
        overdue = overdue_visits(today=today).count()
        self.stdout.write(
            f"停发并生成成年孤儿安置事项：{ended} 人；留守儿童年满16周岁销册：{closed} 人；走访逾期：{overdue} 人"
        )
