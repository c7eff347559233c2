"""`close_period PERIOD`: close a statistics period (2018, 2018Q4, 2018-12): snapshot every
indicator for the district and each 镇街. A period is closed once, after it has ended."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from minzheng.stats.registry import IndicatorError, Period
from minzheng.stats.services import close_period


class Command(BaseCommand):
    help = "统计期结账：保存该期全部指标在全区和各镇街的快照"

    def add_arguments(self, parser):
        parser.add_argument("period", help="统计期：2018、2018Q4 或 2018-12")

    def handle(self, *args, period, **options):
        try:
            closure = close_period(Period.parse(period), actor=None)
        except IndicatorError as exc:
            raise CommandError(str(exc))
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages))
        self.stdout.write(
            f"统计期{closure.period}已结账：{closure.indicator_count}项指标 × {closure.region_count}个区域"
        )
