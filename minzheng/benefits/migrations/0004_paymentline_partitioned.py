"""Payment lines carry their scheme; on PostgreSQL the table is partitioned by scheme and month.

See `minzheng/benefits/partitions.py` for why. On SQLite only the column and the keys change.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "benefits_paymentline"


def _fk_definitions(cursor) -> list[tuple[str, str]]:
    """The foreign keys Django made for run and entitlement (kept, by name, on the new table)."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [TABLE],
    )
    return [(name, definition) for name, definition in cursor.fetchall() if "reissue_of_id" not in definition]


def _index_definitions(cursor) -> list[str]:
    cursor.execute(
        "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s ORDER BY indexname",
        [TABLE, f"{TABLE}_pkey"],
    )
    return [row[0] for row in cursor.fetchall()]


def _rebuild(cursor, *, partitioned: bool) -> None:
    indexes, keys = _index_definitions(cursor), _fk_definitions(cursor)
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_old")
    if partitioned:
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {TABLE}_old INCLUDING DEFAULTS) PARTITION BY LIST (scheme_id)")
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        cursor.execute(f"SELECT DISTINCT scheme_id FROM {TABLE}_old ORDER BY 1")
        for (scheme_id,) in cursor.fetchall():
            part = f"{TABLE}_s{int(scheme_id)}"
            cursor.execute(
                f"CREATE TABLE {part} PARTITION OF {TABLE} FOR VALUES IN ({int(scheme_id)}) PARTITION BY RANGE (month)"
            )
            cursor.execute(f"CREATE TABLE {part}_default PARTITION OF {part} DEFAULT")
    else:
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {TABLE}_old INCLUDING DEFAULTS)")
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_old")
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {TABLE}")
    (next_id,) = cursor.fetchone()
    cursor.execute(f"ALTER TABLE {TABLE}_old ALTER COLUMN id DROP IDENTITY IF EXISTS")
    cursor.execute(f"ALTER TABLE {TABLE}_old ALTER COLUMN id DROP DEFAULT")
    cursor.execute(f"DROP TABLE {TABLE}_old CASCADE")
    cursor.execute(f"DROP SEQUENCE IF EXISTS {TABLE}_id_seq")
    cursor.execute(f"CREATE SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
    cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
    cursor.execute(f"SELECT setval('{TABLE}_id_seq', %s, false)", [next_id])
    key = "id, scheme_id, month" if partitioned else "id"
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({key})")
    for definition in indexes:
        cursor.execute(definition)
    for name, definition in keys:
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
    if partitioned:
        # the copied scheme must be the entitlement's, and a re-issue repeats its line's month
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT paymentline_entitlement_scheme_fk FOREIGN KEY "
            "(entitlement_id, scheme_id) REFERENCES benefits_entitlement (id, scheme_id)"
        )
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT paymentline_reissue_fk FOREIGN KEY "
            f"(reissue_of_id, scheme_id, month) REFERENCES {TABLE} (id, scheme_id, month)"
        )
    else:
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT paymentline_reissue_fk FOREIGN KEY (reissue_of_id) "
            f"REFERENCES {TABLE} (id) DEFERRABLE INITIALLY DEFERRED"
        )


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS paymentline_reissue_fk")
        _rebuild(cursor, partitioned=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS paymentline_entitlement_scheme_fk")
        cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS paymentline_reissue_fk")
        _rebuild(cursor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("benefits", "0003_paymentline_copies_without_fk")]

    operations = [
        migrations.RemoveConstraint(model_name="paymentline", name="one_regular_payment_per_month"),
        migrations.RemoveConstraint(model_name="paymentline", name="one_adjustment_per_run_month"),
        migrations.RemoveConstraint(model_name="paymentline", name="one_reissue_per_line"),
        migrations.AddField(
            model_name="paymentline",
            name="scheme",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="benefits.scheme",
                verbose_name="待遇项目",
            ),
        ),
        migrations.RunSQL(
            "UPDATE benefits_paymentline SET scheme_id = "
            "(SELECT r.scheme_id FROM benefits_payrollrun r WHERE r.id = benefits_paymentline.run_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="paymentline",
            name="scheme",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="benefits.scheme",
                verbose_name="待遇项目",
            ),
        ),
        # SQLite keeps its foreign key on reissue_of; PostgreSQL gets a composite one below
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="paymentline",
                    name="reissue_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reissued_by",
                        to="benefits.paymentline",
                        verbose_name="重发自",
                    ),
                )
            ]
        ),
        migrations.AddConstraint(
            model_name="entitlement",
            constraint=models.UniqueConstraint(fields=("id", "scheme"), name="entitlement_id_scheme"),
        ),
        migrations.AddConstraint(
            model_name="paymentline",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "regular")),
                fields=("entitlement", "scheme", "month"),
                name="one_regular_payment_per_month",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentline",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ["arrears", "recovery"])),
                fields=("run", "entitlement", "scheme", "month", "kind"),
                name="one_adjustment_per_run_month",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentline",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reissue_of__isnull", False)),
                fields=("reissue_of", "scheme", "month"),
                name="one_reissue_per_line",
            ),
        ),
        migrations.RunPython(partition, unpartition),
    ]
