from datetime import timedelta

from django.db import migrations


def load(apps, schema_editor):
    from minzheng.registry.divisions import DISTRICT, RECORDS_BEGIN, SHAWAN_CHANGEOVER, SHAWAN_TOWN, TOWNS

    Region = apps.get_model("registry", "Region")
    if Region.objects.filter(code=DISTRICT[0]).exists():
        return
    district = Region.objects.create(level="district", code=DISTRICT[0], name=DISTRICT[1], valid_from=RECORDS_BEGIN)
    district.path = f"/{district.pk}/"
    district.save(update_fields=["path"])
    successor = None
    for code, name in TOWNS:
        valid_from = SHAWAN_CHANGEOVER if name == "沙湾街道" else RECORDS_BEGIN
        town = Region.objects.create(parent=district, level="town", code=code, name=name, valid_from=valid_from)
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


def unload(apps, schema_editor):
    from minzheng.registry.divisions import DISTRICT

    Region = apps.get_model("registry", "Region")
    district = Region.objects.filter(code=DISTRICT[0]).first()
    if district:
        Region.objects.filter(path__startswith=district.path).exclude(pk=district.pk).filter(level="town").delete()
        district.delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
