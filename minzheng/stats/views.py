"""Statistics pages inside the back-office shell: the overview, one page per area, one page per
indicator, the record list behind every figure (masked, exportable to XLSX), the annual work
report, the quarterly form and the closing of periods.

Every page takes `?period=` (2018, 2018Q4, 2018-12; or `year` + `part` from the period form) and
`?region=` (a region code inside the user's scope; default: the user's scope). A malformed or
future period answers 400 with the reason; a region outside the scope or an unknown indicator or
area answers 404 (logged when it is a scope breach).
"""

import json
import tempfile
import time
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.core.backoffice import render_page, staff_page
from minzheng.registry.models import Region

from . import drilldown, selectors, services
from .annual import build_annual_report
from .areas import AREAS, get_area
from .models import ClosedPeriod
from .quarterly import build_quarterly_form, form_rows, main_indicators
from .registry import (
    IndicatorError,
    Period,
    PeriodError,
    children_at,
    get_indicator,
    indicators_by_area,
    towns_at,
)
from .report_docx import build_docx
from .report_html import render_report_html, report_context
from .report_xlsx import build_xlsx

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PAGE_SIZE = 50
FIRST_YEAR = 2010
PARTS = [("", "全年"), *[(f"Q{q}", f"第{'一二三四'[q - 1]}季度") for q in range(1, 5)]] + [
    (f"{m:02d}", f"{m}月") for m in range(1, 13)
]


class BadRequest(Exception):
    """Input the page cannot answer: rendered as a 400 page with the message."""


def _bad_request(request, message: str):
    return render_page(
        request, "stats/error.html", {"message": message}, title="统计分析：请求有误", status=400
    )


def stats_page(view):
    """REGISTRY_VIEW, and turn period errors into a 400 page."""

    @staff_page(Capability.REGISTRY_VIEW)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (BadRequest, PeriodError) as exc:
            return _bad_request(request, str(exc))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --- input ----------------------------------------------------------------------------------
def default_period(today: date | None = None) -> Period:
    """The last complete year (annual figures are what the bureau reports)."""
    today = today or timezone.localdate()
    return Period.for_year(today.year - 1)


def parse_period(request) -> Period:
    params = request.GET
    text = params.get("period", "").strip()
    if not text and params.get("year", "").strip():
        year = params["year"].strip()
        part = params.get("part", "").strip()
        text = year if not part else (f"{year}{part}" if part.startswith("Q") else f"{year}-{part}")
    if not text:
        return default_period()
    return Period.parse(text)


def _indicator_or_404(indicator_id: str):
    try:
        return get_indicator(indicator_id)
    except IndicatorError:
        raise Http404(f"指标“{indicator_id}”不存在")


def _number(value):
    return None if value is None else float(value)


def _common(request, period: Period, region: Region) -> dict:
    today = timezone.localdate()
    chain = selectors.region_chain(request.user, region)
    return {
        "period": period,
        "region": region,
        "chain": chain,
        "closure": selectors.closure_for(period),
        "years": list(range(today.year, FIRST_YEAR - 1, -1)),
        "parts": PARTS,
        "selected_year": period.year,
        "selected_part": _part_of(period),
        "areas_nav": [(area, bool(indicators_by_area().get(area.key))) for area in AREAS],
    }


def _part_of(period: Period) -> str:
    if period.kind == "quarter":
        return f"Q{(period.start.month + 2) // 3}"
    if period.kind == "month":
        return f"{period.start.month:02d}"
    return ""


# --- charts ---------------------------------------------------------------------------------
def _charts(indicator, period: Period, region: Region) -> dict:
    children = list(children_at(region, period))
    by_child = selectors.by_region(indicator, period, children) if children else []
    months = selectors.by_month(indicator, period, region)
    unit = indicator.unit
    bar = {
        "labels": [child.name for child in children],
        "datasets": [
            {
                "label": str(indicator.name),
                "data": [_number(value.value) for value in by_child],
                "backgroundColor": "var(--color-primary-600)",
                "displayYAxis": True,
                "suffixYAxis": unit,
            }
        ],
    }
    line = {
        "labels": [f"{value.period.start.month}月" for value in months],
        "datasets": [
            {
                "label": str(indicator.name),
                "data": [_number(value.value) for value in months],
                "borderColor": "var(--color-primary-600)",
                "displayYAxis": True,
                "suffixYAxis": unit,
            }
        ],
    }
    return {
        "chart_indicator": indicator,
        "child_values": list(zip(children, by_child, strict=True)),
        "bar_json": json.dumps(bar, ensure_ascii=False) if children else "",
        "line_json": json.dumps(line, ensure_ascii=False) if months else "",
        "month_values": months,
    }


