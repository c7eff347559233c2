"""`close_notices [--date YYYY-MM-DD]`: run daily. Every notice whose 7 days have ended with no
pending objection moves its application on to district approval (公示期满无异议)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from minzheng.assistance.services.notices import close_expired_notices


class Command(BaseCommand):
    help = "公示期满无异议的救助申请转入区级审批（每日运行）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按该日期处理（默认今天），格式 YYYY-MM-DD")

    def handle(self, *args, date: str | None = None, **options):
        today = None
        if date:
            try:
                today = _parse(date)
            except ValueError:
                raise CommandError(f"日期“{date}”格式不正确，应为 YYYY-MM-DD")
        moved = close_expired_notices(today=today)
        self.stdout.write(f"公示期满转区级审批：{moved} 件")


def _parse(text: str) -> date:
    return date.fromisoformat(text.strip())
