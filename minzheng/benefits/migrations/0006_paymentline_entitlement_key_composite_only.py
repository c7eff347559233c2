"""On PostgreSQL a payment line's entitlement is kept by the composite key (entitlement, scheme)
→ entitlement (migration 0004) alone; the plain key on the entitlement is dropped.

The composite key implies the plain one, and each key on the table is checked once per loaded
month partition with a scan of the whole entitlement table (see `partitions.py`), so the plain
one only cost time. SQLite has no composite key and keeps its plain one: only the migration
state changes there.
"""

from django.db import migrations, models

TABLE = "benefits_paymentline"


def _plain_keys(cursor) -> list[str]:
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
        "AND pg_get_constraintdef(oid) LIKE 'FOREIGN KEY (entitlement_id) REFERENCES benefits_entitlement(id)%%'",
        [TABLE],
    )
    return [row[0] for row in cursor.fetchall()]


def drop_plain_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in _plain_keys(cursor):
            cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')


def restore_plain_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if not _plain_keys(cursor):
            cursor.execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT paymentline_entitlement_fk FOREIGN KEY (entitlement_id) "
                "REFERENCES benefits_entitlement (id) DEFERRABLE INITIALLY DEFERRED"
            )


class Migration(migrations.Migration):
    dependencies = [("benefits", "0005_one_open_entitlement_per_household")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="paymentline",
                    name="entitlement",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="lines",
                        to="benefits.entitlement",
                        verbose_name="待遇资格",
                    ),
                )
            ],
            database_operations=[migrations.RunPython(drop_plain_key, restore_plain_key)],
        )
    ]
