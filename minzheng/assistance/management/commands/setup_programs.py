from django.core.management.base import BaseCommand

from minzheng.assistance.programs import ensure_programs


class Command(BaseCommand):
    help = "创建社会救助各项目对应的待遇项目（已存在的跳过）"

    def handle(self, *args, **options):
        schemes = ensure_programs(actor=None)
        self.stdout.write(f"社会救助待遇项目：{len(schemes)} 个")
