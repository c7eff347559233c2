"""Demo data for the register: about 270 generated 村居 and a population of 20,000+ in households.

The 村居 are generated (marked `is_generated`): the source does not publish them. People and
households go through the same all-or-nothing import service that staff use for files.
"""

import csv
import tempfile
from datetime import date, timedelta
from pathlib import Path

from minzheng.core.datasets import import_dataset
from minzheng.core.demo import DemoContext, demo_step

from .idnumbers import make_id_number
from .models import Person, Region
from .services import create_region

# villages per current 镇街 (code → (居委会, 村委会)), 270 in all
VILLAGES = {
    "440113007000": (22, 0),
    "440113008000": (16, 0),
    "440113009000": (14, 0),
    "440113010000": (15, 0),
    "440113011000": (8, 0),
    "440113012000": (14, 8),
    "440113013000": (12, 6),
    "440113014000": (4, 10),
    "440113015000": (6, 10),
    "440113016000": (3, 12),
    "440113017000": (5, 13),
    "440113102000": (4, 18),
    "440113103000": (1, 7),
    "440113104000": (2, 12),
    "440113105000": (3, 23),
    "440113120000": (3, 19),
}
PLACE = "东南西北新兴福安康乐和平华明德仁义礼信忠孝龙凤沙石桥湾塘岗坑涌洲岭田围基"
SURNAMES = "陈李黄张梁何刘林罗郭吴麦冯谢邓曾周苏叶潘杨卢朱胡钟区韩江郑蔡"
GIVEN = "志伟明华建国文杰俊峰海军英红芳丽娟敏静燕婷玉兰秀梅嘉欣颖诗雅浩宇子轩家豪晓伟锦荣德成永强卓"
TARGET_PERSONS = 20_000
DIVISIONS = ["440113"] * 17 + ["440111", "440105", "445221"]


@demo_step(10, "villages")
def create_villages(ctx: DemoContext) -> None:
    created = 0
    for town_code, (communities, villages) in VILLAGES.items():
        town = Region.objects.get(code=town_code, valid_to__isnull=True)
        existing = set(Region.objects.filter(parent=town).values_list("name", flat=True))
        names = _place_names(ctx, communities + villages)
        for index in range(communities + villages):
            is_community = index < communities
            number = index + 1 if is_community else 200 + index - communities + 1
            name = names[index] + ("社区居委会" if is_community else "村委会")
            code = f"{town_code[:9]}{number:03d}"
            if name in existing or Region.objects.filter(code=code).exists():
                continue
            create_region(
                actor=None,
                parent=town,
                level=Region.Level.VILLAGE,
                code=code,
                name=name,
                valid_from=date(2000, 1, 1),
                is_generated=True,
            )
            created += 1
    ctx.log(f"村居：新建 {created} 个（演示生成）")


def _place_names(ctx: DemoContext, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = ctx.rng.choice(PLACE) + ctx.rng.choice(PLACE)
        if name[0] != name[1] and name not in names:
            names.append(name)
    return names


@demo_step(30, "population")
def create_population(ctx: DemoContext) -> None:
    if Person.objects.count() >= TARGET_PERSONS:
        ctx.log("人员：已有演示人口，跳过")
        return
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE, valid_to__isnull=True).order_by("code"))
    people, members = _plan_population(ctx, villages)
    with tempfile.TemporaryDirectory() as folder:
        persons_file = Path(folder) / "persons.csv"
        households_file = Path(folder) / "households.csv"
        _write_csv(
            persons_file,
            ["身份证号码", "姓名", "户籍村居代码", "联系电话", "残疾类别", "残疾等级", "婚姻状况"],
            people,
        )
        _write_csv(
            households_file, ["户号", "户籍村居代码", "住址", "身份证号码", "与户主关系", "入户日期"], members
        )
        for name, path in (("persons", persons_file), ("households", households_file)):
            result = import_dataset(name, path, actor=ctx.actor)
            if not result.ok:
                raise RuntimeError(f"演示数据导入失败（{name}）：" + "；".join(result.errors[:5]))
            ctx.log(
                f"{'人员' if name == 'persons' else '家庭户'}：导入 {result.created} {'人' if name == 'persons' else '户'}"
            )


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


DISABILITIES = ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]


def _plan_population(ctx: DemoContext, villages: list[Region]) -> tuple[list[list[str]], list[list[str]]]:
    """A deterministic population: households of one to six people spread over the 村居."""
    rng = ctx.rng
    used: set[str] = set(Person.objects.values_list("id_number", flat=True))
    people: list[list[str]] = []
    members: list[list[str]] = []
    total, household_no = 0, 0
    while total < TARGET_PERSONS:
        village = villages[household_no % len(villages)]
        household_no += 1
        number = f"{village.code[6:]}-{household_no:05d}"
        address = f"{village.name.removesuffix('社区居委会').removesuffix('村委会')}{rng.randint(1, 99)}巷{rng.randint(1, 60)}号"
        surname = rng.choice(SURNAMES)
        head_age = rng.randint(26, 88)
        head_male = rng.random() < 0.62
        cast = [("户主", head_age, head_male, surname)]
        if head_age > 24 and rng.random() < 0.72:
            cast.append(("配偶", max(20, head_age + rng.randint(-5, 4)), not head_male, rng.choice(SURNAMES)))
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3]) if head_age < 70 else rng.choice([0, 0, 1])):
            child_age = head_age - rng.randint(22, 38)
            if child_age >= 0:
                cast.append(("子女", child_age, rng.random() < 0.52, surname))
        if head_age < 60 and rng.random() < 0.15:
            cast.append(("父母", min(head_age + rng.randint(22, 32), 99), rng.random() < 0.45, surname))
        for relation, age, male, family in cast:
            born = date(2018 - age, 1, 1) + timedelta(days=rng.randint(0, 364))
            id_number = _unique_id(rng, used, born, male)
            name = family + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
            disabled = rng.random() < 0.045
            phone = (
                f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" if relation == "户主" else ""
            )
            married = relation in ("户主", "配偶") and (
                relation == "配偶" or len(cast) > 1 and cast[1][0] == "配偶"
            )
            status = "已婚" if married else ("未婚" if age < 30 else "未知")
            people.append(
                [
                    id_number,
                    name,
                    village.code,
                    phone,
                    rng.choice(DISABILITIES) if disabled else "",
                    rng.choice(["一级", "二级", "三级", "四级"]) if disabled else "",
                    status,
                ]
            )
            since = max(born, date(2010, 1, 1)).isoformat()
            members.append([number, village.code, address, id_number, relation, since])
            total += 1
    return people, members


def _unique_id(rng, used: set[str], born: date, male: bool) -> str:
    division = rng.choice(DIVISIONS)
    while True:
        sequence = rng.randrange(1 if male else 0, 1000, 2)
        number = make_id_number(division, born, sequence)
        if number not in used:
            used.add(number)
            return number
