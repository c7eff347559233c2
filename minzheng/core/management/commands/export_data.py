"""export_data DATASET OUT [--user USERNAME] [--unmasked]"""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from minzheng.core.datasets import UnknownDataset, export_dataset, export_format
from minzheng.core.management.actors import acting_user


class Command(BaseCommand):
    help = (
        "Export a data set (persons, households) to OUT (.xlsx or .csv, chosen by the extension; "
        "CSV is UTF-8 with BOM). Only the records in --user's scope are written; ID numbers and "
        "phones are masked unless --unmasked is given and the user may export unmasked data. "
        "Every export is audited (default user: the first active superuser)."
    )

    def add_arguments(self, parser):
        parser.add_argument("dataset", help="data set name (see import_data --list)")
        parser.add_argument("out", help="output file, .xlsx or .csv")
        parser.add_argument(
            "--user", metavar="USERNAME", help="act as this user (default: first active superuser)"
        )
        parser.add_argument(
            "--unmasked", action="store_true", help="full ID numbers and phones (needs the right)"
        )

    def handle(self, *args, **options):
        try:
            export_format(options["out"], None)
        except ValueError as exc:
            raise CommandError(str(exc))
        user = acting_user(options["user"])
        try:
            result = export_dataset(
                options["dataset"], options["out"], actor=user, unmasked=options["unmasked"]
            )
        except UnknownDataset as exc:
            raise CommandError(str(exc))
        except PermissionDenied as exc:
            raise CommandError(str(exc))
        masked = "脱敏" if result.masked else "未脱敏"
        self.stdout.write(f"已导出 {result.rows} 行（{masked}）到 {options['out']}")
