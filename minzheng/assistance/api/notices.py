"""API: notices (公示) in the user's scope and their objections.

- GET /notices/ (filters: status, program, region, month=YYYY-MM) and /notices/{id}/: the
  published snapshot with its period, status and objections.
- POST /notices/{id}/objection/ records an objection (`record_objection`).
- POST /notice-objections/{id}/decide/ decides one (`decide_objection`: upheld → back to
  investigation, dismissed → a fresh notice).
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from minzheng.accounts.api_permissions import ScopedQuerysetMixin
from minzheng.accounts.roles import Capability
from minzheng.core.api_errors import error_responses
from minzheng.core.months import Month

from ..models import Notice, NoticeObjection
from ..services.notices import decide_objection, record_objection
from . import router


class NoticeObjectionSerializer(serializers.ModelSerializer):
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = NoticeObjection
        fields = [
            "id",
            "notice",
            "received_on",
            "objector",
            "content",
            "deadline",
            "outcome",
            "outcome_display",
            "opinion",
            "handled_at",
        ]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    month = serializers.SerializerMethodField()
    objections = NoticeObjectionSerializer(many=True, read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "application",
            "application_number",
            "region",
            "village_name",
            "program",
            "program_name",
            "head_name",
            "members",
            "monthly_amount",
            "month",
            "published_on",
            "ends_on",
            "status",
            "status_display",
            "closed_at",
            "close_reason",
            "objections",
        ]
        read_only_fields = fields

    def get_month(self, obj) -> str:
        return f"{obj.month:%Y-%m}"


class ObjectionInput(serializers.Serializer):
    content = serializers.CharField()
    objector = serializers.CharField(required=False, allow_blank=True, default="")
    received_on = serializers.DateField(required=False, allow_null=True, default=None)


class DecisionInput(serializers.Serializer):
    upheld = serializers.BooleanField()
    opinion = serializers.CharField()


class NoticeViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = NoticeSerializer
    action_capabilities = {"objection": Capability.REGISTRY_CHANGE}

    def get_base_queryset(self) -> QuerySet[Notice]:
        return Notice.objects.select_related("application").prefetch_related("objections")

    def get_queryset(self) -> QuerySet[Notice]:
        qs = super().get_queryset()
        params = self.request.query_params
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("program"):
            qs = qs.filter(program=params["program"])
        if params.get("region"):
            qs = qs.filter(region_id=params["region"]) if params["region"].isdigit() else qs.none()
        if params.get("month"):
            try:
                qs = qs.filter(month=Month.parse(params["month"]).first_day)
            except ValueError as exc:
                raise serializers.ValidationError({"month": [str(exc)]})
        return qs.order_by("-published_on", "id")

    @extend_schema(
        request=ObjectionInput, responses={201: NoticeObjectionSerializer, **error_responses(400, 403, 404)}
    )
    @action(detail=True, methods=["post"])
    def objection(self, request, pk=None):
        notice = self.get_object()
        data = ObjectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        objection = record_objection(notice, actor=request.user, **data.validated_data)
        return Response(NoticeObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


class NoticeObjectionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = NoticeObjectionSerializer
    action_capabilities = {"decide": Capability.REGISTRY_CHANGE}

    def get_base_queryset(self) -> QuerySet[NoticeObjection]:
        return NoticeObjection.objects.select_related("notice__region", "notice__application").order_by(
            "-received_on", "id"
        )

    @extend_schema(
        request=DecisionInput, responses={200: NoticeObjectionSerializer, **error_responses(400, 403, 404)}
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        objection = self.get_object()
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        objection = decide_objection(objection, actor=request.user, **data.validated_data)
        return Response(NoticeObjectionSerializer(objection).data)


router.register("notices", NoticeViewSet, basename="assistance-notice")
router.register("notice-objections", NoticeObjectionViewSet, basename="assistance-notice-objection")
