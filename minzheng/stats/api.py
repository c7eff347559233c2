"""`GET /api/v1/indicators/?year=YYYY&region=CODE`: indicator values for a period and a region node.

Thin: parse the query, check the region is in the user's scope, call the registry, render the
same JSON as `indicators --format json` (plus "period"). A region outside the user's scope, or
one that does not exist, is a 404 (existence is not revealed); an unknown indicator or a
malformed or future period is a 400, both in the API's error format.
"""

import logging

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from minzheng.accounts.api_permissions import HasCapability
from minzheng.accounts.roles import Capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.core.api_errors import error_responses
from minzheng.core.audit import log_denied_access

from .registry import IndicatorError, Period, UnknownRegion, district, region_for_code, report

security_log = logging.getLogger("minzheng.security")

_VALUE = inline_serializer(
    "IndicatorValue",
    {
        "id": serializers.CharField(),
        "name": serializers.CharField(),
        "unit": serializers.CharField(),
        "value": serializers.FloatField(allow_null=True),
        "numerator": serializers.FloatField(allow_null=True),
        "denominator": serializers.FloatField(allow_null=True),
    },
)
_REPORT = inline_serializer(
    "IndicatorReport",
    {
        "year": serializers.IntegerField(),
        "period": serializers.CharField(),
        "region": serializers.CharField(),
        "indicators": serializers.ListField(child=_VALUE),
    },
)


class IndicatorsView(APIView):
    permission_classes = [HasCapability]
    read_capability = Capability.REGISTRY_VIEW

    @extend_schema(
        summary="统计指标",
        tags=["统计"],
        parameters=[
            OpenApiParameter("year", OpenApiTypes.STR, description="统计年度，如 2018"),
            OpenApiParameter("period", OpenApiTypes.STR, description="或统计期：2018、2018Q4 或 2018-12"),
            OpenApiParameter("region", OpenApiTypes.STR, description="区划代码，默认为本人管辖范围"),
            OpenApiParameter("indicator", OpenApiTypes.STR, description="只返回这些指标（逗号分隔的编号）"),
        ],
        responses={200: _REPORT, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        params = request.query_params
        period = _period(params.get("year", ""), params.get("period", ""))
        region = _region(request.user, params.get("region", ""), period)
        ids = [item.strip() for item in params.get("indicator", "").split(",") if item.strip()]
        try:
            data = report(period, region, ids or None)
        except IndicatorError as exc:
            raise ValidationError({"indicator": [str(exc)]})
        return Response({"year": data["year"], "period": str(period), **data})


def _period(year: str, period: str) -> Period:
    year, period = year.strip(), period.strip()
    if year and period:
        raise ValidationError({"period": ["year 与 period 只能提供一个"]})
    if not (year or period):
        raise ValidationError({"year": ["请提供统计年度 year（如 2018）或统计期 period（如 2018Q4）"]})
    field = "year" if year else "period"
    if year and not (year.isdigit() and len(year) == 4):
        raise ValidationError({"year": [f"统计年度应为四位年份，如 2018，而不是“{year}”"]})
    try:
        return Period.parse(year or period)
    except IndicatorError as exc:
        raise ValidationError({field: [str(exc)]})


def _region(user, code: str, period: Period):
    if not code:
        if user.scope_id is not None:
            return user.scope
        if user.is_superuser:
            return district()
        raise NotFound()
    try:
        region = region_for_code(code, period)
    except UnknownRegion:
        raise NotFound()
    if not region_in_scope(user, region):
        security_log.warning("out-of-scope indicators: user=%s region=%s", user.pk, code)
        log_denied_access(actor=user, model_label="registry.Region", object_id=region.pk)
        raise NotFound()
    return region
