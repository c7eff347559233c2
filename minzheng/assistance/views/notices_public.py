"""Public notice pages (公示) under /portal/notices/ — no login, nothing but the notice snapshot.

`/portal/notices/` lets the visitor choose a 镇街, then a 村居, then a month; the page of one
village and month lists the notices running today (an expired notice simply stops matching the
query, so it is taken down on time without a job).
"""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from minzheng.core.months import Month

from ..selectors.notices import public_months, public_notices, public_towns, public_villages, village_by_code
from .notice_print import board_content


@require_safe
@never_cache
def index(request):
    """Choose a town (?town=code), then a village (?village=code), then a month."""
    towns = public_towns()
    town = village = None
    villages = months = []
    village_code = request.GET.get("village", "").strip()
    town_code = request.GET.get("town", "").strip()
    if village_code:
        village = village_by_code(village_code)
        if village is None:
            raise Http404
        town = village.parent
        months = public_months(village)
    if town is None and town_code:
        town = towns.filter(code=town_code).first()
        if town is None:
            raise Http404
    if town is not None:
        villages = public_villages(town)
    context = {
        "towns": towns,
        "town": town,
        "villages": villages,
        "village": village,
        "months": months,
        "this_month": Month.of(timezone.localdate()),
    }
    return render(request, "assistance/notices/public_index.html", context)


@require_safe
@never_cache
def village_month(request, village_code: str, month: str):
    village = village_by_code(village_code)
    try:
        chosen = Month.parse(month)
    except ValueError:
        raise Http404
    if village is None:
        raise Http404
    content = board_content(village, chosen, public_notices(village, chosen))
    context = {
        "village": village,
        "month": chosen,
        "content": content,
    }
    return render(request, "assistance/notices/public_board.html", context)
