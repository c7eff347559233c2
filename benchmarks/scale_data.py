"""Scale data for benchmarks: generated villages and a large register of valid persons.

Persons get valid ID numbers (`make_id_number`) with birth dates from 1930 to 2023, names from a
pool of common surnames and given names (their pinyin initials computed by the register's own
`name_initials`), and are spread evenly over the current villages. On PostgreSQL rows go in with
COPY into a temporary table and one `INSERT … ON CONFLICT DO NOTHING` per batch; elsewhere with
`bulk_create(ignore_conflicts=True)`. Generation tops up until the register holds the total asked for.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Person, Region
from minzheng.registry.services import create_region
from minzheng.registry.validation import name_initials

MIN_VILLAGES = 270
GENERATED_VILLAGE_FROM = 801  # generated village codes: town code[:9] + 801…999
BATCH = 100_000

# Surnames roughly by frequency (weights in per mille of the population, rounded).
SURNAMES = (
    "王72 李71 张67 刘54 陈45 杨32 黄30 赵22 吴21 周21 徐17 孙15 马15 朱14 胡13 郭13 何12 高12 林12 "
    "罗11 郑11 梁10 谢9 宋8 唐8 许8 韩8 冯7 邓7 曹7 彭7 曾7 肖7 田6 董6 袁6 潘6 于6 蒋6 蔡6 余6 "
    "杜5 叶5 程5 苏5 魏5 吕5 丁5 任5 沈4 姚4 卢4 姜4 崔4 钟4 谭4 陆4 汪4 范4 金4 石4 廖4 贾4 "
    "夏3 韦3 付3 方3 白3 邹3 孟3 熊3 秦3 邱3 江3 尹3 薛3 闫3 段3 雷3 侯3 龙3 史3 陶3 黎3 贺3 "
    "顾2 毛2 郝2 龚2 邵2 万2 钱2 严2 覃2 武2 戴2 莫2 孔2 向2 汤2 欧阳1 司马1"
).split()
GIVEN = (
    "伟 芳 娜 秀 英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 桂 华 红 玉 兰 建 国 文 "
    "辉 亮 志 新 林 斌 波 宇 浩 凯 俊 鹏 晨 婷 雪 琳 欣 怡 佳 嘉 子 梓 涵 轩 浩 然 博 思 雨 诗 "
    "海 峰 宏 春 冬 梅 燕 萍 莉 琴 云 飞 鑫 健 彬 坤 德 荣 家 成 永 祥 福 贵 金 银 宝 珠 碧 翠 "
    "少 锦 耀 基 永 权 炳 添 炎 棠 伦 达 汉 坚 培 锐 颖 倩 敏 仪 慧 惠 婉 珊 蓉 秋 晓 东 南 北"
).split()
DIVISIONS = (
    ("440113", 60),  # 番禺
    ("440111", 4),
    ("440103", 3),
    ("440104", 3),
    ("440106", 3),
    ("440183", 3),
    ("441900", 2),
    ("445122", 3),
    ("441302", 3),
    ("440882", 3),
    ("450103", 3),
    ("430102", 3),
    ("360102", 2),
    ("510104", 2),
    ("420102", 2),
    ("350102", 1),
)
MARITAL = ("married",) * 55 + ("single",) * 25 + ("divorced",) * 5 + ("widowed",) * 6 + ("unknown",) * 9
DISABILITIES = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
COLUMNS = (
    "created_at",
    "updated_at",
    "id_number",
    "id_tail",
    "name",
    "name_initials",
    "birth_date",
    "sex",
    "phone",
    "region_id",
    "residence_region_id",
    "disability_category",
    "disability_grade",
    "disability_cert_no",
    "death_date",
    "marital_status",
)
BORN_FROM = date(1930, 1, 1).toordinal()
BORN_SPAN = date(2023, 12, 31).toordinal() - BORN_FROM


def _check_columns() -> None:
    model_columns = {f.column for f in Person._meta.concrete_fields if not f.primary_key}
    if model_columns != set(COLUMNS):
        raise RuntimeError(
            f"Person's columns changed; update benchmarks/scale_data.py: {model_columns ^ set(COLUMNS)}"
        )


def ensure_villages(minimum: int = MIN_VILLAGES) -> list[Region]:
    """The current villages; generated ones are added under the current towns up to `minimum`."""
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE, valid_to__isnull=True))
    if len(villages) >= minimum:
        return villages
    towns = list(Region.objects.filter(level=Region.Level.TOWN, valid_to__isnull=True).order_by("code"))
    used = set(Region.objects.filter(valid_to__isnull=True).values_list("code", flat=True))
    number = GENERATED_VILLAGE_FROM
    while len(villages) < minimum and number <= 999:
        for town in towns:
            code = f"{town.code[:9]}{number:03d}"
            if code in used:
                continue
            villages.append(
                create_region(
                    actor=None,
                    parent=town,
                    level=Region.Level.VILLAGE,
                    code=code,
                    name=f"{town.name.removesuffix('街道').removesuffix('镇')}规模测试{number - 800}居委会",
                    valid_from=date(2000, 1, 1),
                    is_generated=True,
                )
            )
            if len(villages) >= minimum:
                break
        number += 1
    return villages


class PersonFactory:
    """Random but valid person rows (tuples in COLUMNS order), reproducible from a seed."""

    def __init__(self, villages: list[Region], seed: int, names: int = 50_000):
        self.rng = random.Random(seed)
        self.village_ids = [v.pk for v in villages]
        surname_list = [entry.rstrip("0123456789") for entry in SURNAMES]
        surname_weights = [
            int(entry[len(name) :]) for entry, name in zip(SURNAMES, surname_list, strict=True)
        ]
        pool: set[str] = set()
        while len(pool) < names:
            surname = self.rng.choices(surname_list, surname_weights)[0]
            given = self.rng.choice(GIVEN) + (self.rng.choice(GIVEN) if self.rng.random() < 0.75 else "")
            pool.add(surname + given)
        self.names = [(name, name_initials(name)) for name in sorted(pool)]
        self.divisions = [d for d, _ in DIVISIONS]
        self.division_weights = [w for _, w in DIVISIONS]
        self.now = timezone.now()

    def id_number(self) -> str:
        rng = self.rng
        division = rng.choices(self.divisions, self.division_weights)[0]
        born = date.fromordinal(BORN_FROM + rng.randrange(BORN_SPAN))
        return make_id_number(division, born, rng.randrange(1000))

    def row(self, number: str | None = None) -> tuple:
        rng = self.rng
        number = number or self.id_number()
        name, initials = rng.choice(self.names)
        region = rng.choice(self.village_ids)
        disabled = rng.random() < 0.05
        return (
            self.now,
            self.now,
            number,
            number[-6:],
            name,
            initials,
            date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            "M" if int(number[16]) % 2 else "F",
            f"1{rng.choice('35789')}{rng.randrange(10**9):09d}" if rng.random() < 0.9 else "",
            region,
            region if rng.random() < 0.9 else rng.choice(self.village_ids),
            rng.choice(DISABILITIES) if disabled else "",
            rng.randint(1, 4) if disabled else None,
            f"{number}{rng.randint(1, 7)}{rng.randint(1, 4)}" if disabled else "",
            None,
            rng.choice(MARITAL),
        )

    def rows(self, count: int) -> Iterator[tuple]:
        for _ in range(count):
            yield self.row()


def insert_rows(rows: list[tuple]) -> int:
    """Insert person rows, skipping ID numbers already registered. Returns how many went in."""
    _check_columns()
    table = Person._meta.db_table
    columns = ", ".join(COLUMNS)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS scale_person_load")
                cursor.execute(
                    f"CREATE TEMP TABLE scale_person_load AS SELECT {columns} FROM {table} WITH NO DATA"
                )
                with cursor.cursor.copy(f"COPY scale_person_load ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {columns} FROM scale_person_load "
                    "ON CONFLICT (id_number) DO NOTHING"
                )
                inserted = cursor.rowcount
                cursor.execute("DROP TABLE scale_person_load")
            return inserted
        before = Person.objects.count()
        Person.objects.bulk_create(
            [Person(**dict(zip(COLUMNS, row, strict=True))) for row in rows],
            ignore_conflicts=True,
            batch_size=5000,
        )
        return Person.objects.count() - before


def ensure_persons(
    total: int, *, seed: int = 2018, villages: int = MIN_VILLAGES, log: Callable[[str], None] | None = None
) -> int:
    """Generate persons until the register holds at least `total`. Returns how many were added."""
    log = log or (lambda message: None)
    current = Person.objects.count()
    if current >= total:
        return 0
    factory = PersonFactory(ensure_villages(villages), seed=seed + current)
    added = 0
    attempts = 0
    while current < total and attempts < 1000:
        attempts += 1
        count = min(BATCH, total - current)
        inserted = insert_rows(list(factory.rows(count)))
        added += inserted
        current += inserted
        log(f"generated {added} persons (register: {current})")
    if added and connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Settle the freshly loaded table as autovacuum would (visibility map, statistics), so
        # that measurements right after generation are not skewed by the bulk load.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Person._meta.db_table}")
            cursor.execute(f"ANALYZE {Region._meta.db_table}")
    return added


def write_import_csv(path: Path, count: int, *, seed: int) -> list[str]:
    """A persons import file (UTF-8 CSV with the template's headers) of `count` new persons.

    ID numbers are checked against the register a chunk at a time, so the file imports cleanly.
    Returns the ID numbers written.
    """
    factory = PersonFactory(ensure_villages(), seed=seed, names=20_000)
    codes = dict(Region.objects.filter(level=Region.Level.VILLAGE).values_list("id", "code"))
    marital = {"married": "已婚", "single": "未婚", "divorced": "离婚", "widowed": "丧偶", "unknown": "未知"}
    disability = {value: str(label) for value, label in Person.Disability.choices}
    grades = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
    numbers: set[str] = set()
    written: list[str] = []
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "身份证号码",
                "姓名",
                "户籍村居代码",
                "联系电话",
                "实际居住村居代码",
                "残疾类别",
                "残疾等级",
                "残疾证号",
                "婚姻状况",
            ]
        )
        while len(written) < count:
            candidates = {factory.id_number() for _ in range(min(5000, count - len(written)))} - numbers
            taken = set(
                Person.objects.filter(id_number__in=list(candidates)).values_list("id_number", flat=True)
            )
            for number in sorted(candidates - taken):
                row = dict(zip(COLUMNS, factory.row(number), strict=True))
                writer.writerow(
                    [
                        number,
                        row["name"],
                        codes[row["region_id"]],
                        row["phone"],
                        codes[row["residence_region_id"]],
                        disability.get(row["disability_category"], ""),
                        grades.get(row["disability_grade"], ""),
                        row["disability_cert_no"],
                        marital[row["marital_status"]],
                    ]
                )
                numbers.add(number)
                written.append(number)
    return written
