"""API: /api/v1/assistance/poor-households/ — the poverty register (read-only), scoped.

Each household with its paired helpers (phones masked), measures and visits; filter by
`status` (registered / exited). Writes go through the back office's service forms.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from minzheng.accounts.api_permissions import ScopedQuerysetMixin
from minzheng.accounts.roles import Capability

from ..models.poverty import PairedHelper, PoorHousehold, PovertyMeasure, PovertyVisit
from . import router


class HelperSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="masked_phone", read_only=True)

    class Meta:
        model = PairedHelper
        fields = ["id", "name", "unit", "is_party_member", "phone", "valid_from", "valid_to"]


class MeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = PovertyMeasure
        fields = ["id", "kind", "description", "taken_on", "funds"]


class VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = PovertyVisit
        fields = ["id", "visited_on", "helper", "notes", "income_per_person"]


class PoorHouseholdSerializer(serializers.ModelSerializer):
    head = serializers.CharField(source="household.head.name", default="", read_only=True)
    household_number = serializers.CharField(source="household.number", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    helpers = HelperSerializer(many=True, read_only=True)
    measures = MeasureSerializer(many=True, read_only=True)
    visits = VisitSerializer(many=True, read_only=True)

    class Meta:
        model = PoorHousehold
        fields = [
            "id",
            "household",
            "household_number",
            "head",
            "region",
            "region_name",
            "registered_on",
            "persons",
            "cause",
            "status",
            "exited_on",
            "exit_verification",
            "helpers",
            "measures",
            "visits",
        ]


@extend_schema_view(
    list=extend_schema(summary="贫困户名册"),
    retrieve=extend_schema(summary="贫困户档案（结对帮扶人、帮扶措施、走访记录）"),
)
@extend_schema(tags=["精准扶贫"])
class PoorHouseholdViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PoorHouseholdSerializer
    read_capability = Capability.REGISTRY_VIEW
    write_capability = Capability.REGISTRY_CHANGE

    def get_base_queryset(self):
        return PoorHousehold.objects.select_related("household__head", "region").prefetch_related(
            Prefetch("helpers"), Prefetch("measures"), Prefetch("visits")
        )

    def get_queryset(self):
        queryset = super().get_queryset()
        status = self.request.query_params.get("status")
        return queryset.filter(status=status) if status else queryset


router.register("poor-households", PoorHouseholdViewSet, basename="poor-household")
