"""REST API of the benefits engine: /api/v1/entitlements/ and /api/v1/payroll-runs/.

Thin on purpose, like the register's API: parse, call one selector or service, render.

- Entitlements are read-only here (granted through the services behind the back office), scoped
  like every other record (`visible_to`: a town caseworker sees the town's entitlements), with
  the trace as data and as a Chinese sentence. Reading needs `benefits.view`.
- A payroll run pays a scheme for the whole district, so runs are visible to users whose scope is
  the whole district (finance, district office, leaders, administrators); anyone else gets an
  empty list and 404s. POST builds a run as a background job (`payroll.build`): 201 when built,
  202 while a worker is still on it, 409 when another build of the month is under way. Approval
  (`payroll.approve`) is refused with a 400 naming `approved_by` for the run's author.

ID numbers are masked; account numbers never appear in the API.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from minzheng.accounts.api_permissions import HasCapability, ScopedQuerysetMixin
from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import scope_region_ids
from minzheng.core.api_errors import ErrorSerializer, error_responses
from minzheng.core.audit import log_denied_access
from minzheng.core.jobs import run_job, start_job
from minzheng.core.models import Job

from . import serializers as s
from .models import AmountPeriod, Entitlement, PayrollRun
from .payroll import PayrollBusy, approve_run, get_or_create_run, totals_by_town

security_log = logging.getLogger("minzheng.security")
BUILD_JOB = "benefits.build_payroll"

CONFLICT = {
    409: OpenApiResponse(ErrorSerializer, description="该月份的发放批次正由其他进程编制，请稍后刷新查看")
}


def _query(serializer_class, request) -> dict:
    params = serializer_class(data=request.query_params, context={"request": request})
    params.is_valid(raise_exception=True)
    return params.validated_data


# --- selectors ------------------------------------------------------------------------------


def _entitlements() -> QuerySet[Entitlement]:
    return Entitlement.objects.select_related("scheme", "person", "region", "region__parent")


def _runs() -> QuerySet[PayrollRun]:
    return PayrollRun.objects.select_related("scheme", "built_by", "approved_by", "job")


def runs_visible_to(user) -> QuerySet[PayrollRun]:
    """Runs cover the whole district: visible to district-wide scopes with `benefits.view`."""
    if not has_capability(user, Capability.BENEFITS_VIEW) or scope_region_ids(user) is not None:
        return PayrollRun.objects.none()
    return _runs()


def get_run_for(user, pk) -> PayrollRun:
    try:
        return runs_visible_to(user).get(pk=pk)
    except (PayrollRun.DoesNotExist, ValueError, TypeError):
        if str(pk).isdigit() and PayrollRun.objects.filter(pk=pk).exists():
            security_log.warning("out-of-scope access: user=%s model=benefits.PayrollRun pk=%s", user.pk, pk)
            log_denied_access(actor=user, model_label="benefits.PayrollRun", object_id=pk)
        raise Http404


# --- entitlements ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="待遇资格列表",
        parameters=[s.EntitlementListQuerySerializer],
        responses={200: s.EntitlementSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="待遇资格详情（含各期应发金额）",
        responses={200: s.EntitlementDetailSerializer, **error_responses(401, 403, 404)},
    ),
)
@extend_schema(tags=["待遇资格"])
class EntitlementViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    """Entitlements in the user's scope with their current amount and its trace."""

    serializer_class = s.EntitlementSerializer
    read_capability = Capability.BENEFITS_VIEW
    write_capability = Capability.BENEFITS_MANAGE  # no write endpoints: kept for the fail-closed check

    def get_base_queryset(self) -> QuerySet[Entitlement]:
        return _entitlements()

    def list(self, request):
        params = _query(s.EntitlementListQuerySerializer, request)
        queryset = self.get_queryset()
        if params.get("scheme"):
            queryset = queryset.filter(scheme__code=params["scheme"])
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("person"):
            queryset = queryset.filter(person_id=params["person"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        entitlement = self.get_object()
        periods = AmountPeriod.objects.filter(entitlement=entitlement).order_by("from_month")
        entitlement = (
            _entitlements().prefetch_related(Prefetch("periods", queryset=periods)).get(pk=entitlement.pk)
        )
        return Response(
            s.EntitlementDetailSerializer(entitlement, context=self.get_serializer_context()).data
        )


# --- payroll runs ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="发放批次列表",
        responses={200: s.PayrollRunSerializer(many=True), **error_responses(401, 403)},
    ),
    retrieve=extend_schema(
        summary="发放批次详情（含按镇街合计）",
        responses={200: s.PayrollRunDetailSerializer, **error_responses(401, 403, 404)},
    ),
    create=extend_schema(
        summary="编制发放批次",
        description=(
            "编制（或重新编制草稿）某项目某月的发放批次，作为后台任务执行。未配置任务队列时任务在本请求内"
            "完成，返回 201；由后台进程执行时返回 202，可凭 job 查询进度。同一月份正由其他进程编制时返回 409。"
        ),
        request=s.PayrollRunCreateSerializer,
        responses={
            201: s.PayrollRunDetailSerializer,
            202: s.PayrollRunDetailSerializer,
            **error_responses(400, 401, 403),
            **CONFLICT,
        },
    ),
)
@extend_schema(tags=["发放批次"])
class PayrollRunViewSet(viewsets.GenericViewSet):
    """Payroll runs: list, detail with totals by 镇街, build (create) and approve."""

    serializer_class = s.PayrollRunSerializer
    permission_classes = [HasCapability]
    read_capability = Capability.BENEFITS_VIEW
    write_capability = Capability.PAYROLL_BUILD
    action_capabilities = {"create": Capability.PAYROLL_BUILD, "approve": Capability.PAYROLL_APPROVE}

    def get_queryset(self) -> QuerySet[PayrollRun]:
        return runs_visible_to(self.request.user)

    def _detail(self, run: PayrollRun, status_code: int = status.HTTP_200_OK) -> Response:
        run = _runs().get(pk=run.pk)
        run.totals_by_town = totals_by_town(run)
        data = s.PayrollRunDetailSerializer(run, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return self._detail(get_run_for(request.user, pk))

    def create(self, request):
        data = s.PayrollRunCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        run = get_or_create_run(
            data.validated_data["scheme"], data.validated_data["month"], actor=request.user
        )
        if run.status != PayrollRun.Status.DRAFT:
            raise ValidationError(
                {"status": f"{run}（批次号 {run.pk}）状态为“{run.get_status_display()}”，不能重新编制"}
            )
        if Job.objects.filter(
            kind=BUILD_JOB, params__run=run.pk, status__in=[Job.Status.PENDING, Job.Status.RUNNING]
        ).exists():
            raise PayrollBusy(f"{run}正由其他进程编制，请稍后刷新查看结果")
        job = start_job(BUILD_JOB, actor=request.user, params={"run": run.pk})
        if settings.CELERY_TASK_ALWAYS_EAGER:
            job = run_job(job.pk)  # already run in-process unless inside a transaction: then now
        if job.status == Job.Status.FAILED:
            raise _job_failure(job, run)
        done = job.status == Job.Status.SUCCEEDED
        return self._detail(run, status.HTTP_201_CREATED if done else status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="审批发放批次",
        description="双人复核：编制人本人不能审批（400，错误在 fields.approved_by 下）。",
        request=s.ApproveRunSerializer,
        responses={200: s.PayrollRunDetailSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        run = get_run_for(request.user, pk)
        data = s.ApproveRunSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        run = approve_run(run, actor=request.user, opinion=data.validated_data["opinion"])
        return self._detail(run)


def _job_failure(job: Job, run: PayrollRun) -> Exception:
    """The build job failed: a concurrent build (409) or an error the job log explains."""
    result = job.result or {}
    if result.get("code") == PayrollBusy.code:
        return PayrollBusy(f"{run}正由其他进程编制，请稍后刷新查看结果")
    error = exceptions.APIException(
        f"发放批次编制失败（后台任务 #{job.pk}），原因见任务日志", code="job_failed"
    )
    error.default_code = "job_failed"
    return error
