"""API: /api/v1/assistance/reviews/, /exit-notices/, /recoveries/ — review and exit.

Reviews are listed scoped and overdue first (`?scheme=dibao&overdue=1`); POST
`reviews/{id}/complete/` records the outcome through `complete_review` (400 naming the field,
403 for a role or scope that may not). Exit notices and recoveries are read-only here (the exit
and recovery decisions are taken on the back-office pages); `exit-notices/{id}/docx/` returns the
written notice. ID numbers are masked.
"""

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from minzheng.accounts.api_permissions import ScopedQuerysetMixin
from minzheng.accounts.roles import Capability
from minzheng.benefits.forms import MonthField
from minzheng.core.api_errors import error_responses
from minzheng.core.masking import display_name

from ..models import ExitNotice, Recovery, Review, ReviewOutcome
from ..selectors import reviews as selectors
from ..services import reviews as services
from ..services.reviews_notice import build_exit_notice_docx
from . import router

_PERSON = {
    "person_name": serializers.SerializerMethodField(help_text="未满18周岁者脱敏显示，如 张**"),
    "id_number": serializers.CharField(source="person.masked_id_number", read_only=True),
    "region_name": serializers.CharField(source="region.name", read_only=True),
    "town_name": serializers.CharField(source="region.parent.name", read_only=True, default=""),
}


class _PersonNameMixin:
    """`person_name` through `display_name`: a child (under 18) is shown as 张** (RULES.md §5)."""

    def get_person_name(self, obj) -> str:
        return display_name(obj.person)


OUTCOMES = " / ".join(f"{value} {label}" for value, label in ReviewOutcome.choices)


class ReviewSerializer(_PersonNameMixin, serializers.ModelSerializer):
    person_name = _PERSON["person_name"]
    id_number = _PERSON["id_number"]
    region_name = _PERSON["region_name"]
    town_name = _PERSON["town_name"]
    scheme = serializers.CharField(source="entitlement.scheme.code", read_only=True)
    scheme_name = serializers.CharField(source="entitlement.scheme.name", read_only=True)
    overdue = serializers.BooleanField(read_only=True, default=False)
    # plain strings, not enums: the schema keeps one enum per field name across the API
    cycle = serializers.CharField(read_only=True, help_text="yearly 每年 / half_yearly 每半年")
    status = serializers.CharField(read_only=True, help_text="due 待复核 / done 已复核 / cancelled 已取消")
    outcome = serializers.CharField(read_only=True, help_text=OUTCOMES)

    class Meta:
        model = Review
        fields = [
            "id",
            "entitlement",
            "scheme",
            "scheme_name",
            "person",
            "person_name",
            "id_number",
            "household",
            "region",
            "region_name",
            "town_name",
            "due_on",
            "overdue",
            "cycle",
            "cycle_reason",
            "status",
            "outcome",
            "findings",
            "assessed_income",
            "effective_month",
            "phase_out_months",
            "done_by",
            "done_at",
        ]
        read_only_fields = fields


class CompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text=OUTCOMES)  # checked by the service (400 naming `outcome`)
    findings = serializers.CharField()
    assessed_income = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    phase_out_months = serializers.IntegerField(required=False, default=0)
    effective_month = serializers.RegexField(r"^\d{4}-\d{1,2}$", required=False, help_text="YYYY-MM")

    def validate_effective_month(self, value):
        try:
            return MonthField().clean(value)
        except Exception:
            raise serializers.ValidationError("结论生效月份格式应为 YYYY-MM")


class ExitNoticeSerializer(_PersonNameMixin, serializers.ModelSerializer):
    person_name = _PERSON["person_name"]
    id_number = _PERSON["id_number"]
    region_name = _PERSON["region_name"]
    town_name = _PERSON["town_name"]

    class Meta:
        model = ExitNotice
        fields = [
            "id",
            "number",
            "entitlement",
            "review",
            "person",
            "person_name",
            "id_number",
            "region",
            "region_name",
            "town_name",
            "program_name",
            "reason",
            "decided_on",
            "last_regular_month",
            "phase_out_months",
            "last_payment_month",
        ]
        read_only_fields = fields


