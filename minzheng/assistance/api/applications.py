"""API: /api/v1/assistance/applications/ — the application procedure.

GET list/retrieve are scoped (`visible_to`; out of scope is 404); POST submits an application;
one POST action per step: accept, missing-items, investigate, town-review, decide, return,
refuse, withdraw. Each calls its service; errors come in the project's one format
(`core.api_errors`): 400 with the field, 403 for a role or scope the workflow refuses, 409 when
someone else moved the case meanwhile. ID numbers are masked.
"""

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from minzheng.accounts.api_permissions import ScopedQuerysetMixin
from minzheng.accounts.roles import Capability
from minzheng.benefits.forms import MonthField
from minzheng.core.api_errors import error_responses
from minzheng.core.masking import display_name
from minzheng.registry.models import Household, Person
from minzheng.workflow.selectors import case_history

from ..models import APPLICATION_WORKFLOW, OPEN_STATUSES, Application
from ..programs import Program
from ..selectors.applications import application_queryset, available_moves, current_household
from ..services import applications as services
from . import router

# --- serializers ----------------------------------------------------------------------------------


class ApplicationSerializer(serializers.ModelSerializer):
    program_name = serializers.CharField(source="get_program_display", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    person_name = serializers.SerializerMethodField(help_text="未满18周岁者脱敏显示，如 张**")
    id_number = serializers.CharField(source="person.masked_id_number", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    town_name = serializers.CharField(source="region.parent.name", read_only=True, default="")
    overdue = serializers.SerializerMethodField()
    missing_items = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "program",
            "program_name",
            "person",
            "person_name",
            "id_number",
            "household",
            "region",
            "region_name",
            "town_name",
            "applied_on",
            "reason",
            "declared_income",
            "relative_in_civil_affairs",
            "relative_note",
            "status",
            "status_name",
            "status_changed_at",
            "deadline",
            "overdue",
            "missing_items",
            "assessed_income",
            "investigation",
            "start_month",
            "decided_on",
            "decision_reason",
            "entitlement",
        ]
        read_only_fields = fields

    def get_person_name(self, obj) -> str:
        return display_name(obj.person)

    def get_overdue(self, obj) -> bool:
        return bool(obj.deadline and obj.status in OPEN_STATUSES and obj.deadline < timezone.localdate())

    def get_missing_items(self, obj) -> list[str]:
        return [line for line in obj.missing_items.splitlines() if line]


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    to_name = serializers.SerializerMethodField()
    actor = serializers.CharField(source="actor.username", default=None)
    opinion = serializers.CharField()
    deadline = serializers.DateField()

    def get_to_name(self, obj) -> str:
        return APPLICATION_WORKFLOW.label(obj.to_status)


class ApplicationDetailSerializer(ApplicationSerializer):
    history = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "history", "moves"]
        read_only_fields = fields

    def get_person_name(self, obj) -> str:
        """One application: a child's full name for roles with `pii.reveal` (audited)."""
        request = self.context.get("request")
        return display_name(obj.person, user=getattr(request, "user", None))

    def get_history(self, obj) -> list[dict]:
        return HistorySerializer(case_history(obj), many=True).data

    def get_moves(self, obj) -> list[str]:
        return [move.name.replace("_", "-") for move in available_moves(obj, self.context["request"].user)]


class SubmitSerializer(serializers.Serializer):
    program = serializers.ChoiceField(choices=Program.choices)
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.all(),
        required=False,
        allow_null=True,
        help_text="不填则取申请人当前所在家庭户",
    )
    applied_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    declared_income = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)
    relative_in_civil_affairs = serializers.BooleanField(default=False)
    relative_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class OpinionSerializer(serializers.Serializer):
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class MissingItemsSerializer(OpinionSerializer):
    items = serializers.ListField(child=serializers.CharField(), allow_empty=False)


class InvestigationSerializer(serializers.Serializer):
    assessed_income = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    result_text = serializers.CharField()


class ReviewSerializer(OpinionSerializer):
    approve = serializers.BooleanField()


class DecisionSerializer(ReviewSerializer):
    start_month = serializers.RegexField(r"^\d{4}-\d{2}$", required=False, help_text="YYYY-MM")

    def validate_start_month(self, value):
        try:
            return MonthField().clean(value)
        except Exception:
            raise serializers.ValidationError("发放起始月份格式应为 YYYY-MM")


