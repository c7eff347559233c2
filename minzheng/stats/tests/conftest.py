"""Helpers of the statistics tests: temporary indicators in the project registry (removed again
after the test), and the cast's 镇街 by code."""

import pytest

from minzheng.stats import registry as registry_module
from minzheng.stats.registry import Indicator, Result


@pytest.fixture
def add_indicator(monkeypatch):
    """`add_indicator(id, values, unit=…, kind=…)`: an indicator answering from `values`, a dict
    region code → number (absent: None), or from a function(period, region)."""

    def add(
        indicator_id, values, *, name="测试指标", unit="户", kind="flow", definition="测试口径", records=None
    ):
        def function(period, region):
            if callable(values):
                return values(period, region)
            value = values.get(region.code)
            if records is not None:
                return Result(value=value, records=records(period, region))
            return value

        item = Indicator(indicator_id, name, unit, kind, definition, function)
        monkeypatch.setitem(registry_module.registry._indicators, indicator_id, item)
        return item

    return add


@pytest.fixture
def only_indicators(monkeypatch):
    """Keep only the registered indicators whose id starts with one of `prefixes`."""

    def keep(*prefixes):
        kept = {k: v for k, v in registry_module.registry._indicators.items() if k.startswith(prefixes)}
        monkeypatch.setattr(registry_module.registry, "_indicators", kept)

    return keep


def rate(numerator, denominator):
    return Result(numerator=numerator, denominator=denominator)