class RecoverySerializer(_PersonNameMixin, serializers.ModelSerializer):
    person_name = _PERSON["person_name"]
    id_number = _PERSON["id_number"]
    region_name = _PERSON["region_name"]
    town_name = _PERSON["town_name"]

    class Meta:
        model = Recovery
        fields = [
            "id",
            "entitlement",
            "person",
            "person_name",
            "id_number",
            "region",
            "region_name",
            "town_name",
            "cause",
            "reason",
            "from_month",
            "months",
            "amount",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="定期复核列表（逾期在前）",
        parameters=[
            OpenApiParameter("scheme", str, description="救助项目代码，如 dibao"),
            OpenApiParameter("overdue", bool, description="只看已逾期"),
            OpenApiParameter("status", str, description="due（默认）/ done / cancelled / all"),
        ],
    ),
    retrieve=extend_schema(summary="定期复核详情", responses={200: ReviewSerializer, **error_responses(404)}),
)
@extend_schema(tags=["救助复核与退出"])
class ReviewViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReviewSerializer
    read_capability = Capability.BENEFITS_VIEW
    action_capabilities = {"complete": Capability.REGISTRY_CHANGE}

    def get_base_queryset(self) -> QuerySet[Review]:
        return Review.objects.select_related("entitlement__scheme", "person", "region", "region__parent")

    def get_queryset(self) -> QuerySet[Review]:
        params = self.request.query_params
        if params.get("status", "due") == "due":
            return selectors.due_reviews(
                self.request.user,
                scheme=params.get("scheme", ""),
                overdue_only=params.get("overdue") in ("1", "true"),
            )
        queryset = selectors.reviews_visible_to(self.request.user).order_by("due_on", "id")
        if params.get("status") != "all":
            queryset = queryset.filter(status=params["status"])
        if params.get("scheme"):
            queryset = queryset.filter(entitlement__scheme__code=params["scheme"])
        return queryset

    @extend_schema(
        summary="记录复核结论",
        request=CompleteSerializer,
        responses={200: ReviewSerializer, **error_responses(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = CompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.complete_review(self.get_object(), actor=request.user, **data.validated_data)
        return Response(ReviewSerializer(self.get_base_queryset().get(pk=review.pk)).data)


@extend_schema(tags=["救助复核与退出"])
@extend_schema_view(
    list=extend_schema(summary="终止救助通知书列表"), retrieve=extend_schema(summary="终止救助通知书")
)
class ExitNoticeViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ExitNoticeSerializer
    read_capability = Capability.BENEFITS_VIEW

    def get_base_queryset(self) -> QuerySet[ExitNotice]:
        return ExitNotice.objects.select_related(
            "person", "region", "region__parent", "entitlement__household"
        )

    @extend_schema(
        summary="下载终止救助通知书（DOCX）",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        notice = self.get_object()
        response = HttpResponse(
            build_exit_notice_docx(notice),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f"attachment; filename=exit-notice-{notice.pk}.docx"
        return response


@extend_schema(tags=["救助复核与退出"])
@extend_schema_view(
    list=extend_schema(summary="违规领取追回列表"), retrieve=extend_schema(summary="违规领取追回")
)
class RecoveryViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RecoverySerializer
    read_capability = Capability.BENEFITS_VIEW

    def get_base_queryset(self) -> QuerySet[Recovery]:
        return Recovery.objects.select_related("person", "region", "region__parent")


router.register("reviews", ReviewViewSet, basename="assistance-review")
router.register("exit-notices", ExitNoticeViewSet, basename="assistance-exit-notice")
router.register("recoveries", RecoveryViewSet, basename="assistance-recovery")
