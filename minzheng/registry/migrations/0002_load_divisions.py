from django.db import migrations


def load(apps, schema_editor):
    from minzheng.registry.divisions import load_divisions

    load_divisions(apps.get_model("registry", "Region"))


def unload(apps, schema_editor):
    from minzheng.registry.divisions import DISTRICT

    Region = apps.get_model("registry", "Region")
    district = Region.objects.filter(code=DISTRICT[0]).first()
    if district:
        Region.objects.filter(path__startswith=district.path, level="town").update(successor=None)
        Region.objects.filter(path__startswith=district.path, level="town").delete()
        district.delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
