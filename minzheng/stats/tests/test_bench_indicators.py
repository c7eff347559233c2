"""`bench indicators` prints one JSON line per INTERFACES.md, with the dashboard's server time, and
measures the scale part only when the payroll benchmark's data is there."""

import io
import json

from django.core.management import call_command


def bench(*args) -> dict:
    out = io.StringIO()
    call_command("bench", *args, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_bench_indicators_prints_one_json_line(cast):
    from minzheng.stats.registry import all_indicators

    result = bench("indicators", "--stats-repeats", "1")
    assert (result["scenario"], result["year"], result["region"]) == ("indicators", 2018, "440113")
    assert result["database"] in {"sqlite", "postgresql"}
    assert result["indicators"] == len(all_indicators()) and result["persons"] == 5
    assert result["seconds"] > 0 and result["dashboard_ms"] > 0 and result["charts_ms"] > 0
    assert result["scale"] == {
        "measured": False,
        "reason": "no payroll scale data (run `bench payroll` first)",
    }
    assert result["peak_rss_mb"] > 0


def test_the_scale_part_runs_when_the_payroll_benchmark_data_is_there(cast):
    """The payroll benchmark's schemes are named bench_*; one scheme with two entitlements stands in
    for its data (the benchmark itself is tested with the core benchmarks)."""
    from decimal import Decimal

    from minzheng.benefits.models import Scheme
    from minzheng.benefits.services import create_scheme, grant_entitlement, set_standard
    from minzheng.core.months import Month

    actor = cast.users.district
    scheme = create_scheme(
        actor=actor, code="bench_nursing", name="规模测试·护理补贴", kind=Scheme.Kind.FIXED
    )
    set_standard(
        actor=actor,
        scheme=scheme,
        region=cast.district,
        valid_from=Month(2018, 1),
        amount=Decimal("200"),
        document="测试",
    )
    for person in (cast.zhang, cast.zhao):
        grant_entitlement(actor=actor, scheme=scheme, person=person, start_month=Month(2018, 1))
    scale = bench("indicators", "--stats-repeats", "1")["scale"]
    assert scale["measured"] is True and scale["entitlements"] == 2 and scale["seconds"] > 0
