"""import_data DATASET FILE | import_data --list | import_data DATASET --template OUT.xlsx"""

import time
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from minzheng.core.datasets import UnknownDataset, all_datasets, get_dataset, import_dataset, write_template
from minzheng.core.management.actors import acting_user


class Command(BaseCommand):
    help = (
        "All-or-nothing import of an XLSX or CSV file into a data set (persons, households). "
        "Every row is checked first; if any row is bad nothing is written, each bad row is listed "
        "on stderr as `第N行 列名：消息` and the command exits non-zero. The import is audited as "
        "--user (default: the first active superuser, whose scope is the whole district)."
    )

    def add_arguments(self, parser):
        parser.add_argument("dataset", nargs="?", help="data set name (see --list)")
        parser.add_argument("file", nargs="?", help="the .xlsx or .csv file to import")
        parser.add_argument("--list", action="store_true", help="list the data sets and their columns")
        parser.add_argument(
            "--template", metavar="OUT.xlsx", help="write the data set's XLSX template and stop"
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="act as this user: needs the import right, regions must be in the user's scope "
            "(default: the first active superuser)",
        )

    def handle(self, *args, **options):
        if options["list"]:
            for dataset in all_datasets():
                columns = "、".join(c.header + ("*" if c.required else "") for c in dataset.columns)
                self.stdout.write(f"{dataset.name}\t{dataset.title}\t{columns}")
            return
        if not options["dataset"]:
            raise CommandError("请指定数据集（可用 --list 查看）")
        try:
            dataset = get_dataset(options["dataset"])
        except UnknownDataset as exc:
            raise CommandError(str(exc))
        if options["template"]:
            write_template(dataset.name, options["template"])
            self.stdout.write(f"模板已写入 {options['template']}")
            return
        if not options["file"]:
            raise CommandError("请指定要导入的文件")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        user = acting_user(options["user"])
        started = time.monotonic()
        try:
            result = import_dataset(dataset.name, path, actor=user)
        except PermissionDenied as exc:
            raise CommandError(f"用户“{user.username}”不能导入：{exc}")
        if not result.ok:
            for line in result.errors:
                self.stderr.write(line)
            raise CommandError(result.summary)
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{result.summary}（{dataset.title}，操作人 {user.username}，用时 {seconds:.1f} 秒）"
        )
