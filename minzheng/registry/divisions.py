"""The district's real division codes (RULES.md §1). Loaded by migration; villages come from the demo."""

from datetime import date

DISTRICT = ("440113", "番禺区")
RECORDS_BEGIN = date(2000, 1, 1)  # nodes in force before the platform's records begin
# 沙湾镇 became 沙湾街道; the platform keeps both, with the successor link. The changeover date
# is configurable data (edit the two rows in the back office if the official date differs).
SHAWAN_CHANGEOVER = date(2020, 1, 1)

TOWNS = [
    ("440113007000", "市桥街道"),
    ("440113008000", "沙头街道"),
    ("440113009000", "东环街道"),
    ("440113010000", "桥南街道"),
    ("440113011000", "小谷围街道"),
    ("440113012000", "大石街道"),
    ("440113013000", "洛浦街道"),
    ("440113014000", "石壁街道"),
    ("440113015000", "钟村街道"),
    ("440113016000", "大龙街道"),
    ("440113017000", "沙湾街道"),
    ("440113102000", "南村镇"),
    ("440113103000", "新造镇"),
    ("440113104000", "化龙镇"),
    ("440113105000", "石楼镇"),
    ("440113120000", "石碁镇"),
]
SHAWAN_TOWN = ("440113101000", "沙湾镇")


def load_divisions(Region) -> None:
    """Create the district and its 镇街 if absent. `Region` is the model class (a migration passes its own)."""
    from datetime import timedelta

    if Region.objects.filter(code=DISTRICT[0]).exists():
        return
    district = Region.objects.create(
        level="district", code=DISTRICT[0], name=DISTRICT[1], valid_from=RECORDS_BEGIN
    )
    district.path = f"/{district.pk}/"
    district.save(update_fields=["path"])
    successor = None
    for code, name in TOWNS:
        valid_from = SHAWAN_CHANGEOVER if name == "沙湾街道" else RECORDS_BEGIN
        town = Region.objects.create(
            parent=district, level="town", code=code, name=name, valid_from=valid_from
        )
        town.path = f"{district.path}{town.pk}/"
        town.save(update_fields=["path"])
        if name == "沙湾街道":
            successor = town
    old = Region.objects.create(
        parent=district,
        level="town",
        code=SHAWAN_TOWN[0],
        name=SHAWAN_TOWN[1],
        valid_from=RECORDS_BEGIN,
        valid_to=SHAWAN_CHANGEOVER - timedelta(days=1),
        successor=successor,
    )
    old.path = f"{district.path}{old.pk}/"
    old.save(update_fields=["path"])
