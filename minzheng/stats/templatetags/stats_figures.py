"""Template helpers of the statistics pages.

- `{{ value|figure:unit }}`: a figure as written in pages (908, 1366.73, 98.74; "—" when empty).
- `{% indicator_url indicator_id period region %}`: the indicator page for a period and region.
- `{% records_url indicator_id period region %}`: the record list behind a figure.
"""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from minzheng.stats.reporting import format_value

register = template.Library()


@register.filter
def figure(value, unit=""):
    return format_value(value, unit)


def _query(period, region) -> str:
    params = {"period": str(period)}
    if region is not None:
        params["region"] = region.code
    return urlencode(params)


@register.simple_tag
def indicator_url(indicator_id, period, region=None):
    return f"{reverse('stats:indicator', args=[indicator_id])}?{_query(period, region)}"


@register.simple_tag
def records_url(indicator_id, period, region=None):
    return f"{reverse('stats:records', args=[indicator_id])}?{_query(period, region)}"


@register.simple_tag
def page_url(name, period, region=None, *args):
    return f"{reverse(name, args=args)}?{_query(period, region)}"
