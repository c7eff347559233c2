"""The benchmark commands run end to end on a tiny size, so they cannot rot."""

import io
import json

from django.core.management import call_command

from minzheng.core.models import AuditLog
from minzheng.registry.idnumbers import normalise_id_number
from minzheng.registry.models import Person, Region
from minzheng.registry.validation import name_initials


def test_generate_scale_data_tops_up_to_the_total(cast):
    out = io.StringIO()
    call_command("generate_scale_data", "--persons", "120", "--villages", "40", stdout=out)
    assert Person.objects.count() == 120
    assert Region.objects.filter(level="village", valid_to__isnull=True).count() >= 40
    sample = Person.objects.exclude(pk__in=[cast.zhang.pk, cast.zhao.pk]).order_by("-id")[:20]
    for person in sample:
        assert normalise_id_number(person.id_number) == person.id_number
        assert person.id_tail == person.id_number[-6:]
        assert person.name_initials == name_initials(person.name)
        assert person.region.level == "village"
    call_command("generate_scale_data", "--persons", "100", stdout=io.StringIO())
    assert Person.objects.count() == 120  # already there: nothing added


def test_bench_registry_search_prints_one_json_line(cast):
    out = io.StringIO()
    call_command(
        "bench", "registry_search", "--size", "300", "--import-size", "200", "--repeats", "5", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["scenario"] == "registry_search"
    assert result["database"] in {"sqlite", "postgresql"}
    assert result["size"] == 300 and result["persons"] == 300
    for scope in ("district", "town"):
        for kind in ("id_full", "id_tail", "name", "surname"):
            figures = result["lookups"][scope][kind]
            assert 0 < figures["p50_ms"] <= figures["p95_ms"]
            assert figures["avg_rows"] >= 1
    assert result["misses"] == 0
    assert result["import_size"] == 200 and result["rows_per_second"] > 0
    assert result["peak_rss_mb"] > 0
    # The timed import's rows are removed again.
    assert Person.objects.count() == 300
    assert not AuditLog.objects.filter(action="import").exists()
