"""REST API of the register: /api/v1/persons/, /api/v1/households/, /api/v1/regions/.

Thin on purpose: parse the request, call one selector or service, render. Reads go through
`selectors` (already scoped), single records through `get_visible_or_404` (out of scope is a
logged 404), writes only through `services` (which check scope again, validate and audit).
Reading needs `registry.view`, writing `registry.change`; ID numbers and phones are masked in
every answer, and the full value is one audited `reveal` away (`pii.reveal`).
"""

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from minzheng.accounts.api_permissions import ScopedQuerysetMixin
from minzheng.core.api_errors import error_responses, renamed_fields
from minzheng.core.reveal import REVEALABLE, reveal_field

from . import serializers as s
from . import services
from .models import Household, Membership, Person, Region
from .selectors import (
    households_visible_to,
    persons_visible_to,
    regions_visible_to,
    search_households,
    search_persons,
)


def _with_current_household(queryset: QuerySet[Person]) -> QuerySet[Person]:
    current = Membership.objects.filter(person=OuterRef("pk"), valid_to__isnull=True)
    return queryset.select_related("residence_region").annotate(
        current_household_id=Subquery(current.values("household_id")[:1]),
        current_relation=Subquery(current.values("relation")[:1]),
    )


def _with_current_members(queryset: QuerySet[Household]) -> QuerySet[Household]:
    return queryset.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(valid_to__isnull=True)
            .select_related("person")
            .order_by("valid_from", "id"),
            to_attr="current_memberships",
        )
    )


def _in_region(queryset: QuerySet, region: Region | None) -> QuerySet:
    return queryset.filter(region__path__startswith=region.path) if region else queryset


def _query(serializer_class, request) -> dict:
    params = serializer_class(data=request.query_params, context={"request": request})
    params.is_valid(raise_exception=True)
    return params.validated_data


@extend_schema_view(
    list=extend_schema(
        summary="人员列表",
        parameters=[s.PersonListQuerySerializer],
        responses={200: s.PersonSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="人员详情", responses={200: s.PersonSerializer, **error_responses(401, 403, 404)}
    ),
    create=extend_schema(
        summary="登记人员",
        request=s.PersonCreateSerializer,
        responses={201: s.PersonSerializer, **error_responses(400, 401, 403)},
    ),
    partial_update=extend_schema(
        summary="修改人员信息",
        request=s.PersonUpdateSerializer,
        responses={200: s.PersonSerializer, **error_responses(400, 401, 403, 404)},
    ),
)
@extend_schema(tags=["人员"])
class PersonViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    """Persons in the user's scope. No DELETE: a person's record is never removed."""

    serializer_class = s.PersonSerializer

    def get_base_queryset(self) -> QuerySet[Person]:
        return _with_current_household(Person.objects.select_related("region", "region__parent"))

    def get_queryset(self) -> QuerySet[Person]:
        return _with_current_household(persons_visible_to(self.request.user))

    def _fresh(self, person: Person) -> Person:
        return self.get_base_queryset().get(pk=person.pk)

    def list(self, request):
        params = _query(s.PersonListQuerySerializer, request)
        queryset = _in_region(self.get_queryset(), params.get("region"))
        queryset = search_persons(request.user, params.get("q", ""), queryset=queryset)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        data = s.PersonCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        person = services.register_person(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self._fresh(person)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        person = self.get_object()
        data = s.PersonUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        person = services.update_person(person, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self._fresh(person)).data)

    @extend_schema(
        summary="登记死亡",
        request=s.RecordDeathSerializer,
        responses={200: s.PersonSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def record_death(self, request, pk=None):
        person = self.get_object()
        data = s.RecordDeathSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        person = services.record_death(
            person, actor=request.user, death_date=data.validated_data["death_date"]
        )
        return Response(self.get_serializer(self._fresh(person)).data)

    @extend_schema(
        summary="查看完整信息（留痕）",
        description="返回身份证号码、联系电话或残疾证号的完整值，需“查看完整敏感信息”权限，每次查看写入审计日志。",
        parameters=[s.RevealQuerySerializer],
        responses={200: s.RevealSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["get"])
    def reveal(self, request, pk=None):
        person = self.get_object()
        field = _query(s.RevealQuerySerializer, request)["field"]
        value = reveal_field(person, field, actor=request.user)
        response = Response({"field": field, "label": REVEALABLE["registry.person"][field], "value": value})
        response["Cache-Control"] = "no-store"
        return response


@extend_schema_view(
    list=extend_schema(
        summary="家庭户列表",
        parameters=[s.HouseholdListQuerySerializer],
        responses={200: s.HouseholdSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="家庭户详情", responses={200: s.HouseholdSerializer, **error_responses(401, 403, 404)}
    ),
    create=extend_schema(
        summary="建立家庭户",
        request=s.HouseholdCreateSerializer,
        responses={201: s.HouseholdSerializer, **error_responses(400, 401, 403)},
    ),
)
@extend_schema(tags=["家庭户"])
class HouseholdViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    """Households in the user's scope with their current members (ID numbers masked)."""

    serializer_class = s.HouseholdSerializer

    def get_base_queryset(self) -> QuerySet[Household]:
        return _with_current_members(Household.objects.select_related("region", "region__parent", "head"))

    def get_queryset(self) -> QuerySet[Household]:
        return _with_current_members(households_visible_to(self.request.user))

    def _fresh(self, household: Household) -> Household:
        return self.get_base_queryset().get(pk=household.pk)

    def list(self, request):
        params = _query(s.HouseholdListQuerySerializer, request)
        if params.get("q"):
            queryset = _with_current_members(search_households(request.user, params["q"]))
        else:
            queryset = self.get_queryset()
        queryset = _in_region(queryset, params.get("region"))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        data = s.HouseholdCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        with renamed_fields(person="head"):
            household = services.create_household(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self._fresh(household)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="成员入户",
        request=s.AddMemberSerializer,
        responses={200: s.HouseholdSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def add_member(self, request, pk=None):
        household = self.get_object()
        data = s.AddMemberSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.add_member(household, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self._fresh(household)).data)

    @extend_schema(
        summary="成员离户",
        request=s.RemoveMemberSerializer,
        responses={200: s.HouseholdSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def remove_member(self, request, pk=None):
        household = self.get_object()
        data = s.RemoveMemberSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.remove_member(household, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self._fresh(household)).data)

    @extend_schema(
        summary="户籍迁移",
        request=s.MoveHouseholdSerializer,
        responses={200: s.HouseholdSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        household = self.get_object()
        data = s.MoveHouseholdSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.move_household(household, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self._fresh(household)).data)


@extend_schema_view(
    list=extend_schema(
        summary="行政区划列表",
        parameters=[s.RegionListQuerySerializer],
        responses={200: s.RegionSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="行政区划详情", responses={200: s.RegionSerializer, **error_responses(401, 403, 404)}
    ),
)
@extend_schema(tags=["行政区划"])
class RegionViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    """The region tree inside the user's scope, read-only (regions are kept in the back office)."""

    serializer_class = s.RegionSerializer

    def get_base_queryset(self) -> QuerySet[Region]:
        return Region.objects.select_related("parent", "successor")

    def get_queryset(self) -> QuerySet[Region]:
        return regions_visible_to(self.request.user).select_related("successor")

    def list(self, request):
        params = _query(s.RegionListQuerySerializer, request)
        queryset = self.get_queryset()
        if params.get("level"):
            queryset = queryset.filter(level=params["level"])
        if params.get("parent"):
            queryset = queryset.filter(parent=params["parent"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)