@stats_page
def charts(request, indicator_id):
    """The charts fragment of a page (loaded by htmx after the figures): one indicator by child
    region (bar, with the table of values linked to their records) and by month (line)."""
    item = _indicator_or_404(indicator_id)
    period = parse_period(request)
    region = selectors.region_for_user(request.user, request.GET.get("region", ""), period)
    context = {"period": period, "region": region, **_charts(item, period, region)}
    return TemplateResponse(request, "stats/_charts.html", context)


# --- dashboards -----------------------------------------------------------------------------
@stats_page
def overview(request):
    """The district (or the user's 镇街/村居) overview: every area's figures, charts, drill-down."""
    period = parse_period(request)
    region = selectors.region_for_user(request.user, request.GET.get("region", ""), period)
    all_figures = selectors.figures(period, region)
    grouped: dict[str, list] = {}
    for item in all_figures:
        grouped.setdefault(item.indicator.area.key, []).append(item)
    cards = [(area, grouped.get(area.key, [])) for area in AREAS]
    context = {
        **_common(request, period, region),
        "cards": cards,
        "chart_indicator": _chart_choice(request, all_figures),
        "chart_choices": [item.indicator for item in all_figures],
    }
    return render_page(
        request, "stats/overview.html", context, title=f"统计总览：{region.name} {period.label}"
    )


def _chart_choice(request, items):
    wanted = request.GET.get("chart", "").strip()
    if wanted:
        return _indicator_or_404(wanted)
    for item in items:
        if item.live.value:
            return item.indicator
    return items[0].indicator if items else None


@stats_page
def area(request, key):
    """One business area: its indicators with definitions, charts by region and by month."""
    found = get_area(key)
    indicators = indicators_by_area().get(key, []) if found else []
    if not indicators:
        raise Http404("该领域尚无统计指标")
    period = parse_period(request)
    region = selectors.region_for_user(request.user, request.GET.get("region", ""), period)
    area_figures = selectors.figures(period, region, [item.id for item in indicators])
    context = {
        **_common(request, period, region),
        "area": found,
        "figures": area_figures,
        "chart_indicator": _chart_choice(request, area_figures),
        "chart_choices": indicators,
    }
    return render_page(
        request, "stats/area.html", context, title=f"{found.title}：{region.name} {period.label}"
    )


@stats_page
def indicator(request, indicator_id):
    """One indicator: definition, value (with numerator/denominator, snapshot, target) and breakdowns."""
    item = _indicator_or_404(indicator_id)
    period = parse_period(request)
    region = selectors.region_for_user(request.user, request.GET.get("region", ""), period)
    context = {
        **_common(request, period, region),
        "indicator": item,
        "figure": selectors.figure(item.id, period, region),
        "targets": selectors.targets_of(item.id),
        "chart_indicator": item,
    }
    return render_page(
        request, "stats/indicator.html", context, title=f"{item.name}：{region.name} {period.label}"
    )


