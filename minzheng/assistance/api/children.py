"""API of the children's programs, on the assistance router (/api/v1/assistance/…):

- `children/`: children's profiles in scope (read-only; names and ID numbers masked, the full
  values through the audited reveal of the back office);
- `left-behind-children/`: the 留守儿童 register: list (`?status=`, `?risk_level=`,
  `?overdue=1`), detail with visits, register (POST), record a care visit
  (POST `{id}/visits/`) and close (POST `{id}/close/`).

Thin: parse, call one selector or service, render. Services raise Chinese `ValidationError`s
that the API's error handler returns as 400 with the fields named.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from minzheng.accounts.api_permissions import ScopedQuerysetMixin
from minzheng.accounts.roles import Capability
from minzheng.accounts.scoping import visible_to
from minzheng.core.api_errors import error_responses
from minzheng.registry.models import Person

from ..models.children import CareVisit, ChildProfile, LeftBehindChild, RiskLevel
from ..selectors import children as selectors
from ..services import children as services
from . import router


class ChildProfileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="masked_name", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    region = serializers.CharField(source="region.name", read_only=True)
    town = serializers.CharField(source="region.parent.name", read_only=True, default="")

    class Meta:
        model = ChildProfile
        fields = ["id", "name", "id_number", "category", "town", "region", "guardian_relation", "school"]


class CareVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = CareVisit
        fields = ["id", "visited_on", "visitor_name", "findings", "previous_risk_level", "risk_level"]
        read_only_fields = ["id", "previous_risk_level"]


class LeftBehindSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="masked_name", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    region = serializers.CharField(source="region.name", read_only=True)
    town = serializers.CharField(source="region.parent.name", read_only=True, default="")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = LeftBehindChild
        fields = [
            "id",
            "name",
            "id_number",
            "town",
            "region",
            "parents_away",
            "parents_whereabouts",
            "guardian_relation",
            "risk_level",
            "status",
            "registered_on",
            "last_visit_on",
            "next_visit_due",
            "overdue",
            "closed_on",
            "close_reason",
        ]

    def get_overdue(self, obj) -> bool:
        return obj.status == LeftBehindChild.Status.ACTIVE and obj.next_visit_due < timezone.localdate()


class LeftBehindDetailSerializer(LeftBehindSerializer):
    visits = CareVisitSerializer(many=True, read_only=True)

    class Meta(LeftBehindSerializer.Meta):
        fields = [*LeftBehindSerializer.Meta.fields, "visits"]


class LeftBehindCreateSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), help_text="儿童（人员编号）")
    parents_away = serializers.ChoiceField(choices=LeftBehindChild.ParentsAway.choices)
    parents_whereabouts = serializers.CharField(max_length=200)
    guardian_name = serializers.CharField(max_length=50)
    guardian_relation = serializers.ChoiceField(
        choices=ChildProfile._meta.get_field("guardian_relation").choices
    )
    guardian_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    registered_on = serializers.DateField(required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:  # a person outside the user's scope is "not found", not "forbidden"
            self.fields["person"].queryset = visible_to(user, Person.objects.all())


class CloseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=LeftBehindChild.CloseReason.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    closed_on = serializers.DateField(required=False)


@extend_schema(tags=["儿童福利"])
class ChildProfileViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Children's profiles in the user's scope, masked."""

    serializer_class = ChildProfileSerializer
    read_capability = Capability.REGISTRY_VIEW

    def get_base_queryset(self):
        return ChildProfile.objects.select_related("person", "region", "region__parent")

    def get_queryset(self):
        queryset = selectors.child_profiles_visible_to(self.request.user)
        category = self.request.query_params.get("category")
        return queryset.filter(category=category) if category else queryset


@extend_schema(tags=["儿童福利"])
class LeftBehindChildViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The 留守儿童 register with care visits (dynamic management by risk level)."""

    read_capability = Capability.REGISTRY_VIEW
    write_capability = Capability.REGISTRY_CHANGE

    def get_serializer_class(self):
        if self.action == "retrieve":
            return LeftBehindDetailSerializer
        if self.action == "create":
            return LeftBehindCreateSerializer
        if self.action == "visits":
            return CareVisitSerializer
        if self.action == "close":
            return CloseSerializer
        return LeftBehindSerializer

    def get_base_queryset(self):
        return LeftBehindChild.objects.select_related("person", "region", "region__parent")

    def get_queryset(self):
        params = self.request.query_params
        if params.get("overdue") in ("1", "true"):
            return selectors.overdue_visits(self.request.user)
        queryset = selectors.left_behind_visible_to(self.request.user)
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("risk_level"):
            queryset = queryset.filter(risk_level=params["risk_level"])
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("visits")
        return queryset

    @extend_schema(
        summary="登记留守儿童", responses={201: LeftBehindSerializer, **error_responses(400, 401, 403)}
    )
    def create(self, request, *args, **kwargs):
        serializer = LeftBehindCreateSerializer(data=request.data, user=request.user)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        record = services.register_left_behind(actor=request.user, **data)
        return Response(LeftBehindSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="录入关爱走访",
        request=CareVisitSerializer,
        responses={201: CareVisitSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def visits(self, request, pk=None):
        record = self.get_object()
        data = self._valid(CareVisitSerializer, request)
        visit = services.record_care_visit(record, actor=request.user, **data)
        return Response(CareVisitSerializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="留守儿童销册",
        request=CloseSerializer,
        responses={200: LeftBehindSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        record = self.get_object()
        data = self._valid(CloseSerializer, request)
        record = services.close_left_behind(record, actor=request.user, **data)
        return Response(LeftBehindSerializer(record).data)

    def _valid(self, serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


router.register("children", ChildProfileViewSet, basename="child")
router.register("left-behind-children", LeftBehindChildViewSet, basename="left-behind-child")