# --- the viewset ----------------------------------------------------------------------------------

STEP = {200: ApplicationDetailSerializer, **error_responses(400, 403, 404)}


@extend_schema_view(
    list=extend_schema(summary="救助申请列表", responses={200: ApplicationSerializer(many=True)}),
    retrieve=extend_schema(summary="救助申请详情（含办理记录和可办理的环节）", responses=STEP),
    create=extend_schema(
        summary="提交救助申请",
        request=SubmitSerializer,
        responses={201: ApplicationDetailSerializer, **error_responses(400, 403)},
    ),
)
@extend_schema(tags=["救助申请"])
class ApplicationViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    read_capability = Capability.REGISTRY_VIEW
    write_capability = Capability.REGISTRY_CHANGE

    def get_base_queryset(self) -> QuerySet[Application]:
        return application_queryset()

    def get_queryset(self) -> QuerySet[Application]:
        queryset = super().get_queryset()
        params = self.request.query_params
        if params.get("program"):
            queryset = queryset.filter(program=params["program"])
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("overdue") in ("1", "true"):
            queryset = queryset.filter(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())
        return queryset

    def get_serializer_class(self):
        return ApplicationDetailSerializer if self.action != "list" else ApplicationSerializer

    def _done(self, application, code=status.HTTP_200_OK) -> Response:
        application = application_queryset().get(pk=application.pk)
        return Response(
            ApplicationDetailSerializer(application, context={"request": self.request}).data, status=code
        )

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def create(self, request):
        data = self._input(SubmitSerializer)
        person = data["person"]
        household = data.get("household") or current_household(person)
        application = services.submit_application(
            actor=request.user,
            program=data["program"],
            person=person,
            household=household,
            applied_on=data["applied_on"],
            reason=data["reason"],
            declared_income=data["declared_income"],
            relative_in_civil_affairs=data["relative_in_civil_affairs"],
            relative_note=data["relative_note"],
        )
        return self._done(application, status.HTTP_201_CREATED)

    @extend_schema(summary="受理", request=OpinionSerializer, responses=STEP)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = self._input(OpinionSerializer)
        return self._done(services.accept_application(self.get_object(), actor=request.user, **data))

    @extend_schema(summary="一次性告知需补齐的材料", request=MissingItemsSerializer, responses=STEP)
    @action(detail=True, methods=["post"], url_path="missing-items")
    def missing_items(self, request, pk=None):
        data = self._input(MissingItemsSerializer)
        return self._done(services.list_missing_items(self.get_object(), actor=request.user, **data))

    @extend_schema(summary="记录入户调查与核对结果", request=InvestigationSerializer, responses=STEP)
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        data = self._input(InvestigationSerializer)
        return self._done(services.record_investigation(self.get_object(), actor=request.user, **data))

    @extend_schema(summary="镇街审核（同意即进入公示）", request=ReviewSerializer, responses=STEP)
    @action(detail=True, methods=["post"], url_path="town-review")
    def town_review(self, request, pk=None):
        data = self._input(ReviewSerializer)
        return self._done(services.town_review(self.get_object(), actor=request.user, **data))

    @extend_schema(summary="区级审批（批准即核定待遇）", request=DecisionSerializer, responses=STEP)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = self._input(DecisionSerializer)
        return self._done(services.district_decide(self.get_object(), actor=request.user, **data))

    @extend_schema(summary="退回重新调查", request=OpinionSerializer, responses=STEP)
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        data = self._input(OpinionSerializer)
        return self._done(services.return_for_investigation(self.get_object(), actor=request.user, **data))

    @extend_schema(summary="不予受理（不予批准）", request=OpinionSerializer, responses=STEP)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        data = self._input(OpinionSerializer)
        return self._done(
            services.refuse_application(self.get_object(), actor=request.user, reasons=data["opinion"])
        )

    @extend_schema(summary="撤回申请", request=OpinionSerializer, responses=STEP)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = self._input(OpinionSerializer)
        return self._done(services.withdraw_application(self.get_object(), actor=request.user, **data))


router.register("applications", ApplicationViewSet, basename="assistance-application")