@stats_page
def records(request, indicator_id):
    """The records a figure counted, masked; `?format=xlsx` exports them (audited)."""
    item = _indicator_or_404(indicator_id)
    period = parse_period(request)
    region = selectors.region_for_user(request.user, request.GET.get("region", ""), period)
    value, queryset = selectors.records_for(request.user, item, period, region)
    fmt = request.GET.get("format", "")
    if fmt not in ("", "xlsx"):
        raise BadRequest(f"不支持的导出格式“{fmt}”，只能导出 xlsx")
    if fmt == "xlsx":
        if not has_capability(request.user, Capability.DATA_EXPORT):
            raise PermissionDenied
        if queryset is None:
            raise BadRequest("该指标没有可导出的记录明细")
        handle = tempfile.TemporaryFile()
        drilldown.export_records(
            handle,
            actor=request.user,
            indicator=item,
            period=period,
            region=region,
            value=value,
            records=queryset,
        )
        handle.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{item.name}-{region.name}-{period}（脱敏）-{stamp}.xlsx",
            content_type=CONTENT_TYPES["xlsx"],
        )
    context = {**_common(request, period, region), "indicator": item, "value": value}
    if queryset is not None:
        columns = drilldown.columns_for(item, queryset.model)
        paginator = Paginator(drilldown.prepare(queryset, columns), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        context.update(
            {
                "columns": columns,
                "rows": list(drilldown.rows(page.object_list, columns)),
                "page_obj": page,
                "paginator": paginator,
                "can_export": has_capability(request.user, Capability.DATA_EXPORT),
                "query_base": _query_without_page(request),
            }
        )
    return render_page(
        request, "stats/records.html", context, title=f"记录明细：{item.name}（{region.name} {period.label}）"
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


# --- annual report --------------------------------------------------------------------------
def _report_year(request) -> int:
    text = request.GET.get("year", "").strip()
    if not text:
        return default_period().year
    if not (text.isdigit() and len(text) == 4):
        raise BadRequest(f"年度应为四位年份，如 2018，而不是“{text}”")
    return Period.parse(text).year


@stats_page
def annual_report(request):
    """The annual work report for the user's region, with downloads in HTML, DOCX and XLSX."""
    year = _report_year(request)
    period = Period.for_year(year)
    region = selectors.region_for_user(request.user, request.GET.get("region", ""), period)
    fmt = request.GET.get("format", "")
    if fmt:
        if fmt not in CONTENT_TYPES:
            raise BadRequest(f"不支持的格式“{fmt}”，可选 html、docx、xlsx")
        return _report_download(request, year, region, fmt)
    report = build_annual_report(year, region)
    context = {**_common(request, period, region), **report_context(report), "base_url": ""}
    return render_page(
        request, "stats/annual_report_page.html", context, title=f"年度工作报告：{report.title}"
    )


def _report_download(request, year: int, region: Region, fmt: str):
    report = build_annual_report(year, region)
    filename = f"{report.title}.{fmt}"
    if fmt == "html":
        response = HttpResponse(
            render_report_html(report, base_url=request.build_absolute_uri("/")), CONTENT_TYPES["html"]
        )
        response["Content-Disposition"] = _attachment(filename)
        return response
    handle = tempfile.TemporaryFile()
    (build_docx(report) if fmt == "docx" else build_xlsx(report)).save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


# --- quarterly form -------------------------------------------------------------------------
def _towns_for(user, period: Period) -> list[Region]:
    """The 镇街 rows the user may see: all for the district, their own for a town caseworker."""
    towns = [town for town in towns_at(period) if region_in_scope(user, town)]
    if user.is_superuser and user.scope_id is None:
        return towns
    scope = user.scope
    if scope is None or scope.level == Region.Level.VILLAGE:
        raise PermissionDenied("统计季报按镇街填报，村居账户不能查看")
    return towns


@stats_page
def quarterly(request):
    """The quarterly statistics form: preview and XLSX download (`?download=1`)."""
    today = timezone.localdate()
    year_text = request.GET.get("year", "").strip() or str(today.year - 1)
    quarter_text = request.GET.get("quarter", "").strip() or "4"
    if not (year_text.isdigit() and len(year_text) == 4):
        raise BadRequest(f"年度应为四位年份，如 2018，而不是“{year_text}”")
    if quarter_text not in {"1", "2", "3", "4"}:
        raise BadRequest(f"季度应为 1 到 4，而不是“{quarter_text}”")
    period = Period.parse(f"{year_text}Q{quarter_text}")
    towns = _towns_for(request.user, period)
    year, quarter = period.year, int(quarter_text)
    if request.GET.get("download"):
        handle = tempfile.TemporaryFile()
        build_quarterly_form(year, quarter, towns=towns).save(handle)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"民政统计季报-{year}年第{quarter}季度.xlsx",
            content_type=CONTENT_TYPES["xlsx"],
        )
    indicators = main_indicators()
    context = {
        **_common(request, period, selectors.default_region(request.user)),
        "indicators": indicators,
        "rows": form_rows(period, indicators, towns),
        "year": year,
        "quarter": quarter,
        "quarters": [1, 2, 3, 4],
    }
    return render_page(request, "stats/quarterly.html", context, title=f"民政统计季报：{period.label}")


# --- closing periods ------------------------------------------------------------------------
@staff_page(Capability.REGISTRY_VIEW)
@require_http_methods(["GET", "POST"])
def periods(request):
    """Closed periods; district managers close a period here (snapshots of every indicator)."""
    can_close = services.can_manage_stats(request.user)
    if request.method == "POST":
        if not can_close:
            raise PermissionDenied
        text = request.POST.get("period", "").strip()
        try:
            started = time.perf_counter()
            closure = services.close_period(Period.parse(text), actor=request.user)
            messages.success(
                request,
                f"统计期{closure.period}已结账：{closure.indicator_count}项指标 × {closure.region_count}个区域，"
                f"用时{time.perf_counter() - started:.1f}秒",
            )
        except PeriodError as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("stats:periods")
    return render_page(
        request,
        "stats/periods.html",
        {"closures": ClosedPeriod.objects.select_related("closed_by"), "can_close": can_close},
        title="统计期结账",
    )
