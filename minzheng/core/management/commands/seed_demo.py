"""Load the demo data set: the district's 村居, one user per role, the register, and what later
apps add through their `demo` modules. Deterministic (fixed seed)."""

import os
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from minzheng.core.demo import DEMO_PASSWORD, DemoContext, demo_steps


class Command(BaseCommand):
    help = "创建演示数据（番禺区 2018 年）。--reset 清空数据库后重建；--if-empty 仅在尚无演示数据时创建。"

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="清空数据库中的全部数据后重建演示数据")
        parser.add_argument("--if-empty", action="store_true", help="已有演示数据时什么也不做")
        parser.add_argument("--print-logins", action="store_true", help="只打印演示账户")

    def handle(self, *args, reset=False, if_empty=False, print_logins=False, **options):
        from minzheng.accounts.demo import demo_logins
        from minzheng.accounts.models import User

        if print_logins:
            return self._print_logins(demo_logins())
        if if_empty and User.objects.filter(username="admin").exists():
            self.stdout.write("演示数据已存在，跳过（如需重建请运行 seed_demo --reset）")
            return
        if reset:
            from minzheng.registry.divisions import load_divisions
            from minzheng.registry.models import Region

            call_command("flush", interactive=False, verbosity=0)
            load_divisions(Region)
        started = time.perf_counter()
        ctx = DemoContext(log=lambda message: self.stdout.write(f"  {message}"))
        for _order, name, step in demo_steps():
            step_started = time.perf_counter()
            with transaction.atomic():
                step(ctx)
            self.stdout.write(f"[{name}] {time.perf_counter() - step_started:.1f} 秒")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics after the bulk loads
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪，用时 {time.perf_counter() - started:.1f} 秒"))

    def _print_logins(self, logins):
        if not settings.MINZHENG_DEMO:
            self.stdout.write("未设置 MINZHENG_DEMO：演示账户没有密码，不能登录。")
            return
        self.stdout.write(f"\n演示账户（密码均为 {DEMO_PASSWORD}）：")
        for username, role, scope in logins:
            self.stdout.write(f"  {username:<10} {role:<8} {scope}")
        # `make run` passes its HOST and PORT on (see the Makefile)
        host, port = os.environ.get("MINZHENG_HOST", "127.0.0.1"), os.environ.get("MINZHENG_PORT", "8000")
        self.stdout.write(f"后台地址：http://{host}:{port}/admin/\n")
